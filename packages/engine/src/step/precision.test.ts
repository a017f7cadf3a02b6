// Half-precision training (decision 30): dynamic loss scaling skips overflowed steps and backs off, grows
// after its interval, changes nothing when nothing overflows; float16 programs place every node on WebGPU;
// the precisions this machine cannot run are refused with a code. The float16 loss curve against float32
// needs a GPU with shader-f16 (bench/gpu-check.ts --fp16-curve, in scripts/gpu-check.sh issue13).

import { describe, expect, it } from 'vitest';
import { matmul } from '../graph/ops.ts';
import { bceWithLogits } from '../losses.ts';
import { adamw } from '../optim/optimizers.ts';
import { init, ParameterSet, type ParamScope } from '../params/parameters.ts';
import { nodePlacement } from '../runtime/placement.ts';
import { Rng } from '../runtime/rng.ts';
import { Runtime } from '../runtime/runtime.ts';
import { compileAccumulatedStep, compileTrainStep, PrecisionError } from './compile.ts';

const N = 64;
// A logistic regression on inputs of about 1e9: its raw gradients are about 1e8, so a loss scale above
// about 2^100 overflows float32 in the backward pass, as a float16 GEMM overflows at a smaller scale.
// That tests the scaling rule on the CPU, whose float16 GEMMs compute in float32 (see Runtime.load).
const logistic = (scope: ParamScope) => {
  const x = scope.graph.input('x', 'float32', [N, 3]);
  const y = scope.graph.input('y', 'float32', [N, 1]);
  const w = scope.pp('out').get('weight', [3, 1], init.normal(1e-10));
  return { loss: bceWithLogits(matmul(x, w), y) };
};
function logisticData(): { x: Float32Array; y: Float32Array } {
  const rng = new Rng(5);
  const x = Float32Array.from({ length: N * 3 }, () => 1e9 * rng.normal());
  const y = Float32Array.from({ length: N }, (_, i) => ((x[i * 3] as number) > 0 ? 1 : 0));
  return { x, y };
}

describe('mixed precision and loss scaling', () => {
  it('skips the steps whose scaled gradients overflow, backing off, and grows the scale after its interval', async () => {
    const { x, y } = logisticData();
    const params = new ParameterSet(7);
    const program = compileTrainStep({
      build: logistic,
      params,
      optimizer: adamw(),
      clipGradNorm: 1,
      lossScaling: { initial: 2 ** 106, growthInterval: 4 },
    });
    const rt = await Runtime.start({ provider: 'cpu', threads: 1 });
    try {
      const step = await rt.load(program, params);
      const names = program.slots.map((s) => s.slot);
      // GradScaler's rule replayed on what happened: it must give the runtime's scale, step and skip count.
      let [scale, good, skips, updates] = [2 ** 106, 0, 0, 0];
      const flags: boolean[] = [];
      for (let i = 0; i < 30; i++) {
        const before = await rt.read(names);
        const r = await step.run({ x, y }, { lr: 0.05 });
        flags.push(r.skipped);
        expect(r.skipped).toBe(!Number.isFinite(r.gradNorm));
        if (r.skipped) {
          expect(await rt.read(names)).toEqual(before); // weights and optimizer state untouched
          [scale, good, skips] = [scale / 2, 0, skips + 1];
        } else {
          updates++;
          if (++good === 4) [scale, good] = [scale * 2, 0];
        }
        expect(step.lossScale?.scale).toBe(scale);
      }
      expect(step.lossScale?.skipped).toBe(skips);
      expect(step.step).toBe(updates);
      // It started by overflowing and backing off, then trained, and grew back into an overflow later.
      expect(flags.slice(0, 3)).toEqual([true, true, true]);
      expect(flags.indexOf(false)).toBeGreaterThan(2);
      expect(flags.lastIndexOf(true)).toBeGreaterThan(flags.indexOf(false));
      expect(updates).toBeGreaterThan(15);
    } finally {
      await rt.close();
    }
  }, 60_000);

  it('trains the same as without scaling when nothing overflows', async () => {
    const { x, y } = logisticData();
    const run = async (lossScaling: boolean) => {
      const params = new ParameterSet(7);
      const program = compileTrainStep({ build: logistic, params, optimizer: adamw(), clipGradNorm: 1, lossScaling });
      const rt = await Runtime.start({ provider: 'cpu', threads: 1 });
      const step = await rt.load(program, params);
      const losses = [];
      for (let i = 0; i < 5; i++) losses.push((await step.run({ x, y }, { lr: 0.05 })).loss);
      await rt.close();
      return losses;
    };
    // 2^16 is a power of two: scaling and unscaling are exact in float32.
    expect(await run(true)).toEqual(await run(false));
  });

  it('refuses float16 on the cpu provider, whose float16 GEMMs compute in float32', async () => {
    const params = new ParameterSet(7);
    const program = compileTrainStep({ build: logistic, params, optimizer: adamw(), precision: 'fp16' });
    expect(program.lossScaling?.initial).toBe(2 ** 16);
    const rt = await Runtime.start({ provider: 'cpu', threads: 1 });
    try {
      await expect(rt.load(program, params)).rejects.toThrow(PrecisionError);
      await expect(rt.load(program, params)).rejects.toMatchObject({
        code: 'PRECISION_UNSUPPORTED',
        message: expect.stringMatching(/needs a GPU/),
      });
    } finally {
      await rt.close();
    }
  });

  it('computes the GEMMs in float16 and everything else in float32, all on the webgpu provider', async () => {
    const params = new ParameterSet(7);
    const program = compileTrainStep({ build: logistic, params, optimizer: adamw(), precision: 'fp16' });
    const placement = await nodePlacement(program.model, 'webgpu');
    expect(placement.counts).toEqual({ WebGpuExecutionProvider: expect.any(Number) });
  });

  it('refuses bfloat16, and float16 with gradient accumulation, with a code', () => {
    const params = new ParameterSet(7);
    const spec = { build: logistic, params, optimizer: adamw() };
    expect(() => compileTrainStep({ ...spec, precision: 'bf16' })).toThrow(PrecisionError);
    expect(() => compileTrainStep({ ...spec, precision: 'bf16' })).toThrow(/no bfloat16 kernels/);
    expect(() => compileAccumulatedStep({ ...spec, precision: 'fp16' }, 2)).toThrow(/gradient accumulation/);
    try {
      compileTrainStep({ ...spec, precision: 'bf16' });
    } catch (err) {
      expect((err as PrecisionError).code).toBe('PRECISION_UNSUPPORTED');
    }
  });
});
