// Exported model folders load as written in transformers (PyTorch): fixtures/transformers/fixture.json
// records what transformers made of these exact folders (the same bytes: checked here by their
// hashes) with AutoTokenizer and the Auto* classes of each task head. Each folder's model.onnx, run
// here on the tokens transformers chose, gives the outputs transformers computed from
// config.json and model.safetensors, and the predictor the same labels and continuation.

import { createHash } from 'node:crypto';
import { mkdtempSync, readFileSync } from 'node:fs';
import { rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { type ChatMessage, readChatTemplate, renderChat, Tokenizer } from '@tuneql/engine';
import * as ort from 'onnxruntime-node';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { EXAMPLE_TEXTS, EXAMPLES, writeExampleExports } from './example-exports.ts';
import { ONNX_FILE } from './model-folder.ts';
import { Predictor } from './predictor.ts';

interface Case {
  text: string;
  pair?: string;
  input_ids: number[];
  token_type_ids?: number[];
  logits?: number[];
  start_logits?: number[];
  end_logits?: number[];
  top_ids?: number[];
  top_logits?: number[];
  continuation?: string;
}
interface Recorded {
  class: string;
  files: Record<string, string>;
  cases: Case[];
  pipeline_top?: string;
  /** The causal LM: a conversation as its exported chat template renders it (apply_chat_template) and its tokens. */
  chat?: { messages: ChatMessage[]; text: string; input_ids: number[] };
}

const FIXTURE = JSON.parse(readFileSync(join(import.meta.dirname, '../../fixtures/transformers/fixture.json'), 'utf8')) as {
  transformers: string;
  models: Record<string, Recorded>;
};
/** float32 forward passes in two runtimes, recorded to 6 decimals: seen within 7e-7 (absolute; logits are of order 1). */
const TOLERANCE = 1e-5;

async function runOnnx(dir: string, c: Case): Promise<Record<string, number[]>> {
  const session = await ort.InferenceSession.create(join(dir, ONNX_FILE), { intraOpNumThreads: 1 });
  try {
    const shape = [1, c.input_ids.length];
    const int64 = (xs: readonly number[]) => new ort.Tensor('int64', BigInt64Array.from(xs, BigInt), shape);
    const feeds: Record<string, ort.Tensor> = { input_ids: int64(c.input_ids), attention_mask: int64(c.input_ids.map(() => 1)) };
    if (session.inputNames.includes('token_type_ids')) feeds.token_type_ids = int64(c.token_type_ids ?? c.input_ids.map(() => 0));
    const out = await session.run(feeds);
    return Object.fromEntries(Object.entries(out).map(([k, t]) => [k, Array.from(t.data as Float32Array)]));
  } finally {
    await session.release();
  }
}

function expectClose(actual: readonly number[] | undefined, expected: readonly number[] | undefined): void {
  expect(actual?.length).toBe(expected?.length);
  const worst = Math.max(...(expected ?? []).map((e, i) => Math.abs(e - (actual?.[i] as number))));
  expect(worst).toBeLessThan(TOLERANCE);
}

describe(`an exported folder in transformers ${FIXTURE.transformers} (PyTorch)`, () => {
  const root = mkdtempSync(join(tmpdir(), 'tuneql-transformers-pt-'));
  let dirs: Record<string, string> = {};

  beforeAll(async () => {
    dirs = await writeExampleExports(root);
  }, 30_000);
  afterAll(() => rm(root, { recursive: true, force: true }));

  it('records every example head, each loaded by its own Auto class', () => {
    expect(Object.keys(FIXTURE.models).sort()).toEqual(Object.keys(EXAMPLES).sort());
    expect(FIXTURE.models.classifier?.class).toBe('BertForSequenceClassification');
    expect(FIXTURE.models.tagger?.class).toBe('BertForTokenClassification');
    expect(FIXTURE.models.reader?.class).toBe('BertForQuestionAnswering');
    expect(FIXTURE.models.lm?.class).toBe('GPT2LMHeadModel');
  });

  it.each(Object.keys(EXAMPLES))('%s: the files transformers loaded are the ones TuneQL writes', (name) => {
    const recorded = FIXTURE.models[name] as Recorded;
    for (const [file, sha] of Object.entries(recorded.files)) {
      const actual = createHash('sha256')
        .update(readFileSync(join(dirs[name] as string, file)))
        .digest('hex');
      expect(actual, `${name}/${file} changed: re-record fixtures/transformers/fixture.json (see make_fixture.py)`).toBe(sha);
    }
  });

  it.each(Object.keys(EXAMPLES))('%s: same tokens and outputs as transformers (to 1e-5)', async (name) => {
    const dir = dirs[name] as string;
    const tokenizer = Tokenizer.fromFile(join(dir, 'tokenizer.json'));
    for (const c of (FIXTURE.models[name] as Recorded).cases) {
      const [enc] = tokenizer.encodeBatch([c.pair === undefined ? c.text : [c.text, c.pair]]);
      expect(enc?.ids).toEqual(c.input_ids);
      if (c.token_type_ids) expect(enc?.typeIds).toEqual(c.token_type_ids);
      const out = await runOnnx(dir, c);
      if (c.logits) expectClose(out.logits, c.logits);
      if (c.start_logits) {
        expectClose(out.start_logits, c.start_logits);
        expectClose(out.end_logits, c.end_logits);
      }
      if (c.top_ids) {
        const logits = out.logits as number[];
        const last = logits.slice(logits.length - logits.length / c.input_ids.length);
        const top = [...last.keys()].sort((a, b) => (last[b] as number) - (last[a] as number)).slice(0, c.top_ids.length);
        expect(top).toEqual(c.top_ids);
        expectClose(
          top.map((i) => last[i] as number),
          c.top_logits,
        );
      }
    }
  });

  it("keeps the chat template: transformers' apply_chat_template renders a conversation as TuneQL does, to the same tokens", () => {
    const chat = FIXTURE.models.lm?.chat;
    expect(chat?.text).toContain('<|im_start|>assistant\n');
    const template = readChatTemplate(dirs.lm as string);
    const text = renderChat(chat?.messages ?? [], { template, addGenerationPrompt: true });
    expect(text).toBe(chat?.text);
    const tokenizer = Tokenizer.fromFile(join(dirs.lm as string, 'tokenizer.json'));
    expect(tokenizer.encode(text, undefined, { addSpecialTokens: false }).ids).toEqual(chat?.input_ids);
  });

  it("predicts transformers' label and greedy continuation", async () => {
    const classifier = await Predictor.open(dirs.classifier as string, { threads: 1 });
    const lm = await Predictor.open(dirs.lm as string, { threads: 1 });
    try {
      const predicted = await classifier.predict({ text: EXAMPLE_TEXTS[0] as string });
      expect(predicted.labels?.[0]?.label).toBe(FIXTURE.models.classifier?.pipeline_top);
      const [c] = FIXTURE.models.lm?.cases ?? [];
      expect((await lm.predict({ text: c?.text as string }, { maxNewTokens: 12 })).continuation).toBe(c?.continuation);
    } finally {
      await Promise.all([classifier.close(), lm.close()]);
    }
  }, 30_000);
});
