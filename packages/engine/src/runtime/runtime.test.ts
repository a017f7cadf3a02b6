// The runtime end to end: convergence to a known optimum, determinism, a free event loop during
// long steps, and clear errors for bad batches, non-finite losses and missing providers.

import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import type { Tensor } from '../graph/graph.ts';
import { add, matmul, mul, reduceSum, sigmoid } from '../graph/ops.ts';
import { bceWithLogits, crossEntropy } from '../losses.ts';
import { linear } from '../nn/linear.ts';
import { adamw, sgd } from '../optim/optimizers.ts';
import { cosineSchedule } from '../optim/schedule.ts';
import { init, ParameterSet, type ParamScope } from '../params/parameters.ts';
import { compileAccumulatedStep, compileInference, compileTrainStep } from '../step/compile.ts';
import { summarizeProfile } from './profile.ts';
import { NonFiniteLossError } from './protocol.ts';
import { availableProviders, ProviderUnavailableError } from './providers.ts';
import { Rng } from './rng.ts';
import { InputError, Runtime } from './runtime.ts';

const runtimes: Runtime[] = [];
async function start(...args: Parameters<typeof Runtime.start>): Promise<Runtime> {
  const rt = await Runtime.start(...args);
  runtimes.push(rt);
  return rt;
}
afterEach(async () => {
  for (const rt of runtimes.splice(0)) await rt.close();
});

// L2-regularized logistic regression: strictly convex, so its optimum is unique and Newton's method
// in float64 on the host finds it independently of the engine.
const N = 256;
const D = 3;
const LAMBDA = 0.05;

function logisticData(): { x: Float32Array; y: Float32Array } {
  const rng = new Rng(11);
  const trueW = [1.5, -2, 0.5];
  const x = new Float32Array(N * D);
  const y = new Float32Array(N);
  for (let i = 0; i < N; i++) {
    let z = 0.3;
    for (let j = 0; j < D; j++) {
      const v = rng.normal();
      x[i * D + j] = v;
      z += (trueW[j] as number) * v;
    }
    y[i] = rng.uniform() < 1 / (1 + Math.exp(-z)) ? 1 : 0;
  }
  return { x, y };
}

/** Newton's method on mean BCE + (lambda / 2) |w|^2 (bias not penalized), in float64. */
function newtonOptimum(x: Float32Array, y: Float32Array): number[] {
  const k = D + 1; // weights, then bias
  const theta = new Float64Array(k);
  for (let iter = 0; iter < 50; iter++) {
    const grad = new Float64Array(k);
    const hess = Array.from({ length: k }, () => new Float64Array(k));
    for (let i = 0; i < N; i++) {
      const row = [...Array.from(x.subarray(i * D, i * D + D)), 1];
      const z = row.reduce((s, v, j) => s + v * (theta[j] as number), 0);
      const p = 1 / (1 + Math.exp(-z));
      for (let a = 0; a < k; a++) {
        grad[a] = (grad[a] as number) + ((p - (y[i] as number)) * (row[a] as number)) / N;
        for (let b = 0; b < k; b++)
          (hess[a] as Float64Array)[b] =
            ((hess[a] as Float64Array)[b] as number) + (p * (1 - p) * (row[a] as number) * (row[b] as number)) / N;
      }
    }
    for (let a = 0; a < D; a++) {
      grad[a] = (grad[a] as number) + LAMBDA * (theta[a] as number);
      (hess[a] as Float64Array)[a] = ((hess[a] as Float64Array)[a] as number) + LAMBDA;
    }
    // Solve hess * delta = grad by Gaussian elimination.
    const m = hess.map((r, a) => [...r, grad[a] as number]);
    for (let c = 0; c < k; c++) {
      for (let r = c + 1; r < k; r++) {
        const f = (m[r]?.[c] as number) / (m[c]?.[c] as number);
        for (let j = c; j <= k; j++) (m[r] as number[])[j] = (m[r]?.[j] as number) - f * (m[c]?.[j] as number);
      }
    }
    const delta = new Float64Array(k);
    for (let r = k - 1; r >= 0; r--) {
      let s = m[r]?.[k] as number;
      for (let j = r + 1; j < k; j++) s -= (m[r]?.[j] as number) * (delta[j] as number);
      delta[r] = s / (m[r]?.[r] as number);
    }
    for (let a = 0; a < k; a++) theta[a] = (theta[a] as number) - (delta[a] as number);
  }
  return Array.from(theta);
}

function logisticModel(scope: ParamScope): { loss: Tensor } {
  const g = scope.graph;
  const x = g.input('x', 'float32', [N, D]);
  const y = g.input('y', 'float32', [N, 1]);
  const w = scope.get('w', [D, 1], init.zeros());
  const b = scope.get('b', [1], init.zeros());
  const logits = add(matmul(x, w), b);
  return { loss: add(bceWithLogits(logits, y), mul(reduceSum(mul(w, w)), LAMBDA / 2)) };
}

describe('training on cpu', () => {
  it('finds the optimum of L2-regularized logistic regression', async () => {
    const { x, y } = logisticData();
    const optimum = newtonOptimum(x, y);
    const params = new ParameterSet(0);
    const program = compileTrainStep({ build: logisticModel, params, optimizer: adamw({ weightDecay: 0 }) });
    const rt = await start({ provider: 'cpu', threads: 1 });
    const step = await rt.load(program, params);
    const steps = 1500;
    const lr = cosineSchedule({ peak: 0.1, warmupSteps: 0, totalSteps: steps });
    let last = Number.NaN;
    for (let i = 0; i < steps; i++) last = (await step.run({ x, y }, { lr: lr(i) })).loss;
    const { w, b } = await rt.read(['w', 'b']);
    const found = [...Array.from(w as Float32Array), (b as Float32Array)[0] as number];
    // float32 training against a float64 optimum: 1e-3 on each coefficient.
    for (let i = 0; i < found.length; i++) expect(Math.abs((found[i] as number) - (optimum[i] as number))).toBeLessThan(1e-3);
    expect(Number.isFinite(last)).toBe(true);
  });

  it('gives the same losses for the same seed, run after run', async () => {
    const run = async () => {
      const { x, y } = logisticData();
      const params = new ParameterSet(5);
      const program = compileTrainStep({
        params,
        optimizer: sgd({ momentum: 0.9 }),
        build: (scope) => {
          const xs = scope.graph.input('x', 'float32', [N, D]);
          const labels = scope.graph.input('y', 'float32', [N, 1]);
          const h = sigmoid(linear(scope.pp('hidden'), xs, 16));
          return { loss: bceWithLogits(linear(scope.pp('out'), h, 1), labels) };
        },
      });
      const rt = await start({ provider: 'cpu', threads: 2 });
      const step = await rt.load(program, params);
      const losses: number[] = [];
      for (let i = 0; i < 30; i++) losses.push((await step.run({ x, y }, { lr: 0.1 })).loss);
      return losses;
    };
    const a = await run();
    expect(await run()).toEqual(a);
    expect(a[29]).toBeLessThan(a[0] as number);
  });
});

describe('the step worker', () => {
  it('keeps the event loop serving timers during long steps', async () => {
    const B = 512;
    const H = 1536;
    const params = new ParameterSet(0);
    const program = compileTrainStep({
      params,
      optimizer: adamw(),
      build: (scope) => {
        const x = scope.graph.input('x', 'float32', [B, H]);
        const y = scope.graph.input('y', 'int64', [B]);
        let h = x;
        for (let i = 0; i < 3; i++) h = sigmoid(linear(scope.pp(`layer${i}`), h, H));
        return { loss: crossEntropy(linear(scope.pp('out'), h, 4), y) };
      },
    });
    const rt = await start({ provider: 'cpu' });
    const step = await rt.load(program, params);
    const x = new Float32Array(B * H).fill(0.5);
    const y = new BigInt64Array(B);
    await step.run({ x, y }, { lr: 1e-4 }); // warm-up
    let ticks = 0;
    let maxGap = 0;
    let last = performance.now();
    const timer = setInterval(() => {
      const now = performance.now();
      maxGap = Math.max(maxGap, now - last);
      last = now;
      ticks++;
    }, 5);
    const t0 = performance.now();
    let stepMs = 0;
    let steps = 0;
    while (performance.now() - t0 < 300) {
      stepMs += (await step.run({ x, y }, { lr: 1e-4 })).runMs;
      steps++;
    }
    clearInterval(timer);
    // Each step occupies onnxruntime for a while; timers still fired throughout.
    expect(stepMs / steps).toBeGreaterThan(5);
    expect(ticks).toBeGreaterThanOrEqual(10);
    expect(maxGap).toBeLessThan(stepMs / steps + 50);
  });

  it('rejects a batch of the wrong shape, dtype or name, and stays usable', async () => {
    const { x, y } = logisticData();
    const params = new ParameterSet(0);
    const rt = await start({ provider: 'cpu', threads: 1 });
    const step = await rt.load(compileTrainStep({ build: logisticModel, params, optimizer: sgd() }), params);
    await expect(step.run({ x: x.subarray(0, 30), y }, { lr: 0.1 })).rejects.toThrow(
      "input 'x' has 30 elements but the program expects float32[256, 3] (768 elements)",
    );
    await expect(step.run({ x: Float64Array.from(x), y }, { lr: 0.1 })).rejects.toThrow(
      "input 'x' is float64 but the program expects float32[256, 3]",
    );
    await expect(step.run({ x }, { lr: 0.1 })).rejects.toThrow("input 'y' is missing; it must be float32[256, 1]");
    await expect(step.run({ x, y, z: y }, { lr: 0.1 })).rejects.toThrow("unknown input 'z'; this program takes x, y");
    await expect(step.run({ x, y }, {})).rejects.toThrow(InputError);
    expect(step.step).toBe(0);
    const ok = await step.run({ x, y }, { lr: 0.1 });
    expect(ok.loss).toBeCloseTo(Math.log(2), 5); // zero weights: every prediction is 1/2
    expect(step.step).toBe(1);
  });

  it('reports a NaN loss with its step and keeps the weights from before it', async () => {
    const { x, y } = logisticData();
    const params = new ParameterSet(0);
    const rt = await start({ provider: 'cpu', threads: 1 });
    const step = await rt.load(compileTrainStep({ build: logisticModel, params, optimizer: adamw() }), params);
    await step.run({ x, y }, { lr: 0.1 });
    await step.run({ x, y }, { lr: 0.1 });
    const before = await rt.read(['w', 'b', 'w::exp_avg']);
    const bad = x.slice();
    bad[5] = Number.NaN;
    const err = await step.run({ x: bad, y }, { lr: 0.1 }).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(NonFiniteLossError);
    expect((err as NonFiniteLossError).step).toBe(3);
    expect((err as Error).message).toMatch(/^the loss is NaN at step 3/);
    expect(await rt.read(['w', 'b', 'w::exp_avg'])).toEqual(before);
    expect(step.step).toBe(2);
    const next = await step.run({ x, y }, { lr: 0.1 });
    expect(Number.isFinite(next.loss)).toBe(true);
  });

  it('updates the weights in place, after every output has read them, and moves them with `move`', async () => {
    const { x, y } = logisticData();
    const params = new ParameterSet(0);
    // An output the loss does not depend on: the step must compute it from the weights before their update.
    const build = (scope: ParamScope) => ({ ...logisticModel(scope), outputs: { w2: mul(scope.get('w', [D, 1], init.zeros()), 2) } });
    const rt = await start({ provider: 'cpu', threads: 1 });
    const step = await rt.load(compileTrainStep({ build, params, optimizer: adamw() }), params, { move: true });
    expect(() => params.get('w').data).toThrow("parameter 'w' is held by a runtime; read it back first (Runtime.syncTo)");
    for (let i = 0; i < 3; i++) {
      const before = (await rt.read(['w'])).w as Float32Array;
      const r = await step.run({ x, y }, { lr: 0.1 });
      expect(Array.from(r.outputs.w2?.data as Float32Array)).toEqual(Array.from(before, (v) => v * 2));
      expect((await rt.read(['w'])).w).not.toEqual(before);
    }
    await rt.syncTo(params);
    expect(params.get('w').data).toEqual((await rt.read(['w'])).w);
  });

  it('keeps the gradient sums and weights of accumulation when a loss or the gradient norm is not finite', async () => {
    const { x, y } = logisticData();
    const params = new ParameterSet(0);
    const rows = N / 4;
    const build = (scope: ParamScope) => {
      const xs = scope.graph.input('x', 'float32', [rows, D]);
      const labels = scope.graph.input('y', 'float32', [rows, 1]);
      return { loss: bceWithLogits(linear(scope.pp('out'), xs, 1), labels) };
    };
    const rt = await start({ provider: 'cpu', threads: 1 });
    const { accumulate, apply } = compileAccumulatedStep({ params, build, optimizer: adamw() }, 2);
    const micro = await rt.load(accumulate, params);
    const update = await rt.load(apply, params);
    const names = ['out.weight', 'out.bias', 'out.weight::grad_sum', 'out.weight::exp_avg'];
    const feeds = (m: number, data = x) => ({
      x: data.subarray(m * rows * D, (m + 1) * rows * D),
      y: y.subarray(m * rows, (m + 1) * rows),
    });
    await micro.run(feeds(0));
    const summed = await rt.read(names);
    const bad = x.slice();
    bad[rows * D + 4] = Number.POSITIVE_INFINITY;
    await expect(micro.run(feeds(1, bad))).rejects.toThrow(NonFiniteLossError);
    expect(await rt.read(names)).toEqual(summed);
    // A sum that overflowed: the apply step changes nothing, and does not count.
    await rt.write({ 'out.bias::grad_sum': { shape: [1], data: Float32Array.of(Number.NaN) } });
    const before = await rt.read(names);
    await expect(update.run({}, { lr: 0.1 })).rejects.toThrow(NonFiniteLossError);
    expect(await rt.read(names)).toEqual(before);
    expect(update.step).toBe(0);
  });

  it('shares trained weights with an inference program', async () => {
    const { x, y } = logisticData();
    const params = new ParameterSet(0);
    const rt = await start({ provider: 'cpu', threads: 1 });
    const train = await rt.load(compileTrainStep({ build: logisticModel, params, optimizer: adamw() }), params);
    const infer = await rt.load(compileInference({ build: logisticModel, params }), params);
    const before = (await infer.run({ x, y })).loss;
    const trained = [];
    for (let i = 0; i < 20; i++) trained.push((await train.run({ x, y }, { lr: 0.05 })).loss);
    const after = (await infer.run({ x, y })).loss;
    expect(before).toBeCloseTo(Math.log(2), 5);
    expect(after).toBeLessThan(trained[19] as number); // it sees the weights after the 20th update
  });
});

describe('execution providers', () => {
  it('lists what this installation can run', () => {
    expect(availableProviders()).toContain('cpu');
  });

  it('refuses an unknown or unavailable provider and lists the available ones', async () => {
    const available = availableProviders();
    await expect(Runtime.start({ provider: 'tpu' as never })).rejects.toThrow(ProviderUnavailableError);
    await expect(Runtime.start({ provider: 'tpu' as never })).rejects.toThrow(`Available here: ${available.join(', ')}`);
    if (!available.includes('cuda')) {
      await expect(Runtime.start({ provider: 'cuda' })).rejects.toThrow(
        `execution provider 'cuda' is not available: the CUDA provider libraries are not installed with onnxruntime-node. Available here: ${available.join(', ')}`,
      );
    }
  });
});

describe('profiling', () => {
  it.each(['cpu', 'webgpu'] as const)(
    'writes where the step time goes on %s, per operator and GPU kernel',
    async (provider) => {
      const { x, y } = logisticData();
      const dir = mkdtempSync(join(tmpdir(), 'tuneql-profile-'));
      try {
        const params = new ParameterSet(0);
        const program = compileTrainStep({ build: logisticModel, params, optimizer: adamw() });
        const rt = await Runtime.start({ provider, threads: 1, profile: join(dir, 'new', 'step') });
        const step = await rt.load(program, params);
        for (let i = 0; i < 5; i++) await step.run({ x, y }, { lr: 0.01 });
        await rt.close();
        const summary = summarizeProfile(join(dir, 'new', 'step'), { skipRuns: 1 });
        expect(summary.files).toHaveLength(1);
        expect(summary.runs).toBe(4);
        expect(summary.runMs).toBeGreaterThan(0);
        // x.w + b, the weight gradient and the bias gradient (a row of ones times dY) are a Gemm each, every step,
        // on the provider's kernels.
        const ep = provider === 'cpu' ? 'CPUExecutionProvider' : 'WebGpuExecutionProvider';
        expect(summary.host.find((r) => r.name === 'Gemm')).toMatchObject({ provider: ep, calls: 12 });
        expect(summary.host.reduce((s, r) => s + r.share, 0)).toBeCloseTo(1, 6);
        // GPU kernel times come from timestamp queries, which SwiftShader supports too.
        if (provider === 'cpu') expect(summary.gpu).toEqual([]);
        else expect(summary.gpu.find((r) => r.name === 'Gemm')).toMatchObject({ calls: 12 });
        for (const r of [...summary.host, ...summary.gpu]) expect(r.totalMs).toBeGreaterThanOrEqual(0);
      } finally {
        rmSync(dir, { recursive: true, force: true });
      }
    },
    120_000,
  );
});

describe('gradient accumulation', () => {
  it('takes the same steps as one large batch', async () => {
    const { x, y } = logisticData(); // 256 rows
    const mlp = (rows: number) => (scope: ParamScope) => {
      const xs = scope.graph.input('x', 'float32', [rows, D]);
      const labels = scope.graph.input('y', 'float32', [rows, 1]);
      const h = sigmoid(linear(scope.pp('hidden'), xs, 8));
      return { loss: bceWithLogits(linear(scope.pp('out'), h, 1), labels) };
    };
    const opts = { optimizer: adamw({ weightDecay: 0.1 }), clipGradNorm: 0.5 };

    const whole = new ParameterSet(4);
    const rtA = await start({ provider: 'cpu', threads: 1 });
    const big = await rtA.load(compileTrainStep({ ...opts, params: whole, build: mlp(N) }), whole);
    for (let i = 0; i < 3; i++) await big.run({ x, y }, { lr: 0.05 });

    const split = new ParameterSet(4);
    const rtB = await start({ provider: 'cpu', threads: 1 });
    const { accumulate, apply } = compileAccumulatedStep({ ...opts, params: split, build: mlp(N / 4) }, 4);
    const micro = await rtB.load(accumulate, split);
    const update = await rtB.load(apply, split);
    const rows = N / 4;
    for (let i = 0; i < 3; i++) {
      for (let m = 0; m < 4; m++)
        await micro.run({ x: x.subarray(m * rows * D, (m + 1) * rows * D), y: y.subarray(m * rows, (m + 1) * rows) });
      const r = await update.run({}, { lr: 0.05 });
      expect(r.gradNorm).toBeGreaterThan(0);
    }
    expect(update.step).toBe(3);
    const names = ['hidden.weight', 'hidden.bias', 'out.weight', 'out.bias'];
    const [a, b] = [await rtA.read(names), await rtB.read(names)];
    for (const n of names) {
      const [u, v] = [a[n] as Float32Array, b[n] as Float32Array];
      for (let i = 0; i < u.length; i++) expect(Math.abs((u[i] as number) - (v[i] as number))).toBeLessThan(1e-6);
    }
    // The sums were reset by the last apply.
    const sum = (await rtB.read(['hidden.weight::grad_sum']))['hidden.weight::grad_sum'] as Float32Array;
    expect(sum.every((v) => v === 0)).toBe(true);
  });
});

describe('frozen weights fed from slots', () => {
  it.each(['cpu', 'webgpu'] as const)(
    'take the same steps as frozen weights embedded in the model, on %s',
    async (provider) => {
      const { x, y } = logisticData();
      const mlp = (scope: ParamScope) => {
        const xs = scope.graph.input('x', 'float32', [N, D]);
        const labels = scope.graph.input('y', 'float32', [N, 1]);
        const h = sigmoid(linear(scope.pp('hidden'), xs, 8));
        return { loss: bceWithLogits(linear(scope.pp('out'), h, 1), labels) };
      };
      const rt = await start({ provider, threads: 1 });
      const run = async (frozenInputs: boolean) => {
        const params = new ParameterSet(4);
        const opts = { optimizer: adamw({ weightDecay: 0.1 }), params, build: mlp, frozenInputs };
        compileInference(opts); // declares the parameters, so that the hidden layer can be frozen
        params.setTrainable((n) => n.startsWith('out.'));
        const program = compileTrainStep(opts);
        const step = await rt.load(program, params, { reset: true });
        const losses: number[] = [];
        for (let i = 0; i < 3; i++) losses.push((await step.run({ x, y }, { lr: 0.05 })).loss);
        const slots = program.slots.map((s) => s.slot).filter((s) => !s.includes('::'));
        return { losses, slots, values: await rt.read(['out.weight']) };
      };
      const [fed, embedded] = [await run(true), await run(false)];
      expect(fed.slots.sort()).toEqual(['hidden.bias', 'hidden.weight', 'out.bias', 'out.weight']);
      expect(embedded.slots.sort()).toEqual(['out.bias', 'out.weight']);
      expect(fed.losses).toEqual(embedded.losses);
      expect(fed.losses[2]).toBeLessThan(fed.losses[0] as number);
      expect(fed.values['out.weight']).toEqual(embedded.values['out.weight']);
    },
    120_000,
  );
});
