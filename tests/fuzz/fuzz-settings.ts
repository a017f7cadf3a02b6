// What every fuzz property shares: a fixed seed and run counts that CI can override, the time and memory each case
// may take, and the rule that a refusal must be one of the project's own typed errors.

import fc from 'fast-check';
import { it } from 'vitest';

function positiveIntFromEnv(name: string): number | undefined {
  const raw = process.env[name];
  if (raw === undefined || raw === '') return undefined;
  const n = Number(raw);
  if (!Number.isSafeInteger(n) || n < 0) throw new Error(`${name} must be a non-negative integer, got ${JSON.stringify(raw)}`);
  return n;
}

/** The seed of every property; a failure prints it. @default 20261203 (TUNEQL_FUZZ_SEED) */
export const FUZZ_SEED = positiveIntFromEnv('TUNEQL_FUZZ_SEED') ?? 20261203;

/**
 * Cases per property (TUNEQL_FUZZ_RUNS). When set, each property runs exactly that many cases and its time budget
 * is lifted; when unset, each runs its own default count, cut short by its time budget so that the whole fuzz
 * suite stays under a minute on CI's 2 cores.
 */
export const FUZZ_RUNS = positiveIntFromEnv('TUNEQL_FUZZ_RUNS');

/** The vitest timeout for a property with this time budget: the budget plus room for one shrink, or long under TUNEQL_FUZZ_RUNS. */
export function testTimeout(budgetMs: number): number {
  return FUZZ_RUNS === undefined ? budgetMs + 40_000 : 30 * 60_000;
}

/** The longest one case may wait on something asynchronous (a request, a stream) before it fails. */
export const CASE_TIMEOUT_MS = 15_000;

export interface FuzzOptions {
  /** Cases when TUNEQL_FUZZ_RUNS is unset. */
  runs: number;
  /** Milliseconds after which no new case starts (ignored under TUNEQL_FUZZ_RUNS). */
  budgetMs: number;
}

/**
 * fc.assert with the suite's seed, run count and time budget. fast-check's own report (seed, path, counterexample,
 * the error) is kept, with a line that says how to replay it.
 */
export async function fuzz<Ts extends [unknown, ...unknown[]]>(
  property: fc.IProperty<Ts> | fc.IAsyncProperty<Ts>,
  options: FuzzOptions,
): Promise<void> {
  const parameters: fc.Parameters<Ts> = {
    seed: FUZZ_SEED,
    numRuns: FUZZ_RUNS ?? options.runs,
    // A case still waiting after this (a request the server never answers) fails instead of hanging the suite.
    timeout: CASE_TIMEOUT_MS,
    ...(FUZZ_RUNS === undefined ? { interruptAfterTimeLimit: options.budgetMs } : {}),
  };
  try {
    await fc.assert(property as fc.IAsyncProperty<Ts>, parameters);
  } catch (err) {
    const replay = `replay: TUNEQL_FUZZ_SEED=${FUZZ_SEED}${FUZZ_RUNS === undefined ? '' : ` TUNEQL_FUZZ_RUNS=${FUZZ_RUNS}`}`;
    if (err instanceof Error) err.message = `${err.message}\n${replay}`;
    throw err;
  }
}

/**
 * A vitest case that fuzzes the property `make` returns (it may first load what the property needs), with a timeout
 * that fits the property's budget.
 */
export function itFuzzes<Ts extends [unknown, ...unknown[]]>(
  name: string,
  make: () => fc.IAsyncProperty<Ts> | Promise<fc.IAsyncProperty<Ts>>,
  options: FuzzOptions,
): void {
  it(name, async () => fuzz(await make(), options), testTimeout(options.budgetMs));
}

type ErrorClass = abstract new (...args: never[]) => Error;

/**
 * Runs `action`; a thrown error passes only when it is an instance of one of `allowed` (the reader's own typed
 * errors). Anything else (a TypeError, a RangeError, a plain Error) is rethrown for fast-check to report.
 * Returns the result, or undefined when the input was refused.
 */
export async function refusedOnlyWith<T>(allowed: readonly ErrorClass[], action: () => T | Promise<T>): Promise<T | undefined> {
  try {
    return await action();
  } catch (err) {
    if (allowed.some((type) => err instanceof type)) return undefined;
    throw err;
  }
}

export interface CaseBounds {
  /** Wall time one case may take. */
  ms: number;
  /** Heap plus array-buffer bytes one case may add while its result is still held. */
  bytes: number;
}

/** 2 seconds and 96 MiB: far above what a reader needs for the small inputs generated here. */
export const DEFAULT_BOUNDS: CaseBounds = { ms: 2_000, bytes: 96 * 1024 ** 2 };

function memoryInUse(): number {
  const m = process.memoryUsage();
  return m.heapUsed + m.arrayBuffers;
}

/**
 * Runs one case and fails it when it took longer than `bounds.ms` or grew memory by more than `bounds.bytes`
 * (measured with the result still referenced, so a buffer sized from a declared length counts).
 */
export async function withinBounds<T>(what: string, action: () => Promise<T>, bounds: CaseBounds = DEFAULT_BOUNDS): Promise<T> {
  const before = memoryInUse();
  const start = performance.now();
  const result = await action();
  const grown = memoryInUse() - before;
  const ms = performance.now() - start;
  if (ms > bounds.ms) throw new Error(`${what} took ${ms.toFixed(0)} ms, over the ${bounds.ms} ms a case may take`);
  if (grown > bounds.bytes) {
    throw new Error(
      `${what} grew memory by ${(grown / 1024 ** 2).toFixed(1)} MiB, over the ${bounds.bytes / 1024 ** 2} MiB a case may use`,
    );
  }
  return result;
}
