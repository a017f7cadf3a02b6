// The engine's demo job: an MLP learns the two-spirals task, a classic non-linear benchmark.

import type { Tensor } from '../graph/graph.ts';
import { argmax, cast, equal, reduceMean, tanh } from '../graph/ops.ts';
import { crossEntropy } from '../losses.ts';
import { linear } from '../nn/linear.ts';
import { adamw } from '../optim/optimizers.ts';
import { cosineSchedule } from '../optim/schedule.ts';
import { ParameterSet, type ParamScope } from '../params/parameters.ts';
import type { Provider } from '../runtime/providers.ts';
import { Rng } from '../runtime/rng.ts';
import { Runtime } from '../runtime/runtime.ts';
import { compileInference, compileTrainStep } from '../step/compile.ts';

export interface Points {
  x: Float32Array; // (N, 2)
  y: BigInt64Array; // (N)
}

/** n points per class on two interleaved spirals (1.5 turns each), with Gaussian noise. */
export function twoSpirals(n: number, noise: number, rng: Rng): Points {
  const x = new Float32Array(4 * n);
  const y = new BigInt64Array(2 * n);
  for (let i = 0; i < n; i++) {
    const t = 0.25 + rng.uniform() * 3 * Math.PI;
    const r = t / (3 * Math.PI);
    for (let c = 0; c < 2; c++) {
      const k = 2 * i + c;
      const sign = c === 0 ? 1 : -1;
      x[2 * k] = sign * r * Math.cos(t) + noise * rng.normal();
      x[2 * k + 1] = sign * r * Math.sin(t) + noise * rng.normal();
      y[k] = BigInt(c);
    }
  }
  return { x, y };
}

export interface SpiralsOptions {
  provider?: Provider;
  threads?: number;
  seed?: number;
  epochs?: number;
  hidden?: number;
  batch?: number;
  /** Peak learning rate of the cosine schedule. @default 5e-2 */
  lr?: number;
  /** Called after each epoch with its mean training loss and the test accuracy. */
  onEpoch?: (e: { epoch: number; loss: number; accuracy: number; stepsPerSecond: number }) => void;
}

export interface SpiralsResult {
  losses: number[];
  accuracy: number;
  parameters: number;
}

function mlp(scope: ParamScope, x: Tensor): Tensor {
  const h1 = tanh(linear(scope.pp('fc1'), x, 64));
  const h2 = tanh(linear(scope.pp('fc2'), h1, 64));
  return linear(scope.pp('out'), h2, 2);
}

export async function trainSpirals(options: SpiralsOptions = {}): Promise<SpiralsResult> {
  const seed = options.seed ?? 0;
  const batch = options.batch ?? 64;
  const epochs = options.epochs ?? 40;
  const rng = new Rng(seed);
  const train = twoSpirals(512, 0.02, rng);
  const test = twoSpirals(256, 0.02, rng);
  const nTrain = train.y.length;
  const nTest = test.y.length;
  const params = new ParameterSet(seed);

  const step = compileTrainStep({
    params,
    optimizer: adamw({ weightDecay: 0 }),
    clipGradNorm: 5,
    build: (scope) => {
      const x = scope.graph.input('x', 'float32', [batch, 2]);
      const y = scope.graph.input('y', 'int64', [batch]);
      return { loss: crossEntropy(mlp(scope, x), y) };
    },
  });
  const evaluate = compileInference({
    params,
    build: (scope) => {
      const x = scope.graph.input('x', 'float32', [nTest, 2]);
      const y = scope.graph.input('y', 'int64', [nTest]);
      const correct = cast(equal(argmax(mlp(scope, x)), y), 'float32');
      return { outputs: { accuracy: reduceMean(correct) } };
    },
  });

  const stepsPerEpoch = Math.floor(nTrain / batch);
  const schedule = cosineSchedule({ peak: options.lr ?? 5e-2, warmupSteps: stepsPerEpoch, totalSteps: epochs * stepsPerEpoch });
  const rt = await Runtime.start({ provider: options.provider ?? 'cpu', threads: options.threads });
  const losses: number[] = [];
  let accuracy = 0;
  try {
    const trainer = await rt.load(step, params);
    const evaluator = await rt.load(evaluate, params);
    const order = Array.from({ length: nTrain }, (_, i) => i);
    const xb = new Float32Array(batch * 2);
    const yb = new BigInt64Array(batch);
    for (let epoch = 1; epoch <= epochs; epoch++) {
      rng.shuffle(order);
      let sum = 0;
      const t0 = performance.now();
      for (let s = 0; s < stepsPerEpoch; s++) {
        for (let j = 0; j < batch; j++) {
          const i = order[s * batch + j] as number;
          xb[2 * j] = train.x[2 * i] as number;
          xb[2 * j + 1] = train.x[2 * i + 1] as number;
          yb[j] = train.y[i] as bigint;
        }
        const r = await trainer.run({ x: xb, y: yb }, { lr: schedule(trainer.step) });
        losses.push(r.loss);
        sum += r.loss;
      }
      const stepsPerSecond = (stepsPerEpoch * 1000) / (performance.now() - t0);
      const ev = await evaluator.run({ x: test.x, y: test.y });
      accuracy = Number(ev.outputs.accuracy?.data[0]);
      options.onEpoch?.({ epoch, loss: sum / stepsPerEpoch, accuracy, stepsPerSecond });
    }
  } finally {
    await rt.close();
  }
  return { losses, accuracy, parameters: params.count() };
}
