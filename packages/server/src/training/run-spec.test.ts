// The run schema: defaults (nested ones included), the strategy key, and the data-source rule.

import { describe, expect, it } from 'vitest';
import { parseRunSpec, RunSpecError, withStrategyDefaults } from './run-spec.ts';

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

  it("puts a strategy's suggestions under the settings given, by TuneQL's or Hugging Face's name", () => {
    const suggested = { learningRate: 2e-4, epochs: 3, warmupRatio: 0.1, clipGradNorm: 0.5 };
    expect(withStrategyDefaults(undefined, suggested)).toEqual({ learning_rate: 2e-4, epochs: 3, warmup_ratio: 0.1, clip_grad_norm: 0.5 });
    // An alias counts as given: no 'epochs' is added next to num_train_epochs (which would read as a conflict).
    const training = withStrategyDefaults({ num_train_epochs: 5, max_grad_norm: 2, learning_rate: 1e-3 }, suggested);
    expect(training).toEqual({ num_train_epochs: 5, max_grad_norm: 2, learning_rate: 1e-3, warmup_ratio: 0.1 });
    expect(parseRunSpec({ ...minimal, training }).training).toMatchObject({
      epochs: 5,
      clip_grad_norm: 2,
      learning_rate: 1e-3,
      warmup_ratio: 0.1,
    });
    // Not an object: left for the schema to refuse.
    expect(withStrategyDefaults('fast', suggested)).toBe('fast');
  });

  it('takes precision fp16, and refuses bf16 and fp16 with gradient accumulation before a run is queued', () => {
    const fp16 = { ...minimal, device: 'webgpu', training: withStrategyDefaults({ precision: 'fp16' }, {}) };
    expect(parseRunSpec(fp16).training.precision).toBe('fp16');
    expect(() => parseRunSpec({ ...fp16, device: 'cpu' })).toThrow("precision 'fp16' needs a GPU");
    expect(parseRunSpec(minimal).training.precision).toBe('fp32');
    expect(() => withStrategyDefaults({ precision: 'bf16' }, {})).toThrow(RunSpecError);
    expect(() => withStrategyDefaults({ precision: 'bf16' }, {})).toThrow(
      "precision 'bf16' cannot run here: onnxruntime-node's CPU and WebGPU providers have no bfloat16 kernels",
    );
    expect(() => withStrategyDefaults({ precision: 'fp16', gradient_accumulation: 4 }, {})).toThrow(
      "precision 'fp16' is not supported with gradient accumulation yet",
    );
    try {
      withStrategyDefaults({ precision: 'bf16' }, {});
    } catch (err) {
      expect((err as RunSpecError).problems[0]?.path).toBe('training.precision');
    }
    expect(() => parseRunSpec({ ...minimal, training: { precision: 'fp8' } })).toThrow(/precision/);
  });
});
