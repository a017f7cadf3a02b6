// Dynamic masking redraws masked-LM masks every epoch, reproducibly, and never masks special tokens.

import { describe, expect, it } from 'vitest';
import { Rng } from '../runtime/rng.ts';
import { collate, type Example, IGNORE_INDEX, type Remask } from './batching.ts';

const SPECIAL = new Set([0, 1, 2]); // pad, cls, sep
const rng = new Rng(5);
const EXAMPLES: Example[] = Array.from({ length: 16 }, () => {
  const body = Array.from({ length: 60 }, () => 10 + rng.int(90));
  return { inputIds: [1, ...body, 2], label: new Array(62).fill(IGNORE_INDEX) };
});

function batch(epoch: number) {
  const remask: Remask = { seed: 3, epoch, maskTokenId: 4, vocabSize: 100, special: SPECIAL };
  const feeds = collate(EXAMPLES, [...EXAMPLES.keys()], {
    batchSize: 16,
    length: 64,
    padTokenId: 0,
    tokenTypes: false,
    labels: 'tokens',
    remask,
  });
  return { ids: feeds.input_ids as BigInt64Array, labels: feeds.labels as BigInt64Array };
}

describe('dynamic masking', () => {
  it('masks about 15% of ordinary tokens, 80/10/10, never specials, and restores originals in labels', () => {
    const { ids, labels } = batch(0);
    let ordinary = 0;
    let masked = 0;
    let asMask = 0;
    EXAMPLES.forEach((e, r) => {
      e.inputIds.forEach((original, t) => {
        const i = r * 64 + t;
        if (SPECIAL.has(original)) {
          expect(labels[i]).toBe(BigInt(IGNORE_INDEX));
          expect(ids[i]).toBe(BigInt(original));
          return;
        }
        ordinary++;
        if (labels[i] === BigInt(IGNORE_INDEX)) {
          expect(ids[i]).toBe(BigInt(original));
          return;
        }
        masked++;
        expect(labels[i]).toBe(BigInt(original));
        if (ids[i] === 4n) asMask++;
      });
    });
    expect(masked / ordinary).toBeGreaterThan(0.11);
    expect(masked / ordinary).toBeLessThan(0.19);
    expect(asMask / masked).toBeGreaterThan(0.65);
  });

  it('draws other masks in another epoch and the same ones for the same epoch', () => {
    expect(batch(1)).toEqual(batch(1));
    expect(batch(1).labels).not.toEqual(batch(0).labels);
  });
});
