// Reads the onnxruntime profiles a Runtime started with `profile` writes (Chrome-trace JSON): where a
// training step's time goes, per operator on the host and, on WebGPU, per GPU kernel.

import { readdirSync, readFileSync } from 'node:fs';
import { basename, dirname, join } from 'node:path';

interface TraceEvent {
  cat: string;
  name: string;
  ts: number;
  dur: number;
  args?: { op_name?: string; provider?: string };
}

export interface ProfileRow {
  /** The operator (host rows) or GPU kernel (gpu rows). */
  name: string;
  /** Execution provider of host rows. */
  provider?: string;
  calls: number;
  totalMs: number;
  /** Share of its table's total time. */
  share: number;
}

export interface ProfileSummary {
  files: string[];
  /** Session runs counted (after the skipped ones), and their summed wall time. */
  runs: number;
  runMs: number;
  /** Kernel time per operator and provider as the host saw it (GPU work is asynchronous, so dispatch time there). */
  host: ProfileRow[];
  /** GPU time per kernel program from timestamp queries (WebGPU only; empty elsewhere or where the device lacks them). */
  gpu: ProfileRow[];
}

type Tally = Map<string, { name: string; provider?: string; calls: number; us: number }>;

/** Counts one call of `dur` microseconds under `key`. */
function count(tally: Tally, key: string, name: string, provider: string | undefined, dur: number): void {
  const g = tally.get(key) ?? { name, provider, calls: 0, us: 0 };
  g.calls++;
  g.us += dur;
  tally.set(key, g);
}

function table(groups: Tally): ProfileRow[] {
  const total = [...groups.values()].reduce((s, g) => s + g.us, 0) || 1;
  return [...groups.values()]
    .map((g) => ({ name: g.name, provider: g.provider, calls: g.calls, totalMs: g.us / 1000, share: g.us / total }))
    .sort((a, b) => b.totalMs - a.totalMs);
}

/**
 * Sums the profile files written under `prefix` (the Runtime's `profile` option), leaving out each session's
 * first `skipRuns` runs (warm-up: the first run on WebGPU also compiles every shader).
 */
export function summarizeProfile(prefix: string, options: { skipRuns?: number } = {}): ProfileSummary {
  const skip = options.skipRuns ?? 0;
  const dir = dirname(prefix);
  const files = readdirSync(dir)
    .filter((f) => f.startsWith(`${basename(prefix)}-`) && f.endsWith('.json'))
    .map((f) => join(dir, f));
  if (!files.length) throw new Error(`no onnxruntime profile starts with ${prefix} (is the runtime closed?)`);
  const host: Tally = new Map();
  const gpu: Tally = new Map();
  let runs = 0;
  let runUs = 0;
  for (const file of files) {
    const events = JSON.parse(readFileSync(file, 'utf8')) as TraceEvent[];
    const starts = events
      .filter((e) => e.cat === 'Session' && e.name === 'model_run')
      .map((e) => e.ts)
      .sort((a, b) => a - b);
    // Everything before the first counted run belongs to the skipped ones (or to loading the session).
    const from = skip >= starts.length ? Number.POSITIVE_INFINITY : (starts[skip] ?? 0);
    for (const e of events) {
      if (e.ts < from) continue;
      if (e.cat === 'Session' && e.name === 'model_run') {
        runs++;
        runUs += e.dur;
      } else if (e.cat === 'Node' && e.name.endsWith('_kernel_time')) {
        const op = e.args?.op_name ?? '?';
        count(host, `${op}\n${e.args?.provider ?? ''}`, op, e.args?.provider, e.dur);
      } else if (e.cat === 'Api') {
        // Named `<node>&<op type>&<program>`: summed per operator and program.
        const [, op, prog] = e.name.split('&');
        const name = op === undefined ? e.name : prog && prog !== op ? `${op} (${prog})` : op;
        count(gpu, name, name, undefined, e.dur);
      }
    }
  }
  return { files, runs, runMs: runUs / 1000, host: table(host), gpu: table(gpu) };
}
