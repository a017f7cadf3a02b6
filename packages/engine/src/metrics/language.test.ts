// Language modelling: token-weighted mean loss and perplexity against exactly summed references.

import { describe, expect, it } from 'vitest';
import { MetricInputError } from './errors.ts';
import { LossAccumulator, perplexity } from './language.ts';
import { expectClose, reference } from './reference-fixture.ts';

describe('LossAccumulator', () => {
  it('weights each batch by its token count', () => {
    const acc = new LossAccumulator();
    acc.add(2, 1);
    acc.add(4, 3);
    acc.add(100, 0); // A fully padded batch: nothing to score.
    expect(acc.loss).toBe((2 + 12) / 4);
    expect(acc.compute().perplexity).toBe(Math.exp(3.5));
    expect(perplexity(Math.log(10))).toBeCloseTo(10, 12);
    expect(perplexity(1000)).toBe(Number.POSITIVE_INFINITY);
  });

  for (const c of reference.language) {
    it(`matches math.fsum: ${c.name}`, () => {
      const acc = new LossAccumulator();
      for (const [i, l] of c.losses.entries()) acc.add(l, c.tokens[i]!);
      const r = acc.compute();
      expectClose(r.loss, c.expected.loss, 'loss');
      expectClose(r.perplexity, c.expected.perplexity, 'perplexity');
    });
  }

  it('is NaN before any token and refuses bad counts', () => {
    expect(new LossAccumulator().compute().loss).toBeNaN();
    expect(() => new LossAccumulator().add(1, -1)).toThrow(MetricInputError);
    expect(() => new LossAccumulator().add(Number.NaN, 3)).toThrow(/NaN/);
  });
});
