// What the sweep feature refuses, and why a sweep failed.

export const SweepErrorCode = {
  SWEEP_NOT_FOUND: 'SWEEP_NOT_FOUND',
  /** A parameter that is neither a trainer setting a sweep may vary nor an option of the strategy. */
  SWEEP_PARAMETER_UNKNOWN: 'SWEEP_PARAMETER_UNKNOWN',
  /** A value of a parameter that the run would refuse (out of the setting's bounds, a bad strategy option, too large a run). */
  SWEEP_PARAMETER_INVALID: 'SWEEP_PARAMETER_INVALID',
  /** No parameters, a parameter with no values, or a range whose minimum is above its maximum. */
  SWEEP_SPACE_EMPTY: 'SWEEP_SPACE_EMPTY',
  /** A parameter given both values and a range, or neither; a grid over a range; a parameter named twice. */
  SWEEP_SPACE_INVALID: 'SWEEP_SPACE_INVALID',
  /** More trials than a sweep may have (maxTrials, or a grid's points). */
  SWEEP_TOO_MANY_TRIALS: 'SWEEP_TOO_MANY_TRIALS',
  SWEEP_INVALID_INPUT: 'SWEEP_INVALID_INPUT',
  SWEEP_INVALID_STATE: 'SWEEP_INVALID_STATE',
  /** Set on a sweep none of whose trials succeeded. */
  SWEEP_NO_TRIAL_SUCCEEDED: 'SWEEP_NO_TRIAL_SUCCEEDED',
  /** Set on a sweep whose next trial could not be queued. */
  SWEEP_TRIAL_REFUSED: 'SWEEP_TRIAL_REFUSED',
  /** Set (as error.code) on a trial's run that the early-termination rule stopped. */
  TRIAL_PRUNED: 'TRIAL_PRUNED',
} as const;

/** The most trials one sweep may run. */
export const MAX_SWEEP_TRIALS = 100;
/** The most trials of one sweep queued or running at once. */
export const MAX_SWEEP_PARALLELISM = 32;
