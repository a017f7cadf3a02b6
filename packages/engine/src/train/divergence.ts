// Tells a diverging run from a noisy one: the step loss smoothed over about ten steps, against its lowest value.

/**
 * A single batch is no evidence of divergence: once a small model has nearly learnt an easy task its step loss
 * falls to a few thousandths, and a batch holding one hard example then scores a hundred times that. Smoothing
 * (an exponential moving average, bias-corrected as Adam's moments are) lets such a batch pass, while a loss that
 * keeps rising, or jumps by orders of magnitude, still trips the check within a step or a few.
 */
export class DivergenceWatch {
  private average = 0;
  private steps = 0;
  /** The lowest smoothed loss so far. */
  lowest = Number.POSITIVE_INFINITY;

  private readonly factor: number;
  private readonly beta: number;

  /**
   * @param factor how many times the lowest smoothed loss counts as diverged (the `divergence_factor` setting)
   * @param beta the moving average's decay: 0.9 weighs about the last ten steps
   */
  constructor(factor: number, beta = 0.9) {
    this.factor = factor;
    this.beta = beta;
  }

  /** Adds a step's loss; returns the smoothed loss when the run has diverged, else undefined. */
  push(loss: number): number | undefined {
    this.steps++;
    this.average = this.beta * this.average + (1 - this.beta) * loss;
    const smoothed = this.average / (1 - this.beta ** this.steps);
    this.lowest = Math.min(this.lowest, smoothed);
    // The first steps of a run (or of a resumed one) set the reference; 1e-3 keeps a near-zero loss from making it hair-trigger.
    return this.steps > 10 && smoothed > this.factor * Math.max(this.lowest, 1e-3) ? smoothed : undefined;
  }
}
