// Benchmarks a full BERT sequence-classifier training step (tokens/s, peak RSS), optionally against plain PyTorch.
//
//   node bench/train.bench.ts [--json] [--steps N] [--warmup N] [--provider cpu|webgpu] [--threads N]
//                             [--torch] [--python PATH] [--torch-device cpu|cuda] [--profile DIR]
//                             [--dropout P]
//
// The model is a small BERT (4 layers, hidden 256, 4 heads, intermediate 1024, vocab 30522, 512
// positions, 2 labels) with Hugging Face's default init, trained at batch 32 x 128 tokens on random
// ids and labels with AdamW (lr 2e-5, weight decay 0.01), gradient clipping at 1.0 and dropout 0.1.
// step_s is the median wall time of LoadedProgram.run after the warm-up steps; peak_rss_mb is the
// process's maxRSS, which covers the runtime's worker thread. --torch also runs torch_train.py (the
// same model in plain PyTorch, Debian's /usr/bin/python3 or --python) in a child process with as many
// threads, on the CPU or with --torch-device cuda on a GPU (float(loss) synchronizes each step). --profile
// writes onnxruntime's profile of the timed steps to DIR and prints where the time went, per operator and
// (on WebGPU) per GPU kernel.

import { spawnSync } from 'node:child_process';
import { availableParallelism } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { adamw, compileTrainStep, type Provider, Rng, Runtime, summarizeProfile } from '../src/index.ts';
import { instantiate, modelBuilder } from '../src/models/pretrained.ts';
import { walkArgs } from './args.ts';
import { type Line, median, printTable, round } from './report.ts';

const CONFIG = {
  model_type: 'bert',
  vocab_size: 30522,
  hidden_size: 256,
  num_hidden_layers: 4,
  num_attention_heads: 4,
  intermediate_size: 1024,
  max_position_embeddings: 512,
  type_vocab_size: 2,
  num_labels: 2,
  hidden_act: 'gelu',
  hidden_dropout_prob: 0.1,
  attention_probs_dropout_prob: 0.1,
};
const BATCH = 32;
const LENGTH = 128;
const TOKENS = BATCH * LENGTH;

interface Options {
  json: boolean;
  provider: Provider;
  threads: number;
  steps: number;
  warmup: number;
  torch: boolean;
  python: string;
  torchDevice: 'cpu' | 'cuda';
  profile: string | undefined;
  /** Hidden and attention dropout of our model (torch_train.py keeps 0.1). */
  dropout: number;
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
    profile: undefined,
    dropout: 0.1,
  };
  const positive = (flag: string, v: string, min = 1): number => {
    const n = Number(v);
    if (!Number.isInteger(n) || n < min) throw new Error(`${flag} must be an integer >= ${min}, got ${v}`);
    return n;
  };
  const usage =
    '--json, --steps N, --warmup N, --provider cpu|webgpu, --threads N, --torch, --python PATH, --torch-device cpu|cuda, --profile DIR, --dropout P';
  walkArgs(argv, usage, (a, value) => {
    if (a === '--json') opts.json = true;
    else if (a === '--torch') opts.torch = true;
    else if (a === '--python') opts.python = value();
    else if (a === '--profile') opts.profile = value();
    else if (a === '--dropout') {
      opts.dropout = Number(value());
      if (!(opts.dropout >= 0 && opts.dropout < 1)) throw new Error(`--dropout must be in [0, 1), got ${opts.dropout}`);
    } else if (a === '--torch-device') {
      const d = value();
      if (d !== 'cpu' && d !== 'cuda') throw new Error(`--torch-device must be cpu or cuda, got ${d}`);
      opts.torchDevice = d;
    } else if (a === '--provider') opts.provider = value() as Provider;
    else if (a === '--threads') opts.threads = positive(a, value());
    else if (a === '--steps') opts.steps = positive(a, value());
    else if (a === '--warmup') opts.warmup = positive(a, value(), 0);
    else return false;
    return true;
  });
  return opts;
}

interface ImplLine {
  impl: 'tuneql' | 'torch';
  mode: 'full';
  tokens_per_s: number;
  step_s: number;
  peak_rss_mb: number;
  /** torch on cuda: the GPU's name and its peak allocated memory. */
  device?: string;
  peak_gpu_mb?: number;
}

async function benchOurs(opts: Options): Promise<{ line: ImplLine; loss0: number; loss: number; runS: number; profile?: string }> {
  const config = { ...CONFIG, hidden_dropout_prob: opts.dropout, attention_probs_dropout_prob: opts.dropout };
  const model = instantiate(config, { task: 'sequence-classification', seed: 0 });
  const program = compileTrainStep({
    build: modelBuilder(model, { batch: BATCH, length: LENGTH, train: true }),
    params: model.params,
    optimizer: adamw({ weightDecay: 0.01 }),
    clipGradNorm: 1.0,
  });
  const profile = opts.profile ? join(opts.profile, `train-${opts.provider}`) : undefined;
  const rt = await Runtime.start({ provider: opts.provider, threads: opts.threads, profile });
  try {
    const loaded = await rt.load(program, model.params);
    const rng = new Rng(1);
    const feeds = {
      input_ids: BigInt64Array.from({ length: TOKENS }, () => BigInt(1 + (rng.nextUint32() % (CONFIG.vocab_size - 1)))),
      attention_mask: new BigInt64Array(TOKENS).fill(1n),
      token_type_ids: new BigInt64Array(TOKENS),
      labels: BigInt64Array.from({ length: BATCH }, () => BigInt(rng.nextUint32() % CONFIG.num_labels)),
    };
    let loss0 = Number.NaN;
    let loss = Number.NaN;
    for (let i = 0; i < opts.warmup; i++) {
      const r = await loaded.run(feeds, { lr: 2e-5 });
      if (i === 0) loss0 = r.loss;
    }
    const wall: number[] = [];
    const run: number[] = [];
    for (let i = 0; i < opts.steps; i++) {
      const t0 = performance.now();
      const r = await loaded.run(feeds, { lr: 2e-5 });
      wall.push(performance.now() - t0);
      run.push(r.runMs);
      loss = r.loss;
      if (Number.isNaN(loss0)) loss0 = r.loss;
    }
    const stepS = median(wall) / 1000;
    // maxRSS is in kilobytes and covers every thread of this process, the step worker included.
    const peak = process.resourceUsage().maxRSS / 1024;
    return {
      line: { impl: 'tuneql', mode: 'full', tokens_per_s: round(TOKENS / stepS, 1), step_s: round(stepS, 4), peak_rss_mb: round(peak, 1) },
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

function benchTorch(opts: Options): ImplLine {
  const script = fileURLToPath(new URL('./torch_train.py', import.meta.url));
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
  const ours = await benchOurs(opts);
  const lines: Line[] = [{ ...ours.line }];
  const notes: string[] = [];
  if (opts.torch) {
    const why = torchUnavailable(opts.python);
    if (why) notes.push(why);
    else {
      const torch = benchTorch(opts);
      lines.push({ ...torch });
      lines.push({
        bench: 'train-ratio',
        tokens_per_s_ratio: round(ours.line.tokens_per_s / torch.tokens_per_s, 3),
        peak_rss_ratio: round(ours.line.peak_rss_mb / torch.peak_rss_mb, 3),
      });
    }
  }
  if (opts.json) {
    for (const l of lines) process.stdout.write(`${JSON.stringify(l)}\n`);
    for (const n of notes) process.stderr.write(`${n}\n`);
    return;
  }
  const impls = lines.filter((l) => l.impl !== undefined);
  console.log(
    `BERT classifier, ${CONFIG.num_hidden_layers} layers x ${CONFIG.hidden_size} hidden, batch ${BATCH} x ${LENGTH} tokens, ` +
      `${opts.provider}, ${opts.threads} threads, median of ${opts.steps} steps after ${opts.warmup} warm-up`,
  );
  printTable(impls);
  const ratio = lines.find((l) => l.bench === 'train-ratio');
  if (ratio) console.log(`\nours / torch: tokens/s x${ratio.tokens_per_s_ratio}, peak RSS x${ratio.peak_rss_ratio}`);
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
