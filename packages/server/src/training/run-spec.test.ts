// The run schema: defaults (nested ones included), the strategy key, and the data-source rule.

import { describe, expect, it } from 'vitest';
import { parseRunSpec, RunSpecError } from './run-spec.ts';

const minimal = { model: '/models/m', task: 'sequence-classification', data: { train: '/d/train.csv', columns: { text: 'text' } } };

describe('RunSpec', () => {
  it('fills in every default, the nested ones and the strategy included', () => {
    const spec = parseRunSpec(minimal);
    expect(spec.strategy).toEqual({ id: 'full', config: {} });
    expect(spec.training).toMatchObject({ epochs: 3, batch_size: 16, learning_rate: 2e-5, clip_grad_norm: 1, max_buckets: 4 });
    expect(spec).toMatchObject({ seed: 42, device: 'cpu', data: { max_length: 128 } });
    expect(parseRunSpec({ ...minimal, strategy: { id: 'lora' } }).strategy).toEqual({ id: 'lora', config: {} });
  });

  it('lists every problem with its path', () => {
    const err = (() => {
      try {
        parseRunSpec({ ...minimal, training: { batch_size: 0 }, strategy: { id: 'lora', config: [] }, colour: 'blue' });
      } catch (e) {
        return e as RunSpecError;
      }
    })();
    expect(err).toBeInstanceOf(RunSpecError);
    expect(err?.problems.map((p) => p.path).sort()).toEqual(['', 'strategy.config', 'training.batch_size']);
  });

  it('needs one file to split or a train file, not both', () => {
    expect(() => parseRunSpec({ ...minimal, data: { columns: {} } })).toThrow("data needs either 'file' (split for you) or 'train'");
    expect(() => parseRunSpec({ ...minimal, data: { ...minimal.data, file: '/d/all.csv' } })).toThrow(
      'data.file and data.train/validation/test are exclusive',
    );
  });
});
