// Hugging Face tokenizers in TypeScript: load a tokenizer.json, encode, decode, and align labels to tokens.

export { type AlignWordLabelsOptions, alignWordLabels, charSpanToTokenSpan } from './alignment.ts';
export { TokenizationError, TokenizerConfigError } from './config.ts';
export type { Direction, Encoding } from './encoding.ts';
export type { Offsets } from './normalized-string.ts';
export {
  type DecodeOptions,
  type EncodeOptions,
  Tokenizer,
  type TruncationOptions,
  type TruncationStrategy,
} from './tokenizer.ts';
