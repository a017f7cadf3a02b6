// The console is a static export served by the TuneQL server at / (same origin as /graphql): no server code, nothing fetched at build time.
import type { NextConfig } from 'next';

const config: NextConfig = {
  output: 'export',
  // Each page becomes folder/index.html: the server's express.static redirects /runs/new to /runs/new/ and serves
  // that index (a page at runs/new.html would lose to the runs/new/ folder of its prefetch data).
  trailingSlash: true,
  images: { unoptimized: true },
  reactStrictMode: true,
  poweredByHeader: false,
};

export default config;
