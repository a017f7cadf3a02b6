// Host-side learning-rate schedules, matching Hugging Face's schedulers step for step.

/**
 * The learning rate for the optimizer step with 0-based index `step`, i.e. the step about to run.
 * As in Hugging Face (whose scheduler sets the rate for the first step at construction), step 0 of a
 * warm-up gets rate 0.
 */
export type LrSchedule = (step: number) => number;

export interface LinearScheduleOptions {
  /** Rate reached at the end of warm-up. */
  peak: number;
  /** Steps of linear warm-up from 0; 0 starts at `peak`. */
  warmupSteps: number;
  /** Step at which the decay reaches `end`; the rate stays at `end` afterwards. */
  totalSteps: number;
  /** @default 0 */
  end?: number;
}

export interface CosineScheduleOptions {
  peak: number;
  warmupSteps: number;
  /** Step at which the cosine reaches its end point; the rate holds there afterwards. */
  totalSteps: number;
  /** Floor the cosine decays to (Hugging Face's min_lr). @default 0 */
  minLr?: number;
  /** Number of cosine periods over the decay; 0.5 is a half cosine from peak to minLr. @default 0.5 */
  cycles?: number;
}

const KNOWN_LINEAR = ['peak', 'warmupSteps', 'totalSteps', 'end'];
const KNOWN_COSINE = ['peak', 'warmupSteps', 'totalSteps', 'minLr', 'cycles'];

function checkKeys(name: string, options: object, known: readonly string[]): void {
  for (const key of Object.keys(options)) {
    if (!known.includes(key)) throw new RangeError(`${name}: unknown option '${key}'; known options: ${known.join(', ')}`);
  }
}

function checkRate(name: string, what: string, value: number): void {
  if (!(Number.isFinite(value) && value >= 0)) throw new RangeError(`${name}: ${what} must be a finite number >= 0, got ${value}`);
}

function checkSteps(name: string, warmupSteps: number, totalSteps: number): void {
  if (!(Number.isSafeInteger(warmupSteps) && warmupSteps >= 0))
    throw new RangeError(`${name}: warmupSteps must be an integer >= 0, got ${warmupSteps}`);
  if (!(Number.isSafeInteger(totalSteps) && totalSteps > 0))
    throw new RangeError(`${name}: totalSteps must be an integer > 0, got ${totalSteps}`);
  if (warmupSteps > totalSteps) throw new RangeError(`${name}: warmupSteps (${warmupSteps}) must not exceed totalSteps (${totalSteps})`);
}

function checkStep(name: string, step: number): void {
  if (!(Number.isSafeInteger(step) && step >= 0)) throw new RangeError(`${name}: step must be an integer >= 0, got ${step}`);
}

/** The same rate at every step. */
export function constantSchedule(lr: number): LrSchedule {
  checkRate('constantSchedule', 'lr', lr);
  return (step) => {
    checkStep('constantSchedule', step);
    return lr;
  };
}

/**
 * get_linear_schedule_with_warmup (and, with `end` > 0, get_polynomial_decay_schedule_with_warmup at
 * power 1): peak * step / warmupSteps during warm-up, then a straight line from peak at warmupSteps to
 * `end` at totalSteps.
 */
export function linearSchedule(options: LinearScheduleOptions): LrSchedule {
  const name = 'linearSchedule';
  checkKeys(name, options, KNOWN_LINEAR);
  const { peak, warmupSteps, totalSteps } = options;
  const end = options.end ?? 0;
  checkRate(name, 'peak', peak);
  checkRate(name, 'end', end);
  if (end > peak) throw new RangeError(`${name}: end (${end}) must not exceed peak (${peak})`);
  checkSteps(name, warmupSteps, totalSteps);
  // max(1, ...) as in Hugging Face, so that totalSteps === warmupSteps does not divide by zero.
  const decaySteps = Math.max(1, totalSteps - warmupSteps);
  return (step) => {
    checkStep(name, step);
    if (step < warmupSteps) return peak * (step / warmupSteps);
    const remaining = Math.max(0, totalSteps - step) / decaySteps;
    return end + (peak - end) * remaining;
  };
}

/**
 * get_cosine_schedule_with_warmup (and, with `minLr` > 0, get_cosine_with_min_lr_schedule_with_warmup):
 * linear warm-up, then minLr + (peak - minLr) * max(0, (1 + cos(2 pi cycles progress)) / 2) with progress
 * going from 0 at warmupSteps to 1 at totalSteps. Unlike Hugging Face, progress is clamped at 1, so the
 * rate holds its final value past totalSteps instead of climbing back up the cosine.
 */
export function cosineSchedule(options: CosineScheduleOptions): LrSchedule {
  const name = 'cosineSchedule';
  checkKeys(name, options, KNOWN_COSINE);
  const { peak, warmupSteps, totalSteps } = options;
  const minLr = options.minLr ?? 0;
  const cycles = options.cycles ?? 0.5;
  checkRate(name, 'peak', peak);
  checkRate(name, 'minLr', minLr);
  if (minLr > peak) throw new RangeError(`${name}: minLr (${minLr}) must not exceed peak (${peak})`);
  if (!(Number.isFinite(cycles) && cycles > 0)) throw new RangeError(`${name}: cycles must be a finite number > 0, got ${cycles}`);
  checkSteps(name, warmupSteps, totalSteps);
  const decaySteps = Math.max(1, totalSteps - warmupSteps);
  return (step) => {
    checkStep(name, step);
    if (step < warmupSteps) return peak * (step / warmupSteps);
    const progress = Math.min(1, (step - warmupSteps) / decaySteps);
    const factor = Math.max(0, 0.5 * (1 + Math.cos(Math.PI * cycles * 2 * progress)));
    return minLr + (peak - minLr) * factor;
  };
}
