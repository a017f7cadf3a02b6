// A run's own peak memory: what the process's resident memory rose to while the run ran, above what it
// held when the run started. The process's own high-water mark would be the server's (an in-process worker)
// or the largest run's a worker has run so far, not this run's.
//
// On Linux the kernel's high-water mark (VmHWM) is reset at the start (writing 5 to /proc/self/clear_refs),
// so the figure is exact however briefly the peak lasted; elsewhere the resident memory is sampled every
// SAMPLE_MS, which can miss a short peak.

import { readFileSync, writeFileSync } from 'node:fs';

const STATUS = '/proc/self/status';
const CLEAR_REFS = '/proc/self/clear_refs';
/** Sampling period where the high-water mark cannot be reset. */
export const SAMPLE_MS = 200;

/** The process's resident high-water mark since the last reset, in bytes; undefined without /proc. */
function highWaterMark(): number | undefined {
  try {
    const m = /^VmHWM:\s+(\d+) kB$/m.exec(readFileSync(STATUS, 'utf8'));
    return m ? Number(m[1]) * 1024 : undefined;
  } catch {
    return undefined;
  }
}

/** Resets the kernel's high-water mark to the current resident memory; false where that cannot be done. */
function resetHighWaterMark(): boolean {
  try {
    writeFileSync(CLEAR_REFS, '5');
    return highWaterMark() !== undefined;
  } catch {
    return false;
  }
}

/** Meters running now: only the first resets the process-wide mark (a reset would lose the others' peaks). */
let running = 0;

export interface PeakMeter {
  /** How the peak is found: the kernel's reset high-water mark, or sampling. */
  readonly method: 'high-water-mark' | 'sampled';
  /** Stops the meter: the peak above the start, in bytes. */
  stop(): number;
}

/**
 * Starts measuring a run's peak. Garbage from before is collected first when the process exposes `gc`
 * (node --expose-gc), so that what the run frees does not count against it. With other meters running in
 * the same process (concurrent in-process runs), the figures can include each other's memory.
 */
export function startPeakMeter(): PeakMeter {
  (globalThis as { gc?: () => void }).gc?.();
  const base = process.memoryUsage.rss();
  const reset = running === 0 && resetHighWaterMark();
  running++;
  let sampled = base;
  const timer = reset
    ? undefined
    : setInterval(() => {
        sampled = Math.max(sampled, process.memoryUsage.rss());
      }, SAMPLE_MS);
  timer?.unref();
  let stopped: number | undefined;
  return {
    method: reset ? 'high-water-mark' : 'sampled',
    stop(): number {
      if (stopped !== undefined) return stopped;
      running--;
      if (timer) clearInterval(timer);
      const now = process.memoryUsage.rss();
      const peak = reset ? Math.max(highWaterMark() ?? now, now) : Math.max(sampled, now);
      stopped = Math.max(0, peak - base);
      return stopped;
    },
  };
}
