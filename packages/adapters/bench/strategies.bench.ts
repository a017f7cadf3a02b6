// Trains austen-bert-mini on the same slice of examples/austen/novels.jsonl with every strategy and
// reports trainable parameters, median step time, peak memory and validation accuracy.
//
//   node packages/adapters/bench/strategies.bench.ts [--json] [--epochs N] [--lr X] [--threads N] [--only id,id] [--model DIR]
//
// Each strategy runs in a child process of its own, so peak_rss_mb (the child's maxRSS, which covers
// the runtime's worker thread) is that strategy's alone. step_ms is the median wall time between the
// trainer's step events (every batch padded to the same 64 tokens, batch 8; the first two steps
// skipped). accuracy is on the validation slice after the last epoch; untrained is the same model
// right after inject, before any step. retention is the trainer's retention check after the last epoch:
// exp(base loss - tuned loss) of the masked-LM loss on 64 validation paragraphs (never seen in
// pre-training either) under the base model's MLM head; 1 = the backbone models text as the base did,
// lower = it forgot. The (IA)^3 plugin is loaded by path, as a host loads a plugin.

import { execFileSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import { availableParallelism } from 'node:os';
import { resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { train } from '@tuneql/engine';
import { createRegistry } from '../src/index.ts';
import { AUSTEN_RECIPES, type AustenRecipe, accuracy, austenModel, austenSlice, MAX_LENGTH, retention } from '../src/testing/austen.ts';

const IA3 = fileURLToPath(new URL('../../../plugins/ia3/src/index.ts', import.meta.url));
const RECIPES: readonly AustenRecipe[] = [
  ...AUSTEN_RECIPES,
  ...(existsSync(IA3) ? [{ strategy: 'ia3', config: {}, learningRate: 1e-2, epochs: 3, batchSize: 8 }] : []),
];

interface Options {
  json: boolean;
  epochs?: number;
  /** Overrides every recipe's learning rate (to compare strategies at several rates). */
  lr?: number;
  threads: number;
  only?: string[];
  child?: string;
  /** A BERT folder with tokenizer.json to use instead of models/austen-bert-mini. */
  model?: string;
}

interface Line {
  strategy: string;
  trainable: number;
  total: number;
  trainable_pct: number;
  learning_rate: number;
  epochs: number;
  steps: number;
  step_ms: number;
  peak_rss_mb: number;
  untrained_accuracy: number;
  accuracy: number;
  retention: number;
  /** The masked-LM loss behind `retention`: the tuned backbone's, and the base model's. */
  retention_loss: number;
  base_mlm_loss: number;
  train_s: number;
}

function parseArgs(argv: readonly string[]): Options {
  const opts: Options = { json: false, threads: availableParallelism() };
  for (let i = 0; i < argv.length; i++) {
    const a = argv[i] as string;
    const value = (): string => {
      const v = argv[++i];
      if (v === undefined) throw new Error(`${a} needs a value`);
      return v;
    };
    const count = (v: string): number => {
      const n = Number(v);
      if (!Number.isInteger(n) || n < 1) throw new Error(`${a} must be an integer >= 1, got ${v}`);
      return n;
    };
    if (a === '--')
      continue; // pnpm passes the separator through
    else if (a === '--json') opts.json = true;
    else if (a === '--epochs') opts.epochs = count(value());
    else if (a === '--lr') {
      const v = value();
      opts.lr = Number(v);
      if (!(opts.lr > 0)) throw new Error(`--lr must be a positive number, got ${v}`);
    } else if (a === '--threads') opts.threads = count(value());
    else if (a === '--only') opts.only = value().split(',');
    else if (a === '--child') opts.child = value();
    else if (a === '--model') opts.model = resolve(value());
    else throw new Error(`unknown argument '${a}' (expected --json, --epochs N, --lr X, --threads N, --only id,id, --model DIR)`);
  }
  return opts;
}

const median = (xs: readonly number[]): number => {
  const s = [...xs].sort((a, b) => a - b);
  return s.length ? ((s[(s.length - 1) >> 1] as number) + (s[s.length >> 1] as number)) / 2 : Number.NaN;
};

async function runOne(recipe: AustenRecipe, opts: Options): Promise<Line> {
  const registry = createRegistry();
  if (recipe.strategy === 'ia3') await registry.load(IA3);
  const slice = await austenSlice(300, 120, opts.model);
  const model = await austenModel(slice.labels.length, opts.model);
  const applied = await registry.apply(recipe.strategy, model, recipe.config);
  const untrained = await accuracy(model, slice.validation, opts.threads);
  const epochs = opts.epochs ?? recipe.epochs;
  const learningRate = opts.lr ?? recipe.learningRate;
  const stamps: number[] = [];
  const t0 = performance.now();
  const result = await train({
    model,
    data: { train: slice.train },
    trainableSchedule: applied.trainableSchedule,
    config: {
      epochs,
      batchSize: recipe.batchSize,
      learningRate,
      warmupRatio: 0.1,
      maxBuckets: 1,
      maxLength: MAX_LENGTH,
      threads: opts.threads,
    },
    onEvent: (e) => {
      if (e.type === 'step') stamps.push(performance.now());
    },
  });
  const trainS = (performance.now() - t0) / 1000;
  if (result.status !== 'finished') throw new Error(`${recipe.strategy}: training ${result.status}: ${result.reason ?? ''}`);
  const gaps = stamps.slice(1).map((t, i) => t - (stamps[i] as number));
  const kept = await retention(model, slice.validation, opts.threads, opts.model);
  return {
    strategy: recipe.strategy,
    trainable: applied.report.trainable,
    total: applied.report.total,
    trainable_pct: Math.round((1e4 * applied.report.trainable) / applied.report.total) / 100,
    learning_rate: learningRate,
    epochs,
    steps: result.steps,
    step_ms: Math.round(10 * median(gaps.slice(2))) / 10,
    peak_rss_mb: Math.round(process.resourceUsage().maxRSS / 1024),
    untrained_accuracy: Math.round(1e4 * untrained) / 1e4,
    accuracy: Math.round(1e4 * (await accuracy(model, slice.validation, opts.threads))) / 1e4,
    retention: Math.round(1e6 * kept.retention) / 1e6,
    retention_loss: Math.round(1e4 * kept.loss) / 1e4,
    base_mlm_loss: Math.round(1e4 * kept.baseLoss) / 1e4,
    train_s: Math.round(10 * trainS) / 10,
  };
}

function printTable(lines: readonly Line[]): void {
  const cols: [keyof Line, string][] = [
    ['strategy', 'strategy'],
    ['trainable', 'trainable params'],
    ['trainable_pct', '% of total'],
    ['learning_rate', 'lr'],
    ['step_ms', 'step ms (median)'],
    ['peak_rss_mb', 'peak RSS MB'],
    ['untrained_accuracy', 'untrained acc'],
    ['accuracy', 'val acc'],
    ['retention', 'retention'],
    ['train_s', 'train s'],
  ];
  const rows = [cols.map(([, h]) => h), ...lines.map((l) => cols.map(([k]) => String(l[k])))];
  const widths = cols.map((_, i) => Math.max(...rows.map((r) => (r[i] as string).length)));
  for (const [j, r] of rows.entries()) {
    console.log(r.map((c, i) => (i === 0 ? c.padEnd(widths[i] as number) : c.padStart(widths[i] as number))).join('  '));
    if (j === 0) console.log(widths.map((w) => '-'.repeat(w)).join('  '));
  }
}

const opts = parseArgs(process.argv.slice(2));
if (opts.child) {
  const recipe = RECIPES.find((r) => r.strategy === opts.child);
  if (!recipe) throw new Error(`no recipe for strategy '${opts.child}'`);
  process.stdout.write(`${JSON.stringify(await runOne(recipe, opts))}\n`);
} else {
  const chosen = RECIPES.filter((r) => !opts.only || opts.only.includes(r.strategy));
  if (!chosen.length)
    throw new Error(`--only ${opts.only?.join(',')} names no strategy; known: ${RECIPES.map((r) => r.strategy).join(', ')}`);
  if (!opts.json) {
    const slice = '300 train / 120 validation paragraphs, 64 tokens, batch 8';
    const model = opts.model ?? 'models/austen-bert-mini';
    console.log(`${model} on examples/austen/novels.jsonl (${slice}), ${opts.threads} threads, one process per strategy\n`);
  }
  const lines: Line[] = [];
  for (const recipe of chosen) {
    const args = [fileURLToPath(import.meta.url), '--child', recipe.strategy, '--threads', String(opts.threads)];
    if (opts.epochs) args.push('--epochs', String(opts.epochs));
    if (opts.lr) args.push('--lr', String(opts.lr));
    if (opts.model) args.push('--model', opts.model);
    const out = execFileSync(process.execPath, args, { encoding: 'utf8', stdio: ['ignore', 'pipe', 'inherit'] });
    const line = JSON.parse(out.trim().split('\n').pop() as string) as Line;
    lines.push(line);
    if (opts.json) console.log(JSON.stringify(line));
  }
  if (!opts.json) printTable(lines);
}
