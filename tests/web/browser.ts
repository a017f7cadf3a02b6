// What the browser suites share: the console's static build they serve, where screenshots go, and Chromium
// (Debian's, through playwright-core; never a downloaded browser), launched headless once the build is there.

import { existsSync, mkdirSync } from 'node:fs';
import { join } from 'node:path';
import { type Browser, chromium } from 'playwright-core';
import { REPO } from '../server/harness.ts';

export const CONSOLE_BUILD = join(REPO, 'packages/web/out');
export const SHOTS = join(import.meta.dirname, 'screenshots');
const CHROMIUM = process.env.CHROMIUM_PATH ?? '/usr/bin/chromium';

/** Chromium, headless; refuses with what to do when the console build or the browser is missing. */
export async function launchBrowser(): Promise<Browser> {
  if (!existsSync(join(CONSOLE_BUILD, 'index.html'))) {
    throw new Error(`no console build in ${CONSOLE_BUILD}: run 'pnpm --filter @tuneql/web build' first`);
  }
  if (!existsSync(CHROMIUM)) throw new Error(`no Chromium at ${CHROMIUM} (apt-get install chromium, or set CHROMIUM_PATH)`);
  mkdirSync(SHOTS, { recursive: true });
  return chromium.launch({
    executablePath: CHROMIUM,
    args: [
      '--headless=new',
      '--no-sandbox',
      '--disable-gpu',
      '--disable-quic',
      '--no-first-run',
      '--disable-background-networking',
      '--disable-component-update',
      '--disable-sync',
    ],
  });
}
