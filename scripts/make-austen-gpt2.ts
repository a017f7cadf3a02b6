// Builds the project's small GPT-style checkpoint, models/austen-gpt2-mini: a GPT-2 with a 2,000-token
// byte-level BPE (trained on the same corpus), trained briefly as a causal language model on the
// pre-training half of Jane Austen's paragraphs with TuneQL's engine. It serves tests and demos of
// the decoder path (causal LM, last-token classification, ONNX export); it is not a good writer.
//
//   node scripts/make-austen-gpt2.ts [--corpus data/austen-paragraphs.jsonl] [--epochs 1]

import { copyFileSync, mkdirSync } from 'node:fs';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import { instantiate, Tokenizer, train } from '../packages/engine/src/index.ts';
import { austenSplit, DEFAULT_CORPUS, languageModelData, printProgress, ROOT, SEED, saveModel } from './austen-corpus.ts';

const { values } = parseArgs({
  options: {
    corpus: { type: 'string', default: DEFAULT_CORPUS },
    epochs: { type: 'string', default: '1' },
    threads: { type: 'string' },
    out: { type: 'string', default: join(ROOT, 'models/austen-gpt2-mini') },
  },
});

const MAX_LENGTH = 128;
const { pretraining } = austenSplit(values.corpus);

mkdirSync(values.out, { recursive: true });
const tokenizerFile = join(values.out, 'tokenizer.json');
copyFileSync(join(ROOT, 'packages/engine/fixtures/tokenizers/gpt2-bpe.json'), tokenizerFile);
const tokenizer = Tokenizer.fromFile(tokenizerFile);
const eos = tokenizer.tokenToId('<|endoftext|>') as number;

const data = await languageModelData(pretraining, 'causal-lm', tokenizer, MAX_LENGTH);

const config = {
  model_type: 'gpt2',
  architectures: ['GPT2LMHeadModel'],
  vocab_size: tokenizer.vocabSize,
  n_positions: MAX_LENGTH,
  n_embd: 128,
  n_layer: 2,
  n_head: 4,
  activation_function: 'gelu_new',
  resid_pdrop: 0.1,
  embd_pdrop: 0.1,
  attn_pdrop: 0.1,
  layer_norm_epsilon: 1e-5,
  initializer_range: 0.02,
  bos_token_id: eos,
  eos_token_id: eos,
  pad_token_id: eos,
};
const model = instantiate(config, { task: 'causal-lm', seed: SEED });
const started = Date.now();
const result = await train({
  model,
  data,
  config: {
    epochs: Number(values.epochs),
    batchSize: 32,
    learningRate: 2e-3,
    warmupRatio: 0.05,
    seed: SEED,
    evalEvery: 100,
    threads: values.threads ? Number(values.threads) : undefined,
  },
  onEvent: printProgress,
});
const minutes = await saveModel(
  values.out,
  model,
  started,
  (minutes) =>
    `# austen-gpt2-mini

A small GPT-2 (${model.params.count()} parameters: 2 layers, n_embd 128, 4 heads, 128 positions, tied
embeddings) with a 2,000-token byte-level BPE trained on the same corpus, trained by TuneQL as a causal
language model on 80% of the paragraphs of Jane Austen's novels (public domain).

Made by \`node scripts/make-austen-gpt2.ts --epochs ${values.epochs}\` in ${minutes} minutes on a 2-core CPU:
${result.steps} steps of batch 32, AdamW lr 2e-3 with warm-up and linear decay.
Validation perplexity: ${result.validation?.perplexity?.toFixed(1)}.
`,
);
console.log(`saved ${values.out}: ${result.status} after ${result.steps} steps in ${minutes} min`);
