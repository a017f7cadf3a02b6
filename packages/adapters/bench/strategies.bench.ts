// Trains austen-bert-mini on the same slice of examples/austen/novels.jsonl with every strategy and
// reports trainable parameters, median step time, peak memory, validation accuracy and retention, per seed
// and as the mean and spread over the seeds.
//
//   node packages/adapters/bench/strategies.bench.ts [--json] [--seeds 1,2,3] [--epochs N] [--lr X] [--threads N]
//        [--only id,id] [--config JSON] [--model DIR] [--train N|all]
//
// Each strategy and seed runs in a child process of its own, so peak_rss_mb (the child's maxRSS, which
// covers the runtime's worker thread) is that run's alone. The seed draws the new weights (head, pooler,
// LoRA's A) and the trainer's shuffling and dropout; the data slice is the same for every seed: 300
// training paragraphs, and the whole validation split (283) for accuracy. step_ms is the median wall time
// between the trainer's step events (every batch padded to the same 64 tokens; the first two steps
// skipped). untrained is the model right after inject, before any step. retention is the trainer's
// retention check after the last epoch: exp(base loss - tuned loss) of the masked-LM loss under the base
// model's MLM head on 128 paragraphs of the model folder's retention.jsonl (general Austen text: the
// pre-training validation paragraphs, never trained on and not in the novel task); 1 = the backbone models
// text as the base did, lower = it forgot. --config replaces the strategies' recipe configs (use with
// --only). With --json each run is a line, then one line per strategy with "summary": true: the mean and
// standard deviation over the seeds. The (IA)^3 plugin is loaded by path, as a host loads a plugin.

import { execFileSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import { availableParallelism } from 'node:os';
import { resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { train } from '@tuneql/engine';
import { createRegistry } from '../src/index.ts';
import {
  AUSTEN_RECIPES,
  type AustenRecipe,
  accuracy,
  austenModel,
  austenSlice,
  generalTexts,
  MAX_LENGTH,
  retention,
} from '../src/testing/austen.ts';

/** Paragraphs of the model folder's retention.jsonl the retention check scores (the trainer's default is 64). */
const RETENTION_SAMPLE = 128;
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
  /** Replaces the recipes' strategy configs. */
  config?: Record<string, unknown>;
  /** One run per seed and strategy. */
  seeds: number[];
  child?: string;
  /** A BERT folder with tokenizer.json to use instead of models/austen-bert-mini. */
  model?: string;
  /** Training paragraphs (the default 300; Infinity: the whole training split). */
  train: number;
}

interface Line {
  strategy: string;
  seed: number;
  config: Record<string, unknown>;
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
  /** Paragraphs of retention.jsonl scored. */
  retention_sample: number;
  /** The masked-LM loss behind `retention`: the tuned backbone's, and the base model's. */
  retention_loss: number;
  base_mlm_loss: number;
  train_s: number;
}

function parseArgs(argv: readonly string[]): Options {
  const opts: Options = { json: false, threads: availableParallelism(), seeds: [42], train: 300 };
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
    else if (a === '--seeds') {
      const v = value();
      opts.seeds = v.split(',').map((x) => {
        const n = Number(x);
        if (!Number.isInteger(n) || n < 0) throw new Error(`--seeds takes integers >= 0 separated by commas, got ${v}`);
        return n;
      });
    } else if (a === '--config') {
      const v = value();
      try {
        opts.config = JSON.parse(v) as Record<string, unknown>;
      } catch {
        throw new Error(`--config takes a JSON object, got ${v}`);
      }
    } else if (a === '--child') opts.child = value();
    else if (a === '--model') opts.model = resolve(value());
    else if (a === '--train') {
      const v = value();
      opts.train = v === 'all' ? Number.POSITIVE_INFINITY : count(v);
    } else
      throw new Error(
        `unknown argument '${a}' (expected --json, --seeds 1,2,3, --train N|all, --epochs N, --lr X, --threads N, --only id,id, --config JSON, --model DIR)`,
      );
  }
  return opts;
}

const median = (xs: readonly number[]): number => {
  const s = [...xs].sort((a, b) => a - b);
  return s.length ? ((s[(s.length - 1) >> 1] as number) + (s[s.length >> 1] as number)) / 2 : Number.NaN;
};

const mean = (xs: readonly number[]): number => xs.reduce((a, b) => a + b, 0) / xs.length;
/** Sample standard deviation (n - 1); 0 for one value. */
const sd = (xs: readonly number[]): number =>
  xs.length < 2 ? 0 : Math.sqrt(xs.reduce((a, x) => a + (x - mean(xs)) ** 2, 0) / (xs.length - 1));

async function runOne(recipe: AustenRecipe, opts: Options, seed: number): Promise<Line> {
  const registry = createRegistry();
  if (recipe.strategy === 'ia3') await registry.load(IA3);
  const slice = await austenSlice(opts.train, Number.POSITIVE_INFINITY, opts.model);
  const model = await austenModel(slice.labels.length, opts.model, seed);
  const config = opts.config ?? recipe.config;
  const applied = await registry.apply(recipe.strategy, model, config);
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
      seed,
    },
    onEvent: (e) => {
      if (e.type === 'step') stamps.push(performance.now());
    },
  });
  const trainS = (performance.now() - t0) / 1000;
  if (result.status !== 'finished') throw new Error(`${recipe.strategy}: training ${result.status}: ${result.reason ?? ''}`);
  const gaps = stamps.slice(1).map((t, i) => t - (stamps[i] as number));
  const kept = await retention(model, generalTexts(opts.model), opts.threads, opts.model, RETENTION_SAMPLE);
  return {
    strategy: recipe.strategy,
    seed,
    config,
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
    retention_sample: RETENTION_SAMPLE,
    retention_loss: Math.round(1e4 * kept.loss) / 1e4,
    base_mlm_loss: Math.round(1e4 * kept.baseLoss) / 1e4,
    train_s: Math.round(10 * trainS) / 10,
  };
}

interface Summary {
  summary: true;
  strategy: string;
  seeds: number[];
  accuracy_mean: number;
  accuracy_sd: number;
  retention_mean: number;
  retention_sd: number;
}

function summarize(lines: readonly Line[]): Summary[] {
  const round = (x: number) => Math.round(1e4 * x) / 1e4;
  return [...new Set(lines.map((l) => l.strategy))].map((strategy) => {
    const own = lines.filter((l) => l.strategy === strategy);
    const acc = own.map((l) => l.accuracy);
    const kept = own.map((l) => l.retention);
    return {
      summary: true,
      strategy,
      seeds: own.map((l) => l.seed),
      accuracy_mean: round(mean(acc)),
      accuracy_sd: round(sd(acc)),
      retention_mean: round(mean(kept)),
      retention_sd: round(sd(kept)),
    };
  });
}

function printTable<T>(lines: readonly T[], cols: readonly [keyof T, string][]): void {
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
  process.stdout.write(`${JSON.stringify(await runOne(recipe, opts, opts.seeds[0] as number))}\n`);
} else {
  const chosen = RECIPES.filter((r) => !opts.only || opts.only.includes(r.strategy));
  if (!chosen.length)
    throw new Error(`--only ${opts.only?.join(',')} names no strategy; known: ${RECIPES.map((r) => r.strategy).join(', ')}`);
  if (!opts.json) {
    const slice = `${Number.isFinite(opts.train) ? opts.train : 'all'} train paragraphs, the 283 of the validation split for accuracy, 64 tokens`;
    const model = opts.model ?? 'models/austen-bert-mini';
    console.log(`${model} on examples/austen/novels.jsonl (${slice}), ${opts.threads} threads, seeds ${opts.seeds.join(', ')}\n`);
  }
  const lines: Line[] = [];
  for (const recipe of chosen) {
    for (const seed of opts.seeds) {
      const args = [fileURLToPath(import.meta.url), '--child', recipe.strategy, '--threads', String(opts.threads), '--seeds', String(seed)];
      if (opts.epochs) args.push('--epochs', String(opts.epochs));
      if (opts.lr) args.push('--lr', String(opts.lr));
      if (opts.config) args.push('--config', JSON.stringify(opts.config));
      if (opts.model) args.push('--model', opts.model);
      if (Number.isFinite(opts.train)) args.push('--train', String(opts.train));
      else args.push('--train', 'all');
      const out = execFileSync(process.execPath, args, { encoding: 'utf8', stdio: ['ignore', 'pipe', 'inherit'] });
      const line = JSON.parse(out.trim().split('\n').pop() as string) as Line;
      lines.push(line);
      if (opts.json) console.log(JSON.stringify(line));
    }
  }
  const summary = summarize(lines);
  if (opts.json) for (const s of summary) console.log(JSON.stringify(s));
  else {
    printTable(lines, [
      ['strategy', 'strategy'],
      ['seed', 'seed'],
      ['trainable', 'trainable params'],
      ['trainable_pct', '% of total'],
      ['learning_rate', 'lr'],
      ['step_ms', 'step ms (median)'],
      ['peak_rss_mb', 'peak RSS MB'],
      ['untrained_accuracy', 'untrained acc'],
      ['accuracy', 'val acc'],
      ['retention', 'retention'],
      ['train_s', 'train s'],
    ]);
    console.log('');
    printTable(summary, [
      ['strategy', 'strategy'],
      ['seeds', 'seeds'],
      ['accuracy_mean', 'val acc mean'],
      ['accuracy_sd', 'sd'],
      ['retention_mean', 'retention mean'],
      ['retention_sd', 'sd'],
    ]);
  }
}
