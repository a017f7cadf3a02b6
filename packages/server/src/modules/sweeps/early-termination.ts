// The median stopping rule (Golovin et al., "Google Vizier", KDD 2017; Optuna's MedianPruner): a trial
// stops at an evaluation when its best value so far is worse than the median of the finished trials'
// best values up to the same point of training. Points are compared by epoch, so trials with other batch
// sizes or epoch counts are compared at the same share of data seen, not the same step number.

/** One evaluation of a trial: when (in epochs of training) and its objective metric. */
export interface EvaluationPoint {
  epoch: number;
  value: number;
}

export interface MedianStoppingRule {
  /** Evaluations of a trial that never stop it (its first ones are noisy). @default 1 */
  warmupEvaluations: number;
  /** Finished trials needed before any trial is stopped. @default 3 */
  minTrials: number;
}

export interface StopDecision {
  stop: boolean;
  /** The trial's best value so far. */
  value?: number;
  /** The peers' median at the same epoch; undefined when the rule did not apply (warm-up, too few peers). */
  median?: number;
  /** Finished trials compared. */
  peers: number;
}

/** Epochs are fractions written by the trainer; this much apart is the same point. */
const EPOCH_TOLERANCE = 1e-6;

function bestOf(points: readonly EvaluationPoint[], greaterIsBetter: boolean): number | undefined {
  let best: number | undefined;
  for (const p of points) {
    if (!Number.isFinite(p.value)) continue;
    if (best === undefined || (greaterIsBetter ? p.value > best : p.value < best)) best = p.value;
  }
  return best;
}

export function median(values: readonly number[]): number {
  const s = [...values].sort((a, b) => a - b);
  const mid = Math.floor(s.length / 2);
  return s.length % 2 ? (s[mid] as number) : ((s[mid - 1] as number) + (s[mid] as number)) / 2;
}

/**
 * Whether the trial whose evaluations so far are `trial` (the newest last) stops, against `finished`
 * (each a finished trial's evaluations). Only a value strictly worse than the median stops a trial, so a
 * tie goes on.
 */
export function medianStopDecision(
  trial: readonly EvaluationPoint[],
  finished: readonly (readonly EvaluationPoint[])[],
  greaterIsBetter: boolean,
  rule: MedianStoppingRule,
): StopDecision {
  const newest = trial.at(-1);
  const value = bestOf(trial, greaterIsBetter);
  if (!newest || value === undefined || trial.length <= rule.warmupEvaluations) return { stop: false, value, peers: 0 };
  const peerValues: number[] = [];
  for (const peer of finished) {
    const best = bestOf(
      peer.filter((p) => p.epoch <= newest.epoch + EPOCH_TOLERANCE),
      greaterIsBetter,
    );
    if (best !== undefined) peerValues.push(best);
  }
  if (peerValues.length < rule.minTrials) return { stop: false, value, peers: peerValues.length };
  const m = median(peerValues);
  return { stop: greaterIsBetter ? value < m : value > m, value, median: m, peers: peerValues.length };
}
