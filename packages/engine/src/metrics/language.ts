// Language modelling: token-weighted mean loss over an evaluation run, and perplexity = exp(loss).

import { MetricInputError } from './errors.ts';
import { CompensatedSum } from './summation.ts';

/** exp(mean loss in nats); Infinity once the loss passes about 709.78, where run_clm catches OverflowError. */
export function perplexity(meanLoss: number): number {
  return Math.exp(meanLoss);
}

/**
 * Sums loss * tokens over batches, so the final loss is the mean over every scored token. transformers'
 * Trainer instead averages per-batch means, which differs whenever batches hold different numbers of tokens.
 */
export class LossAccumulator {
  private readonly weighted = new CompensatedSum();
  private count = 0;

  /** `meanLoss` is a batch's mean over its `tokens` scored tokens; a batch with 0 tokens adds nothing. */
  add(meanLoss: number, tokens: number): void {
    if (!(Number.isFinite(tokens) && tokens >= 0))
      throw new MetricInputError('language modelling', `token count must be a finite non-negative number, got ${tokens}`);
    if (tokens === 0) return;
    if (Number.isNaN(meanLoss)) throw new MetricInputError('language modelling', 'batch loss is NaN');
    this.weighted.add(meanLoss * tokens);
    this.count += tokens;
  }

  get tokens(): number {
    return this.count;
  }

  /** Mean loss over all tokens; NaN before any token. */
  get loss(): number {
    return this.count === 0 ? Number.NaN : this.weighted.value / this.count;
  }

  compute(): { loss: number; perplexity: number } {
    const loss = this.loss;
    return { loss, perplexity: perplexity(loss) };
  }
}
