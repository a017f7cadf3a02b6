// Exported model folders load as written in transformers.js (@huggingface/transformers): the tokenizer
// from tokenizer.json with its derived tokenizer_config.json, the model from onnx/model.onnx, and the
// same tokens, probabilities and logits as TuneQL's own predictor and tokenizer.

import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { cp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { basename, dirname, join } from 'node:path';
import { AutoModelForCausalLM, AutoModelForSequenceClassification, AutoTokenizer, env, pipeline } from '@huggingface/transformers';
import { loadPretrained, readChatTemplate, renderChat, Tokenizer } from '@tuneql/engine';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { EXAMPLE_TEXTS, MODELS_DIR as MODELS, NOVELS, writeExampleExports } from './example-exports.ts';
import { writeModelFolder } from './model-folder.ts';
import { Predictor } from './predictor.ts';
import { SPECIAL_TOKENS_FILE, TOKENIZER_CONFIG_FILE } from './tokenizer-config.ts';

const TEXTS = EXAMPLE_TEXTS;

/** transformers.js reads folders under its localModelPath by name, and never from the network here. */
function localModel(dir: string): string {
  env.allowRemoteModels = false;
  env.localModelPath = `${dirname(dir)}/`;
  return basename(dir);
}

describe('an exported folder in transformers.js', () => {
  const root = mkdtempSync(join(tmpdir(), 'tuneql-transformers-js-'));
  let classifier = '';
  let lm = '';

  beforeAll(async () => {
    ({ classifier = '', lm = '' } = await writeExampleExports(root, ['classifier', 'lm']));
  }, 60_000);

  afterAll(() => rm(root, { recursive: true, force: true }));

  it('derives tokenizer_config.json and special_tokens_map.json from tokenizer.json', () => {
    const config = JSON.parse(readFileSync(join(classifier, TOKENIZER_CONFIG_FILE), 'utf8'));
    expect(config).toMatchObject({ tokenizer_class: 'BertTokenizer', do_lower_case: true, cls_token: '[CLS]', mask_token: '[MASK]' });
    expect(JSON.parse(readFileSync(join(classifier, SPECIAL_TOKENS_FILE), 'utf8'))).toEqual({
      cls_token: '[CLS]',
      sep_token: '[SEP]',
      pad_token: '[PAD]',
      unk_token: '[UNK]',
      mask_token: '[MASK]',
    });
    expect(JSON.parse(readFileSync(join(lm, TOKENIZER_CONFIG_FILE), 'utf8'))).toMatchObject({
      tokenizer_class: 'GPT2Tokenizer',
      eos_token: '<|endoftext|>',
    });
  });

  it('classifies with the same tokens and probabilities as the predictor (to 1e-5)', async () => {
    const id = localModel(classifier);
    const tokenizer = await AutoTokenizer.from_pretrained(id);
    const model = await AutoModelForSequenceClassification.from_pretrained(id, { dtype: 'fp32' });
    const ours = Tokenizer.fromFile(join(classifier, 'tokenizer.json'));
    const predictor = await Predictor.open(classifier, { threads: 1 });
    try {
      for (const text of TEXTS) {
        const inputs = await tokenizer(text);
        expect((inputs.input_ids.tolist() as bigint[][])[0]?.map(Number)).toEqual(ours.encode(text).ids);
        const logits = Array.from((await model(inputs)).logits.data as Float32Array);
        const max = Math.max(...logits);
        const exp = logits.map((l) => Math.exp(l - max));
        const theirs = exp.map((e) => e / exp.reduce((a, b) => a + b, 0));
        const predicted = await predictor.predict({ text });
        for (const { label, score } of predicted.labels ?? []) expect(theirs[NOVELS.indexOf(label)]).toBeCloseTo(score, 5);
      }
      // The pipeline names labels from config.json's id2label, as the predictor does.
      const classify = await pipeline('text-classification', id, { dtype: 'fp32' });
      const [top] = (await classify(TEXTS[0] as string)) as { label: string; score: number }[];
      expect(top?.label).toBe((await predictor.predict({ text: TEXTS[0] as string })).labels?.[0]?.label);
    } finally {
      await predictor.close();
    }
  }, 60_000);

  it("renders a conversation with the causal LM's exported chat template as TuneQL does", async () => {
    const messages = [
      { role: 'user', content: 'Who says "Dear, dear Norland"?' },
      { role: 'assistant', content: 'Marianne.' },
      { role: 'user', content: 'In which novel?' },
    ];
    const tokenizer = await AutoTokenizer.from_pretrained(localModel(lm));
    const theirs = tokenizer.apply_chat_template(messages, { tokenize: false, add_generation_prompt: true });
    expect(theirs).toBe(renderChat(messages, { template: readChatTemplate(lm), addGenerationPrompt: true }));
  });

  it("runs a causal LM's forward pass on the same tokens", async () => {
    const id = localModel(lm);
    const tokenizer = await AutoTokenizer.from_pretrained(id);
    const model = await AutoModelForCausalLM.from_pretrained(id, { dtype: 'fp32' });
    const ours = Tokenizer.fromFile(join(lm, 'tokenizer.json'));
    const text = TEXTS[0] as string;
    const inputs = await tokenizer(text);
    const ids = (inputs.input_ids.tolist() as bigint[][])[0]?.map(Number);
    expect(ids).toEqual(ours.encode(text).ids);
    const logits = (await model(inputs)).logits;
    expect(logits.dims).toEqual([1, ids?.length, JSON.parse(readFileSync(join(lm, 'config.json'), 'utf8')).vocab_size]);
    expect(Array.from(logits.data as Float32Array).every(Number.isFinite)).toBe(true);
  }, 60_000);

  it("copies the base model's own tokenizer files when it has them", async () => {
    const base = join(root, 'base');
    await cp(join(MODELS, 'austen-bert-mini'), base, { recursive: true });
    const own = { tokenizer_class: 'BertTokenizer', do_lower_case: true, model_max_length: 96, custom: 'kept' };
    writeFileSync(join(base, TOKENIZER_CONFIG_FILE), JSON.stringify(own));
    const out = join(root, 'from-base');
    const bert = await loadPretrained(base, { task: 'sequence-classification', numLabels: 2, seed: 1 });
    await writeModelFolder(out, bert, {
      tokenizerFile: join(base, 'tokenizer.json'),
      card: { task: 'sequence-classification', max_length: 96 },
      weights: false,
    });
    expect(JSON.parse(readFileSync(join(out, TOKENIZER_CONFIG_FILE), 'utf8'))).toEqual(own);
    expect(JSON.parse(readFileSync(join(out, SPECIAL_TOKENS_FILE), 'utf8'))).toMatchObject({ cls_token: '[CLS]' });
  }, 60_000);
});
