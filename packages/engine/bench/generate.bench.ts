// Benchmarks greedy generation with and without the key/value cache, on a GPT-2-shaped and a Llama-shaped model.
//
//   node bench/generate.bench.ts [--json] [--tokens N] [--prompt N] [--threads N] [--model gpt2|llama]
//
// Both models are randomly initialized (seed 0) at a size that runs on a laptop's CPU: 4 layers, hidden 256,
// vocabulary 8000, 512 positions; the Llama one with 8 query and 4 key/value heads. Each generates --tokens
// new tokens (default 256, no end-of-sequence token) after a prompt of --prompt ids (default 8), once with
// the cached export (exportDecoderWithPast: each step feeds one token and the keys and values of the past)
// and once with the plain forward export (each step runs the whole sequence again), after one short warm-up
// run each. tokens_per_s is new tokens over the whole generation's wall time; first_token_ms is the time to
// the first new token (the prompt's pass). The cached line also says how many times faster it was and
// whether both produced the same tokens.

import { exportDecoderWithPast } from '../src/export/decoder-export.ts';
import { exportInference } from '../src/export/onnx-export.ts';
import { CachedDecoder, type LanguageModel, UncachedDecoder } from '../src/generate/decoders.ts';
import { generate } from '../src/generate/generate.ts';
import { instantiate } from '../src/models/pretrained.ts';
import { walkArgs } from './args.ts';
import { type Line, printTable, round } from './report.ts';

const SHAPES: Record<string, Record<string, unknown>> = {
  gpt2: { model_type: 'gpt2', vocab_size: 8000, n_embd: 256, n_layer: 4, n_head: 4, n_positions: 512 },
  llama: {
    model_type: 'llama',
    vocab_size: 8000,
    hidden_size: 256,
    intermediate_size: 688,
    num_hidden_layers: 4,
    num_attention_heads: 8,
    num_key_value_heads: 4,
    max_position_embeddings: 512,
  },
};

interface Args {
  json: boolean;
  tokens: number;
  prompt: number;
  threads?: number;
  models: string[];
}

function parseArgs(argv: readonly string[]): Args {
  const args: Args = { json: false, tokens: 256, prompt: 8, models: Object.keys(SHAPES) };
  const count = (flag: string, v: string): number => {
    const n = Number(v);
    if (!Number.isInteger(n) || n < 1) throw new Error(`${flag} needs a whole number of at least 1, got '${v}'`);
    return n;
  };
  walkArgs(argv, '--json, --tokens N, --prompt N, --threads N, --model gpt2|llama', (flag, value) => {
    if (flag === '--json') args.json = true;
    else if (flag === '--tokens') args.tokens = count(flag, value());
    else if (flag === '--prompt') args.prompt = count(flag, value());
    else if (flag === '--threads') args.threads = count(flag, value());
    else if (flag === '--model') {
      const m = value();
      if (!SHAPES[m]) throw new Error(`--model must be one of ${Object.keys(SHAPES).join(', ')}, got '${m}'`);
      args.models = [m];
    } else return false;
    return true;
  });
  return args;
}

async function timed(lm: LanguageModel, prompt: number[], tokens: number): Promise<{ tokens: number[]; seconds: number; firstMs: number }> {
  await generate(lm, prompt, { maxNewTokens: 2 }); // warm-up: the session's first runs allocate
  const start = performance.now();
  const result = await generate(lm, prompt, { maxNewTokens: tokens });
  return { tokens: result.tokens, seconds: (performance.now() - start) / 1000, firstMs: result.firstTokenMs };
}

async function main(): Promise<void> {
  const args = parseArgs(process.argv.slice(2));
  const lines: Line[] = [];
  for (const name of args.models) {
    const config = SHAPES[name] as Record<string, unknown>;
    const model = instantiate(config, { task: 'causal-lm', seed: 0 });
    const prompt = Array.from({ length: args.prompt }, (_, i) => (i * 7919 + 11) % (config.vocab_size as number));
    const options = args.threads === undefined ? {} : { threads: args.threads };
    const runs: { cache: boolean; lm: LanguageModel }[] = [
      { cache: false, lm: await UncachedDecoder.open(exportInference(model), options) },
      { cache: true, lm: await CachedDecoder.open(exportDecoderWithPast(model), options) },
    ];
    let plain: { tokens: number[]; seconds: number } | undefined;
    for (const { cache, lm } of runs) {
      const r = await timed(lm, prompt, args.tokens);
      await lm.release();
      const line: Line = {
        bench: 'generate',
        model: name,
        cache,
        new_tokens: r.tokens.length,
        tokens_per_s: round(r.tokens.length / r.seconds, 1),
        first_token_ms: round(r.firstMs, 2),
      };
      if (cache && plain) {
        line.speedup = round(plain.seconds / r.seconds, 2);
        line.same_tokens = plain.tokens.join() === r.tokens.join();
      } else plain = r;
      lines.push(line);
      if (args.json) console.log(JSON.stringify(line));
    }
  }
  if (!args.json) printTable(lines);
}

await main();
