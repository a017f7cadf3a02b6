// Benchmarks a training step (tokens/s, peak memory), optionally against plain PyTorch.
//
//   node bench/train.bench.ts [--json] [--steps N] [--warmup N] [--provider cpu|webgpu] [--threads N]
//                             [--torch] [--python PATH] [--torch-device cpu|cuda] [--torch-amp] [--profile DIR]
//                             [--dropout P] [--model bert-small|bert-base|llama-1b] [--strategy full|lora]
//                             [--precision fp32|fp16|bf16] [--tiny] [--batch N] [--length N] [--checkpointing] [--rounds N]
//
// GPU issue 13's options: --model picks the model (bert-small, the default, is described below; bert-base is
// BERT-base, 12 x 768; llama-1b is a Llama of TinyLlama-1.1B's shape at batch 4 x 512, causal LM), all with
// random weights in the Hugging Face layout; --strategy lora trains LoRA of rank 16 on every linear layer
// but the head (bench/train-models.ts); --precision sets the trainer's compute precision (fp16 needs a GPU
// with shader-f16, decision 30); --tiny shrinks the
// model to toy sizes (2 layers x 64) to check a path on a CPU; --batch and --length override the batch.
// --checkpointing compiles our step with gradient checkpointing (each block recomputed in the backward pass,
// decision 28; torch_train.py keeps its activations): compare peak_rss_mb with a run without it, each in a
// process of its own (maxRSS is the process's).
// With --torch, torch_train.py runs the same model in float32 and, on CUDA, with a half --precision or with
// --torch-amp, again with torch.amp (float16 with GradScaler for --precision fp16, bfloat16 otherwise), one
// JSON line each; peak_gpu_mb is
// torch.cuda.max_memory_allocated there, and for TuneQL the GPU memory nvidia-smi reports for this process
// after the timed steps (onnxruntime keeps its buffers cached, so that is close to its peak).
//
// The model is a small BERT (4 layers, hidden 256, 4 heads, intermediate 1024, vocab 30522, 512
// positions, 2 labels) with Hugging Face's default init, trained at batch 32 x 128 tokens on random
// ids and labels with AdamW (lr 2e-5, weight decay 0.01), gradient clipping at 1.0 and dropout 0.1.
// step_s is the median wall time of LoadedProgram.run after the warm-up steps; peak_rss_mb is the
// process's maxRSS, which covers the runtime's worker thread. --torch also runs torch_train.py (the
// same model in plain PyTorch, Debian's /usr/bin/python3 or --python) in a child process with as many
// threads, on the CPU or with --torch-device cuda on a GPU (float(loss) synchronizes each step). --profile
// writes onnxruntime's profile of the timed steps to DIR and prints where the time went, per operator and
// (on WebGPU) per GPU kernel. With --torch, --rounds N runs ours and PyTorch N times, alternating, each with
// its ratio line (`round`), then a ratio line with `rounds`: the median, least and greatest tokens/s ratio
// (PyTorch's own figure moves by a third between runs on the CPU), and the first round's peak RSS ratio: ours
// is the process's high-water mark, which later rounds can only raise.

import { spawnSync } from 'node:child_process';
import { availableParallelism } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { adamw, compileTrainStep, type Provider, Rng, Runtime, summarizeProfile } from '../src/index.ts';
import { instantiate, modelBuilder } from '../src/models/pretrained.ts';
import { walkArgs } from './args.ts';
import { type Line, median, printTable, round } from './report.ts';
// GPU issue 13: models, strategies and precisions.
import {
  applyLora,
  BENCH_MODELS,
  type BenchModel,
  type BenchStrategy,
  type ModelSpec,
  modelSpec,
  randomBatch,
  STRATEGIES,
} from './train-models.ts';

const PRECISIONS = ['fp32', 'fp16', 'bf16'] as const;
type Precision = (typeof PRECISIONS)[number];

interface Options {
  json: boolean;
  provider: Provider;
  threads: number;
  steps: number;
  warmup: number;
  torch: boolean;
  python: string;
  torchDevice: 'cpu' | 'cuda';
  /** Also time torch.amp (always with --torch-device cuda or a half precision). */
  torchAmp: boolean;
  profile: string | undefined;
  /** Hidden and attention dropout of our model (torch_train.py keeps 0.1). */
  dropout: number;
  // GPU issue 13
  model: BenchModel;
  strategy: BenchStrategy;
  precision: Precision;
  tiny: boolean;
  batch: number | undefined;
  length: number | undefined;
  checkpointing: boolean;
  /** With --torch: ours and PyTorch this many times, alternating, and the ratios' median (PyTorch's figure moves between runs). */
  rounds: number;
}

function parseArgs(argv: readonly string[]): Options {
  const opts: Options = {
    json: false,
    provider: 'cpu',
    threads: availableParallelism(),
    steps: 10,
    warmup: 3,
    torch: false,
    python: '/usr/bin/python3',
    torchDevice: 'cpu',
    torchAmp: false,
    profile: undefined,
    dropout: 0.1,
    model: 'bert-small',
    strategy: 'full',
    precision: 'fp32',
    tiny: false,
    batch: undefined,
    length: undefined,
    checkpointing: false,
    rounds: 1,
  };
  const positive = (flag: string, v: string, min = 1): number => {
    const n = Number(v);
    if (!Number.isInteger(n) || n < min) throw new Error(`${flag} must be an integer >= ${min}, got ${v}`);
    return n;
  };
  const oneOf = <T extends string>(flag: string, v: string, allowed: readonly T[]): T => {
    if (!allowed.includes(v as T)) throw new Error(`${flag} must be one of ${allowed.join(', ')}, got ${v}`);
    return v as T;
  };
  const usage =
    '--json, --steps N, --warmup N, --provider cpu|webgpu, --threads N, --torch, --python PATH, --torch-device cpu|cuda, --torch-amp, --profile DIR, --dropout P, ' +
    `--model ${BENCH_MODELS.join('|')}, --strategy ${STRATEGIES.join('|')}, --precision ${PRECISIONS.join('|')}, --tiny, --batch N, --length N, --checkpointing, --rounds N`;
  walkArgs(argv, usage, (a, value) => {
    if (a === '--json') opts.json = true;
    else if (a === '--torch') opts.torch = true;
    else if (a === '--torch-amp') opts.torchAmp = true;
    else if (a === '--python') opts.python = value();
    else if (a === '--profile') opts.profile = value();
    else if (a === '--dropout') {
      opts.dropout = Number(value());
      if (!(opts.dropout >= 0 && opts.dropout < 1)) throw new Error(`--dropout must be in [0, 1), got ${opts.dropout}`);
    } else if (a === '--torch-device') opts.torchDevice = oneOf(a, value(), ['cpu', 'cuda'] as const);
    else if (a === '--provider') opts.provider = value() as Provider;
    else if (a === '--threads') opts.threads = positive(a, value());
    else if (a === '--steps') opts.steps = positive(a, value());
    else if (a === '--warmup') opts.warmup = positive(a, value(), 0);
    // GPU issue 13
    else if (a === '--model') opts.model = oneOf(a, value(), BENCH_MODELS);
    else if (a === '--strategy') opts.strategy = oneOf(a, value(), STRATEGIES);
    else if (a === '--precision') opts.precision = oneOf(a, value(), PRECISIONS);
    else if (a === '--tiny') opts.tiny = true;
    else if (a === '--checkpointing') opts.checkpointing = true;
    else if (a === '--rounds') opts.rounds = positive(a, value());
    else if (a === '--batch') opts.batch = positive(a, value());
    else if (a === '--length') opts.length = positive(a, value());
    else return false;
    return true;
  });
  return opts;
}

/** The model, batch and sequence length the options describe. */
function benchSpec(opts: Options): ModelSpec {
  const spec = modelSpec(opts.model, opts.tiny);
  return { ...spec, batch: opts.batch ?? spec.batch, length: opts.length ?? spec.length };
}

interface ImplLine {
  impl: 'tuneql' | 'torch';
  mode: BenchStrategy;
  model: BenchModel;
  precision: Precision | 'amp-fp16' | 'amp-bf16';
  /** TuneQL with --checkpointing. */
  checkpointing?: boolean;
  tokens_per_s: number;
  step_s: number;
  peak_rss_mb: number;
  /** On a GPU: its name and the peak memory (see the header). */
  device?: string;
  peak_gpu_mb?: number;
  /** TuneQL: the first warm-up step's loss and the last timed step's, and fp16's skipped steps. */
  loss_first?: number;
  loss_last?: number;
  skipped_steps?: number;
}

/** GPU memory nvidia-smi reports for process `pid`, in MiB; undefined without nvidia-smi or a GPU context. */
function gpuMemoryOf(pid: number): number | undefined {
  const r = spawnSync('nvidia-smi', ['--query-compute-apps=pid,used_memory', '--format=csv,noheader,nounits'], { encoding: 'utf8' });
  if (r.status !== 0) return undefined;
  const mine = r.stdout
    .trim()
    .split('\n')
    .map((l) => l.split(',').map((v) => Number(v.trim())))
    .filter(([p]) => p === pid);
  return mine.length ? mine.reduce((s, [, mb]) => s + (mb ?? 0), 0) : undefined;
}

async function benchOurs(opts: Options): Promise<{ line: ImplLine; loss0: number; loss: number; runS: number; profile?: string }> {
  const spec = benchSpec(opts);
  const tokens = spec.batch * spec.length;
  const config = { ...spec.config, hidden_dropout_prob: opts.dropout, attention_probs_dropout_prob: opts.dropout };
  const model = instantiate(config, { task: spec.task, seed: 0 });
  if (opts.strategy === 'lora') applyLora(model, 16);
  const program = compileTrainStep({
    build: modelBuilder(model, { batch: spec.batch, length: spec.length, train: true }),
    params: model.params,
    optimizer: adamw({ weightDecay: 0.01 }),
    clipGradNorm: 1.0,
    precision: opts.precision,
    gradientCheckpointing: opts.checkpointing,
  });
  const profile = opts.profile ? join(opts.profile, `train-${opts.provider}`) : undefined;
  const rt = await Runtime.start({ provider: opts.provider, threads: opts.threads, profile });
  try {
    const loaded = await rt.load(program, model.params, { move: true });
    const feeds = randomBatch(spec, program.inputs, new Rng(1));
    const lr = opts.strategy === 'lora' ? 2e-4 : 2e-5;
    let loss0 = Number.NaN;
    let loss = Number.NaN;
    for (let i = 0; i < opts.warmup; i++) {
      const r = await loaded.run(feeds, { lr });
      if (i === 0) loss0 = r.loss;
    }
    const wall: number[] = [];
    const run: number[] = [];
    for (let i = 0; i < opts.steps; i++) {
      const t0 = performance.now();
      const r = await loaded.run(feeds, { lr });
      wall.push(performance.now() - t0);
      run.push(r.runMs);
      loss = r.loss;
      if (Number.isNaN(loss0)) loss0 = r.loss;
    }
    const stepS = median(wall) / 1000;
    // maxRSS is in kilobytes and covers every thread of this process, the step worker included.
    const peak = process.resourceUsage().maxRSS / 1024;
    const gpuMb = opts.provider === 'cpu' ? undefined : gpuMemoryOf(process.pid);
    return {
      line: {
        impl: 'tuneql',
        mode: opts.strategy,
        model: opts.model,
        precision: opts.precision,
        ...(opts.checkpointing ? { checkpointing: true } : {}),
        tokens_per_s: round(tokens / stepS, 1),
        step_s: round(stepS, 4),
        peak_rss_mb: round(peak, 1),
        ...(gpuMb === undefined ? {} : { peak_gpu_mb: gpuMb }),
        loss_first: round(loss0, 5),
        loss_last: round(loss, 5),
        ...(loaded.lossScale ? { skipped_steps: loaded.lossScale.skipped } : {}),
      },
      loss0,
      loss,
      runS: median(run) / 1000,
      profile,
    };
  } finally {
    await rt.close();
  }
}

/** Why torch cannot run, or undefined when `python` imports it. */
function torchUnavailable(python: string): string | undefined {
  const r = spawnSync(python, ['-c', 'import torch'], { encoding: 'utf8' });
  if (r.status === 0) return undefined;
  const why = r.error ? r.error.message : (r.stderr.trim().split('\n').pop() ?? `exit ${r.status}`);
  return `torch is unavailable for ${python} (${why}); install: apt-get install python3-torch libopenblas0-pthread`;
}

/** torch_train.py for the same model, in float32 or with torch.amp at `precision`. */
function benchTorch(opts: Options, precision: Precision): ImplLine {
  const script = fileURLToPath(new URL('./torch_train.py', import.meta.url));
  const spec = benchSpec(opts);
  // OpenBLAS tuning variables set for other tools would skew torch's kernels: the child runs without them.
  const env = { ...process.env };
  delete env.OPENBLAS_CORETYPE;
  delete env.OPENBLAS_L2_SIZE;
  const args = [
    script,
    '--steps',
    String(opts.steps),
    '--warmup',
    String(opts.warmup),
    '--threads',
    String(opts.threads),
    '--device',
    opts.torchDevice,
    // GPU issue 13
    '--model',
    opts.model,
    '--strategy',
    opts.strategy,
    '--precision',
    precision,
    '--batch',
    String(spec.batch),
    '--length',
    String(spec.length),
    ...(opts.tiny ? ['--tiny'] : []),
  ];
  const r = spawnSync(opts.python, args, { encoding: 'utf8', env, maxBuffer: 16 << 20 });
  if (r.status !== 0) throw new Error(`torch_train.py failed (${r.error?.message ?? `exit ${r.status}`}): ${r.stderr.trim()}`);
  const line = r.stdout
    .trim()
    .split('\n')
    .map((l) => JSON.parse(l) as ImplLine)
    .find((l) => l.impl === 'torch');
  if (!line) throw new Error(`torch_train.py printed no result: ${r.stdout}`);
  return line;
}

async function main(): Promise<void> {
  const opts = parseArgs(process.argv.slice(2));
  const spec = benchSpec(opts);
  const lines: Line[] = [];
  const notes: string[] = [];
  const why = opts.torch ? torchUnavailable(opts.python) : undefined;
  if (why) notes.push(why);
  const rounds = opts.torch && !why ? opts.rounds : 1;
  // float32, then torch.amp in our half precision (bfloat16 when ours is float32). On the CPU torch.amp
  // means bfloat16 kernels that take minutes a step on cores without them, and ours is float32 there: only
  // when asked.
  const amp = opts.torchAmp || opts.torchDevice === 'cuda' || opts.precision !== 'fp32';
  const precisions = amp ? (['fp32', opts.precision === 'fp32' ? 'bf16' : opts.precision] as const) : (['fp32'] as const);
  const ratios = new Map<string, Line[]>();
  let ours: Awaited<ReturnType<typeof benchOurs>> | undefined;
  for (let r = 1; r <= rounds; r++) {
    // Only the first round is profiled. Peak RSS is the process's high-water mark, so from the second round on
    // ours is the largest of the rounds so far: the summary takes the first round's.
    ours = await benchOurs(r === 1 ? opts : { ...opts, profile: undefined });
    const tag: Line = rounds > 1 ? { round: r } : {};
    lines.push({ ...ours.line, ...tag });
    if (!opts.torch || why) continue;
    for (const precision of precisions) {
      const torch = benchTorch(opts, precision);
      lines.push({ ...torch, ...tag });
      const ratio: Line = {
        bench: 'train-ratio',
        against: `torch-${torch.precision}`,
        ...tag,
        tokens_per_s_ratio: round(ours.line.tokens_per_s / torch.tokens_per_s, 3),
        peak_rss_ratio: round(ours.line.peak_rss_mb / torch.peak_rss_mb, 3),
        ...(ours.line.peak_gpu_mb && torch.peak_gpu_mb ? { peak_gpu_ratio: round(ours.line.peak_gpu_mb / torch.peak_gpu_mb, 3) } : {}),
      };
      lines.push(ratio);
      ratios.set(ratio.against as string, [...(ratios.get(ratio.against as string) ?? []), ratio]);
    }
  }
  if (rounds > 1) {
    for (const [against, list] of ratios) {
      const of = (key: string) => list.map((l) => l[key] as number);
      lines.push({
        bench: 'train-ratio',
        against,
        rounds,
        tokens_per_s_ratio: median(of('tokens_per_s_ratio')),
        tokens_per_s_ratio_min: Math.min(...of('tokens_per_s_ratio')),
        tokens_per_s_ratio_max: Math.max(...of('tokens_per_s_ratio')),
        peak_rss_ratio: of('peak_rss_ratio')[0] as number,
      });
    }
  }
  if (!ours) throw new Error('no round ran');
  if (opts.json) {
    for (const l of lines) process.stdout.write(`${JSON.stringify(l)}\n`);
    for (const n of notes) process.stderr.write(`${n}\n`);
    return;
  }
  const impls = lines.filter((l) => l.impl !== undefined);
  console.log(
    `${spec.describe}, ${opts.strategy}, ${opts.precision}${opts.checkpointing ? ', gradient checkpointing' : ''}, batch ${spec.batch} x ${spec.length} tokens, ` +
      `${opts.provider}, ${opts.threads} threads, median of ${opts.steps} steps after ${opts.warmup} warm-up`,
  );
  printTable(impls);
  for (const ratio of lines.filter((l) => l.bench === 'train-ratio')) {
    const which = ratio.rounds
      ? `median of ${ratio.rounds} rounds (tokens/s x${ratio.tokens_per_s_ratio_min}-${ratio.tokens_per_s_ratio_max})`
      : ratio.round
        ? `round ${ratio.round}`
        : '';
    console.log(
      `\nours / ${ratio.against}${which ? `, ${which}` : ''}: tokens/s x${ratio.tokens_per_s_ratio}, peak RSS x${ratio.peak_rss_ratio}`,
    );
  }
  console.log(
    `\ntuneql: onnxruntime run ${round(ours.runS, 4)} s of the ${ours.line.step_s} s step; loss ${round(ours.loss0, 4)} -> ${round(ours.loss, 4)}`,
  );
  for (const n of notes) console.log(n);
  if (ours.profile) printProfile(ours.profile, opts);
}

/** The timed steps' profile: the operators and GPU kernels that took the most time, per step. */
function printProfile(prefix: string, opts: Options): void {
  const p = summarizeProfile(prefix, { skipRuns: opts.warmup });
  const rows = (list: typeof p.host) =>
    list.slice(0, 12).map((r) => ({
      name: r.name,
      ...(r.provider ? { provider: r.provider.replace('ExecutionProvider', '') } : {}),
      calls_per_step: round(r.calls / p.runs, 1),
      ms_per_step: round(r.totalMs / p.runs, 3),
      share: `${(r.share * 100).toFixed(1)}%`,
    }));
  console.log(`\nprofile of ${p.runs} steps (${round(p.runMs / p.runs, 2)} ms each while profiled), ${p.files.join(', ')}`);
  console.log('\nhost time per operator (on a GPU: dispatch time; the work is asynchronous):');
  printTable(rows(p.host));
  if (p.gpu.length) {
    const total = p.gpu.reduce((s, r) => s + r.totalMs, 0) / p.runs;
    console.log(`\nGPU time per kernel (timestamp queries): ${round(total, 2)} ms per step in all`);
    printTable(rows(p.gpu));
  }
}

await main();
