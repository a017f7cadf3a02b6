// A run's own peak memory (executeRun's peakMemoryBytes) against preflight's estimate, per strategy. Prints
// figures, asserts nothing (run-memory.test.ts holds the 25% bound on a smaller run).
//
//   node --expose-gc packages/server/bench/run-memory.bench.ts [--json] [--strategies full,lora] [--hidden N]
//        [--layers N] [--batch N] [--length N] [--steps N] [--checkpointing]
//
// The model is the bench BERT's shape (4 layers x 256 hidden, intermediate 1024, 4 heads; --hidden and
// --layers change it, intermediate 4 x hidden) with austen-bert-mini's tokenizer and vocabulary (12157) and
// fresh weights, trained for sequence classification on every 12th Austen paragraph
// (126 training, 32 validation) at batch 32 x 128 tokens, one length bucket, for 6 steps, with a validation
// pass and a checkpoint. The weights are written once, as a pre-trained checkpoint that every run loads. Each strategy runs in a child process of its own, so that what one leaves behind
// does not count for the next; peak_mib is the run's own peak, process_peak_mib the child's maxRSS. The
// (IA)^3 plugin is loaded by path, as a host loads a plugin. --checkpointing trains with gradient_checkpointing.

import { execFileSync } from 'node:child_process';
import { copyFileSync, existsSync, mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { createRegistry } from '@tuneql/adapters';
import { instantiate, saveCheckpoint } from '@tuneql/engine';
import { walkArgs } from '../../engine/bench/args.ts';
import { type Line, printTable } from '../../engine/bench/report.ts';
import { executeRun } from '../src/training/execute-run.ts';
import { preflight } from '../src/training/preflight.ts';
import { parseRunSpec } from '../src/training/run-spec.ts';
import { AUSTEN_MODEL, austenSlice } from '../src/training/test-fixtures.ts';

const IA3 = fileURLToPath(new URL('../../../plugins/ia3/src/index.ts', import.meta.url));
const STRATEGIES: Record<string, Record<string, unknown>> = {
  full: {},
  partial: { trainLayers: 2 },
  lora: { r: 8, alpha: 16, dropout: 0 },
  bottleneck: { reductionFactor: 4 },
  ia3: {},
};

interface Options {
  json: boolean;
  strategies: string[];
  hidden: number;
  layers: number;
  batch: number;
  length: number;
  steps: number;
  checkpointing: boolean;
  child?: string;
  /** The children's model folder, written by the parent. */
  model?: string;
}

function parseArgs(argv: readonly string[]): Options {
  const opts: Options = {
    json: false,
    strategies: Object.keys(STRATEGIES),
    hidden: 256,
    layers: 4,
    batch: 32,
    length: 128,
    steps: 6,
    checkpointing: false,
  };
  const int = (flag: string, v: string): number => {
    const n = Number(v);
    if (!Number.isInteger(n) || n < 1) throw new Error(`${flag} must be an integer >= 1, got ${v}`);
    return n;
  };
  walkArgs(argv, '--json, --strategies a,b, --hidden N, --layers N, --batch N, --length N, --steps N, --checkpointing', (a, value) => {
    if (a === '--json') opts.json = true;
    else if (a === '--strategies') {
      opts.strategies = value().split(',');
      const unknown = opts.strategies.filter((s) => !(s in STRATEGIES));
      if (unknown.length) throw new Error(`unknown strategies ${unknown.join(', ')}; known: ${Object.keys(STRATEGIES).join(', ')}`);
    } else if (a === '--hidden') opts.hidden = int(a, value());
    else if (a === '--layers') opts.layers = int(a, value());
    else if (a === '--batch') opts.batch = int(a, value());
    else if (a === '--length') opts.length = int(a, value());
    else if (a === '--steps') opts.steps = int(a, value());
    else if (a === '--checkpointing') opts.checkpointing = true;
    else if (a === '--child') opts.child = value();
    else if (a === '--model') opts.model = value();
    else return false;
    return true;
  });
  return opts;
}

/** austen-bert-mini's config at the given size, fresh masked-LM weights and its tokenizer, in a new folder. */
async function modelFolder(opts: Options): Promise<string> {
  const dir = mkdtempSync(join(tmpdir(), 'tuneql-run-memory-'));
  const config = JSON.parse(readFileSync(join(AUSTEN_MODEL, 'config.json'), 'utf8'));
  Object.assign(config, {
    hidden_size: opts.hidden,
    num_hidden_layers: opts.layers,
    num_attention_heads: Math.max(1, opts.hidden / 64),
    intermediate_size: 4 * opts.hidden,
    max_position_embeddings: Math.max(opts.length, 128),
  });
  const model = instantiate(config, { task: 'masked-lm', seed: 1 });
  const tensors = Object.fromEntries(model.params.names.map((n) => [n, model.params.get(n)]));
  await saveCheckpoint(dir, config, tensors);
  copyFileSync(join(AUSTEN_MODEL, 'tokenizer.json'), join(dir, 'tokenizer.json'));
  return dir;
}

async function child(opts: Options, strategy: string, model: string): Promise<Line> {
  const slice = austenSlice();
  const spec = parseRunSpec({
    model,
    task: 'sequence-classification',
    data: { train: slice.train, validation: slice.validation, columns: { text: 'text', label: 'label' }, max_length: opts.length },
    strategy: { id: strategy, config: STRATEGIES[strategy] },
    training: {
      epochs: 1,
      max_steps: opts.steps,
      batch_size: opts.batch,
      learning_rate: 1e-3,
      max_buckets: 1,
      gradient_checkpointing: opts.checkpointing,
    },
    seed: 7,
  });
  const registry = createRegistry();
  if (strategy === 'ia3') await registry.load(IA3);
  const estimate = await preflight(spec, { registry });
  const outcome = await executeRun(spec, { outDir: mkdtempSync(join(tmpdir(), 'tuneql-run-memory-out-')), registry });
  const mib = (b: number) => Math.round(b / 2 ** 20);
  return {
    strategy,
    checkpointing: opts.checkpointing,
    status: outcome.status,
    trainable: outcome.trainableParameters,
    peak_mib: mib(outcome.peakMemoryBytes),
    estimate_mib: mib(estimate.memoryBytes),
    ratio: Math.round((100 * estimate.memoryBytes) / outcome.peakMemoryBytes) / 100,
    process_peak_mib: mib(process.resourceUsage().maxRSS * 1024),
    ...Object.fromEntries(Object.entries(estimate.memory).map(([k, v]) => [`est_${k}`, mib(v)])),
  };
}

async function main(): Promise<void> {
  const argv = process.argv.slice(2);
  const opts = parseArgs(argv);
  if (opts.child) {
    console.log(JSON.stringify(await child(opts, opts.child, opts.model as string)));
    return;
  }
  const self = fileURLToPath(import.meta.url);
  const model = await modelFolder(opts);
  const lines: Line[] = [];
  for (const strategy of opts.strategies) {
    if (strategy === 'ia3' && !existsSync(IA3)) continue;
    const out = execFileSync(
      process.execPath,
      ['--expose-gc', self, ...argv.filter((a) => a !== '--json'), '--child', strategy, '--model', model],
      {
        encoding: 'utf8',
        stdio: ['ignore', 'pipe', 'inherit'],
      },
    );
    const line = JSON.parse(out.trim().split('\n').at(-1) as string) as Line;
    lines.push(line);
    if (opts.json) console.log(JSON.stringify(line));
  }
  if (!opts.json) printTable(lines);
}

await main();
