// Types the compiler needs without a Next build: Next's globals and the stylesheet import in the layout.
/// <reference types="next" />
declare module '*.css';
