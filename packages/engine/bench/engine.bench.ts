// Benchmarks the engine against its roofline: onnxruntime MatMul throughput vs a compiled MLP training step.
//
//   node bench/engine.bench.ts [--json] [--provider cpu|webgpu] [--threads N] [--quick] [--batch N] [--act gelu|relu]
//
// gemm:     one MatMul graph run directly through onnxruntime-node (the best the step could hope for),
//           at 1024^3 and at the MLP's forward shapes. Each shape gives a 'gemm-shape' line; the
//           fastest is the reference line 'gemm'.
// mlp-step: forward + backward + AdamW of an MLP, compiled by compileTrainStep and run through
//           Runtime. FLOPs are counted analytically (2*B*in*out per GEMM, elementwise ignored);
//           step_ms is the onnxruntime call (StepResult.runMs), wall_ms adds worker messaging.

import { availableParallelism } from 'node:os';
import * as ort from 'onnxruntime-node';
import { Graph } from '../src/graph/graph.ts';
import {
  adamw,
  compileTrainStep,
  crossEntropy,
  emitModel,
  type ModelBuilder,
  ops,
  ParameterSet,
  type ParamScope,
  type Provider,
  Rng,
  Runtime,
} from '../src/index.ts';
import { walkArgs } from './args.ts';
import { type Line, median, printTable, round } from './report.ts';

interface Options {
  json: boolean;
  provider: Provider;
  threads: number;
  quick: boolean;
  act: 'gelu' | 'relu';
  /** MLP batch size; the default depends on --quick. */
  batch: number | undefined;
}

function parseArgs(argv: readonly string[]): Options {
  const opts: Options = { json: false, provider: 'cpu', threads: availableParallelism(), quick: false, act: 'gelu', batch: undefined };
  walkArgs(argv, '--json, --provider cpu|webgpu, --threads N, --quick, --batch N, --act gelu|relu', (a, value) => {
    if (a === '--json') opts.json = true;
    else if (a === '--quick') opts.quick = true;
    else if (a === '--provider') opts.provider = value() as Provider;
    else if (a === '--threads') {
      opts.threads = Number(value());
      if (!Number.isInteger(opts.threads) || opts.threads < 1) throw new Error(`--threads must be a positive integer`);
    } else if (a === '--batch') {
      opts.batch = Number(value());
      if (!Number.isInteger(opts.batch) || opts.batch < 1) throw new Error(`--batch must be a positive integer`);
    } else if (a === '--act') {
      const v = value();
      if (v !== 'gelu' && v !== 'relu') throw new Error(`--act must be gelu or relu, got ${v}`);
      opts.act = v;
    } else return false;
    return true;
  });
  return opts;
}

function randomFloats(rng: Rng, n: number): Float32Array {
  const out = new Float32Array(n);
  for (let i = 0; i < n; i++) out[i] = rng.normal();
  return out;
}

// ---------------------------------------------------------------------------------------------
// gemm: the roofline

interface GemmResult {
  m: number;
  n: number;
  k: number;
  ms: number;
  /** The fastest repetition: less sensitive than the median to other load on the machine. */
  minMs: number;
  gflops: number;
}

async function benchGemm(opts: Options, m: number, k: number, n: number, warmup: number, reps: number): Promise<GemmResult> {
  const g = new Graph();
  const a = g.input('a', 'float32', [m, k]);
  const b = g.input('b', 'float32', [k, n]);
  const model = emitModel(g, {
    outputs: [{ name: 'c', tensor: ops.matmul(a, b) }],
    paramInputs: new Set(),
    paramValue: () => new Float32Array(0),
  });
  // The same session options as the runtime's worker.
  const session = await ort.InferenceSession.create(model, {
    executionProviders: [opts.provider],
    intraOpNumThreads: opts.threads,
    interOpNumThreads: 1,
    executionMode: 'sequential',
    logSeverityLevel: 3,
  });
  const rng = new Rng(7);
  const feeds = {
    a: new ort.Tensor('float32', randomFloats(rng, m * k), [m, k]),
    b: new ort.Tensor('float32', randomFloats(rng, k * n), [k, n]),
  };
  for (let i = 0; i < warmup; i++) await session.run(feeds);
  const times: number[] = [];
  for (let i = 0; i < reps; i++) {
    const t0 = performance.now();
    await session.run(feeds);
    times.push(performance.now() - t0);
  }
  await session.release();
  const ms = median(times);
  return { m, n, k, ms, minMs: Math.min(...times), gflops: (2 * m * n * k) / (ms * 1e6) };
}

// ---------------------------------------------------------------------------------------------
// mlp-step: a full training step

interface MlpConfig {
  batch: number;
  sizes: readonly number[]; // [in, hidden..., classes]
}

function mlpBuilder(cfg: MlpConfig, act: Options['act']): ModelBuilder {
  return (scope: ParamScope) => {
    const g = scope.graph;
    const x = g.input('x', 'float32', [cfg.batch, cfg.sizes[0] as number]);
    const labels = g.input('labels', 'int64', [cfg.batch]);
    let h = x;
    for (let i = 0; i + 1 < cfg.sizes.length; i++) {
      const fanIn = cfg.sizes[i] as number;
      const fanOut = cfg.sizes[i + 1] as number;
      const bound = 1 / Math.sqrt(fanIn);
      const layer = scope.pp(`fc${i}`);
      const w = layer.get('weight', [fanIn, fanOut], (_shape, r) =>
        Float32Array.from({ length: fanIn * fanOut }, () => (r.uniform() * 2 - 1) * bound),
      );
      const b = layer.get('bias', [fanOut], (_shape, r) => Float32Array.from({ length: fanOut }, () => (r.uniform() * 2 - 1) * bound));
      h = ops.add(ops.matmul(h, w), b);
      if (i + 2 < cfg.sizes.length) h = act === 'gelu' ? ops.gelu(h) : ops.relu(h);
    }
    return { loss: crossEntropy(h, labels) };
  };
}

/** GEMM FLOPs of one step: forward, dW for every layer, dX for every layer but the first (x needs no gradient). */
function mlpFlops(cfg: MlpConfig): number {
  let flops = 0;
  for (let i = 0; i + 1 < cfg.sizes.length; i++) {
    const f = 2 * cfg.batch * (cfg.sizes[i] as number) * (cfg.sizes[i + 1] as number);
    flops += f + f + (i > 0 ? f : 0);
  }
  return flops;
}

interface MlpResult {
  flops: number;
  stepMs: number;
  wallMs: number;
  minStepMs: number;
  gflops: number;
  wallGflops: number;
  params: number;
  loss0: number;
  loss: number;
}

async function benchMlp(opts: Options, cfg: MlpConfig, warmup: number, steps: number): Promise<MlpResult> {
  const params = new ParameterSet(1);
  const program = compileTrainStep({ build: mlpBuilder(cfg, opts.act), params, optimizer: adamw() });
  const rt = await Runtime.start({ provider: opts.provider, threads: opts.threads });
  try {
    const loaded = await rt.load(program, params);
    const rng = new Rng(3);
    const classes = cfg.sizes[cfg.sizes.length - 1] as number;
    const feeds = {
      x: randomFloats(rng, cfg.batch * (cfg.sizes[0] as number)),
      labels: BigInt64Array.from({ length: cfg.batch }, () => BigInt(rng.nextUint32() % classes)),
    };
    let loss0 = Number.NaN;
    let loss = Number.NaN;
    for (let i = 0; i < warmup; i++) {
      const r = await loaded.run(feeds, { lr: 1e-3 });
      if (i === 0) loss0 = r.loss;
    }
    const run: number[] = [];
    const wall: number[] = [];
    for (let i = 0; i < steps; i++) {
      const t0 = performance.now();
      const r = await loaded.run(feeds, { lr: 1e-3 });
      wall.push(performance.now() - t0);
      run.push(r.runMs);
      loss = r.loss;
    }
    const flops = mlpFlops(cfg);
    const stepMs = median(run);
    const wallMs = median(wall);
    return {
      flops,
      stepMs,
      wallMs,
      minStepMs: Math.min(...run),
      gflops: flops / (stepMs * 1e6),
      wallGflops: flops / (wallMs * 1e6),
      params: params.count('trainable'),
      loss0,
      loss,
    };
  } finally {
    await rt.close();
  }
}

// ---------------------------------------------------------------------------------------------

async function main(): Promise<void> {
  const opts = parseArgs(process.argv.slice(2));
  const cfg: MlpConfig = opts.quick ? { batch: 32, sizes: [64, 128, 128, 10] } : { batch: 256, sizes: [784, 1024, 1024, 10] };
  if (opts.batch !== undefined) cfg.batch = opts.batch;
  const square = opts.quick ? 256 : 1024;
  const [gemmWarmup, gemmReps] = opts.quick ? [1, 3] : [3, 15];
  const [mlpWarmup, mlpSteps] = opts.quick ? [2, 10] : [5, 20];
  const common = { threads: opts.threads, provider: opts.provider };

  // The square reference plus each forward GEMM shape of the MLP (deduplicated).
  const shapes = new Map<string, [number, number, number]>();
  shapes.set(`${square}x${square}x${square}`, [square, square, square]);
  for (let i = 0; i + 1 < cfg.sizes.length; i++) {
    const s: [number, number, number] = [cfg.batch, cfg.sizes[i] as number, cfg.sizes[i + 1] as number];
    shapes.set(s.join('x'), s);
  }
  const lines: Line[] = [];
  const gemms: GemmResult[] = [];
  for (const [m, k, n] of shapes.values()) {
    const r = await benchGemm(opts, m, k, n, gemmWarmup, gemmReps);
    gemms.push(r);
    lines.push({ bench: 'gemm-shape', m, n, k, gflops: round(r.gflops, 2), ms: round(r.ms), ms_min: round(r.minMs), ...common });
  }
  const best = gemms.reduce((p, q) => (q.gflops > p.gflops ? q : p));
  lines.push({
    bench: 'gemm',
    m: best.m,
    n: best.n,
    k: best.k,
    gflops: round(best.gflops, 2),
    ms: round(best.ms),
    ms_min: round(best.minMs),
    ...common,
  });

  const mlp = await benchMlp(opts, cfg, mlpWarmup, mlpSteps);
  // What the step's GEMMs would cost at the throughput onnxruntime reaches on this MLP's forward shapes.
  let boundMs = 0;
  for (let i = 0; i + 1 < cfg.sizes.length; i++) {
    const r = gemms.find((x) => x.m === cfg.batch && x.k === cfg.sizes[i] && x.n === cfg.sizes[i + 1]) as GemmResult;
    boundMs += r.ms * (i > 0 ? 3 : 2);
  }
  lines.push({
    bench: 'mlp-step',
    gflops: round(mlp.gflops, 2),
    fraction_of_gemm: round(mlp.gflops / best.gflops),
    fraction_of_gemm_min: round(best.minMs / (2 * best.m * best.n * best.k) / (mlp.minStepMs / mlp.flops)),
    fraction_of_shape_gemm: round(boundMs / mlp.stepMs),
    step_ms: round(mlp.stepMs),
    step_ms_min: round(mlp.minStepMs),
    wall_ms: round(mlp.wallMs),
    wall_gflops: round(mlp.wallGflops, 2),
    gemm_bound_ms: round(boundMs),
    gflop: round(mlp.flops / 1e9, 4),
    params: mlp.params,
    batch: cfg.batch,
    layers: cfg.sizes.join('-'),
    act: opts.act,
    optimizer: 'adamw',
    loss_first: round(mlp.loss0, 4),
    loss_last: round(mlp.loss, 4),
    ...common,
  });

  if (opts.json) for (const l of lines) process.stdout.write(`${JSON.stringify(l)}\n`);
  else {
    printTable(lines.filter((l) => l.bench !== 'mlp-step'));
    console.log();
    printTable(lines.filter((l) => l.bench === 'mlp-step'));
  }
}

await main();
