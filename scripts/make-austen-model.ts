// Builds the project's demo base model, models/austen-bert-mini: a small BERT pre-trained with masked
// language modelling on Jane Austen's novels, entirely with TuneQL's engine. Also writes the
// held-out labelled paragraphs that the quick start fine-tunes on (examples/austen/novels.jsonl) and the
// general-text sample retention is measured on (retention.jsonl in the model folder).
//
//   node scripts/make-austen-model.ts [--corpus data/austen-paragraphs.jsonl] [--epochs 5] [--lr 1e-3] [--from DIR]
//
// --from DIR continues pre-training a checkpoint this script made (its weights and its vocabulary) on the
// same paragraphs instead of starting from random weights; the README keeps every stage's line.

import { existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import { instantiate, loadPretrained, RETENTION_TEXTS_FILE, Tokenizer, train } from '../packages/engine/src/index.ts';
import {
  austenSplit,
  DEFAULT_CORPUS,
  languageModelData,
  printProgress,
  ROOT,
  retentionParagraphs,
  SEED,
  saveModel,
} from './austen-corpus.ts';

const { values } = parseArgs({
  options: {
    corpus: { type: 'string', default: DEFAULT_CORPUS },
    epochs: { type: 'string', default: '5' },
    lr: { type: 'string', default: '1e-3' },
    threads: { type: 'string' },
    out: { type: 'string', default: join(ROOT, 'models/austen-bert-mini') },
    from: { type: 'string' },
  },
});

const MAX_LENGTH = 128;

const { pretraining, heldOut } = austenSplit(values.corpus);
const examplesDir = join(ROOT, 'examples/austen');
mkdirSync(examplesDir, { recursive: true });
writeFileSync(join(examplesDir, 'novels.jsonl'), heldOut.map((r) => `${JSON.stringify(r)}\n`).join(''));
const general = retentionParagraphs(pretraining);

interface TokenizerJson {
  model: { vocab: Record<string, number> };
  added_tokens: { id: number; content: string }[];
  post_processor: { special_tokens: Record<string, { tokens: string[]; ids: number[] }> };
  padding: { pad_id: number } | null;
}

/**
 * BERT's uncased WordPiece, cut down to the pieces this corpus uses (plus every single character),
 * so it segments Austen exactly as bert-base-uncased does with a third of the embedding table.
 */
function cutVocabulary(): TokenizerJson {
  const fullFile = join(ROOT, 'packages/engine/fixtures/tokenizers/bert-uncased.json');
  const full = Tokenizer.fromFile(fullFile);
  const used = new Set<number>();
  for (const r of pretraining) for (const id of full.encode(r.text).ids) used.add(id);
  const json = JSON.parse(readFileSync(fullFile, 'utf8')) as TokenizerJson;
  const oldVocab = Object.entries(json.model.vocab).sort((a, b) => a[1] - b[1]);
  const special = new Set(json.added_tokens.map((t) => t.content));
  const keep = oldVocab.filter(([tok, id]) => used.has(id) || special.has(tok) || /^(##)?.$/u.test(tok));
  const vocab = Object.fromEntries(keep.map(([tok], i) => [tok, i]));
  json.model.vocab = vocab;
  for (const t of json.added_tokens) t.id = vocab[t.content] as number;
  for (const t of Object.values(json.post_processor.special_tokens)) t.ids = t.tokens.map((tok) => vocab[tok] as number);
  if (json.padding) json.padding.pad_id = vocab['[PAD]'] as number;
  console.log(`vocabulary: ${keep.length} of ${oldVocab.length} WordPiece tokens`);
  return json;
}

// Continuing keeps the checkpoint's vocabulary: its embedding rows are indexed by it.
const json: TokenizerJson = values.from
  ? (JSON.parse(readFileSync(join(values.from, 'tokenizer.json'), 'utf8')) as TokenizerJson)
  : cutVocabulary();
const vocab = json.model.vocab;
const vocabSize = Object.keys(vocab).length;
mkdirSync(values.out, { recursive: true });
writeFileSync(join(values.out, RETENTION_TEXTS_FILE), general.map((r) => `${JSON.stringify({ text: r.text })}\n`).join(''));
console.log(`${general.length} pre-training validation paragraphs (never trained on) in ${RETENTION_TEXTS_FILE}, for retention`);
const tokenizerFile = join(values.out, 'tokenizer.json');
writeFileSync(tokenizerFile, JSON.stringify(json));
const tokenizer = Tokenizer.fromFile(tokenizerFile);

const data = await languageModelData(pretraining, 'masked-lm', tokenizer, MAX_LENGTH, 20);

const config = {
  model_type: 'bert',
  architectures: ['BertForMaskedLM'],
  vocab_size: vocabSize,
  hidden_size: 128,
  num_hidden_layers: 4,
  num_attention_heads: 4,
  intermediate_size: 512,
  hidden_act: 'gelu',
  hidden_dropout_prob: 0.1,
  attention_probs_dropout_prob: 0.1,
  max_position_embeddings: MAX_LENGTH,
  type_vocab_size: 2,
  initializer_range: 0.02,
  layer_norm_eps: 1e-12,
  pad_token_id: vocab['[PAD]'],
};
// The earlier stages' lines of the README, read before the new model overwrites it.
const previousReadme = values.from ? join(values.from, 'README.md') : undefined;
const stages = previousReadme && existsSync(previousReadme) ? madeBy(readFileSync(previousReadme, 'utf8')) : [];
const model = values.from
  ? await loadPretrained(values.from, { task: 'masked-lm' })
  : instantiate(config, { task: 'masked-lm', seed: SEED });
console.log(`model: ${model.params.count()} parameters`);
const started = Date.now();
const result = await train({
  model,
  data,
  config: {
    epochs: Number(values.epochs),
    batchSize: 32,
    learningRate: Number(values.lr),
    warmupRatio: 0.06,
    weightDecay: 0.01,
    clipGradNorm: 1,
    seed: SEED,
    mlmPredictions: 20,
    // Fresh masks every epoch: with masks fixed at tokenization the model memorizes them within a few epochs.
    mlmDynamicMasking: {
      maskTokenId: vocab['[MASK]'] as number,
      vocabSize,
      special: new Set(json.added_tokens.map((t) => t.id)),
    },
    evalEvery: 100,
    threads: values.threads ? Number(values.threads) : undefined,
  },
  onEvent: printProgress,
});
const command = `node scripts/make-austen-model.ts --epochs ${values.epochs} --lr ${values.lr}${values.from ? ` --from ${values.from}` : ''}`;
const minutes = await saveModel(values.out, model, started, (minutes) => {
  const stage =
    `- \`${command}\` (${values.from ? 'continued from the previous stage' : 'from random weights'}): ${minutes} minutes, ` +
    `${result.steps} steps of batch 32, AdamW lr ${values.lr} with 6% warm-up then linear decay; validation masked-LM ` +
    `loss ${result.validation?.loss?.toFixed(3)}, perplexity ${result.validation?.perplexity?.toFixed(1)}.`;
  return `# austen-bert-mini

A small BERT (${model.params.count()} parameters: 4 layers, hidden 128, 4 heads, intermediate 512,
${vocabSize}-token uncased WordPiece vocabulary cut from bert-base-uncased's to the pieces the corpus
uses) pre-trained by TuneQL with masked language modelling on 80% of the paragraphs of Jane Austen's
six novels (public domain). The other 20% are in examples/austen/novels.jsonl, never seen here. The
pre-training validation paragraphs (5% of the 80%, never trained on) are retention.jsonl, the general
text the retention check scores with \`retention: { texts: model }\`.

## How it was made

Each stage on a 2-core CPU (shared with other work, so the minutes are rough), sequences of <= ${MAX_LENGTH} tokens,
20 masked predictions per sequence (15% dynamic masking, drawn afresh every epoch, 80/10/10); validation is on
the 5% of the pre-training paragraphs kept out of training:

${[...stages, stage].join('\n')}

Load it with TuneQL (\`loadPretrained('models/austen-bert-mini', { task })\`) or with Hugging Face
transformers (\`BertForMaskedLM.from_pretrained\`).
`;
});
console.log(`saved ${values.out}: ${result.status} after ${result.steps} steps in ${minutes} min`);

/** The stage lines of a README this script wrote; the first version described its one stage in prose. */
function madeBy(readme: string): string[] {
  const listed = readme.split('\n').filter((l) => l.startsWith('- `node scripts/make-austen-model.ts'));
  if (listed.length) return listed;
  const flat = readme.replace(/\s+/g, ' ');
  const made =
    /Made by `([^`]+)` in ([\d.]+) minutes .*?: (\d+) steps .*?AdamW lr (\S+),.*?masked-LM loss ([\d.]+), perplexity (\d+(?:\.\d+)?)/.exec(
      flat,
    );
  if (!made) return [];
  const [, cmd, min, steps, lr, loss, ppl] = made;
  return [
    `- \`${cmd}\` (from random weights): ${min} minutes, ${steps} steps of batch 32, AdamW lr ${lr} with 6% warm-up then ` +
      `linear decay; validation masked-LM loss ${loss}, perplexity ${ppl}.`,
  ];
}
