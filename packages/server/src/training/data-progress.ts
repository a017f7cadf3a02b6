// Progress of reading and tokenizing a dataset as log lines: one every few seconds, so slow work shows it is
// moving without flooding the log.

import type { DataProgress } from '@tuneql/engine';

/** A line for `log` at most every `everyMs` (and none for work that ends sooner). */
export function progressLogger(what: string, log: (line: string) => void, everyMs = 2000): (p: DataProgress) => void {
  const start = Date.now();
  let last = start;
  return (p) => {
    const now = Date.now();
    if (now - last < everyMs) return;
    last = now;
    const unit = p.phase === 'reading' ? 'bytes' : 'records';
    const share = p.total ? ` (${Math.round((100 * p.done) / p.total)}%)` : '';
    log(
      `${what}: ${p.phase} ${p.done.toLocaleString('en-US')} of ${p.total.toLocaleString('en-US')} ${unit}${share}, ${((now - start) / 1000).toFixed(0)} s so far`,
    );
  };
}
