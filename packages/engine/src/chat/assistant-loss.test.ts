// The causal-LM loss of a conversation counts the assistant's tokens and nothing else: the engine's loss on a real
// checkpoint equals a float64 cross-entropy over exactly those positions, computed here from the same logits.

import { writeFileSync } from 'node:fs';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { loadDataset } from '../data/dataset.ts';
import { loadPretrained, modelBuilder } from '../models/pretrained.ts';
import { Runtime } from '../runtime/runtime.ts';
import { compileInference } from '../step/compile.ts';
import { Tokenizer } from '../tokenizers/index.ts';
import { collate, IGNORE_INDEX } from '../train/batching.ts';

const MODEL = fileURLToPath(new URL('../../../../models/austen-gpt2-mini/', import.meta.url));

let dir: string;
let rt: Runtime;
beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), 'tuneql-chat-loss-'));
  rt = await Runtime.start({ provider: 'cpu', threads: 1 });
});
afterAll(async () => {
  await rt.close();
  await rm(dir, { recursive: true, force: true });
});

describe('assistant-only loss', () => {
  it('averages the cross-entropy over the assistant tokens alone, as a float64 reference from the logits does', async () => {
    const tokenizer = Tokenizer.fromFile(join(MODEL, 'tokenizer.json'));
    const path = join(dir, 'chat.jsonl');
    const rows = [
      [
        { role: 'user', content: 'Who is Emma?' },
        { role: 'assistant', content: 'Miss Woodhouse.' },
        { role: 'user', content: 'And Harriet?' },
        { role: 'assistant', content: 'Her friend.' },
      ],
      [
        { role: 'system', content: 'Answer with a name.' },
        { role: 'user', content: 'Who marries Elizabeth?' },
        { role: 'assistant', content: 'Mr. Darcy.' },
      ],
    ];
    writeFileSync(path, rows.map((messages) => JSON.stringify({ messages })).join('\n'));
    const data = await loadDataset({ files: { train: path }, task: 'causal-lm', tokenizer, maxLength: 128 });
    const examples = data.train;
    const length = Math.max(...examples.map((e) => e.inputIds.length));

    const model = await loadPretrained(MODEL, { task: 'causal-lm' });
    const program = compileInference({
      params: model.params,
      build: modelBuilder(model, { batch: examples.length, length, train: false, labels: true, outputs: true }),
    });
    const loaded = await rt.load(program, model.params);
    const feeds = collate(examples, [0, 1], { batchSize: 2, length, padTokenId: 0, tokenTypes: false, labels: 'tokens' });
    const r = await loaded.run(feeds);
    const logits = r.outputs.logits?.data as Float32Array;
    const vocab = logits.length / (examples.length * length);

    // Reference: position t - 1 predicts token t, wherever token t is the assistant's.
    let sum = 0;
    let counted = 0;
    const assistantTokens: number[] = [];
    examples.forEach((e, b) => {
      const labels = e.label as number[];
      assistantTokens.push(labels.filter((l) => l !== IGNORE_INDEX).length);
      for (let t = 1; t < e.inputIds.length; t++) {
        if (labels[t] === IGNORE_INDEX) continue;
        const row = logits.subarray((b * length + t - 1) * vocab, (b * length + t) * vocab);
        let max = Number.NEGATIVE_INFINITY;
        for (const v of row) max = Math.max(max, v);
        let z = 0;
        for (const v of row) z += Math.exp(v - max);
        sum += Math.log(z) + max - (row[e.inputIds[t] as number] as number);
        counted++;
      }
    });
    // The assistant tokens are the replies and their end-of-turn text, tokenized alone.
    const alone = (text: string) => tokenizer.encode(text, undefined, { addSpecialTokens: false }).ids.length;
    expect(assistantTokens).toEqual([
      alone('Miss Woodhouse.<|im_end|>\n') + alone('Her friend.<|im_end|>\n'),
      alone('Mr. Darcy.<|im_end|>\n'),
    ]);
    expect(counted).toBe(assistantTokens[0]! + assistantTokens[1]!);
    expect(r.loss).toBeCloseTo(sum / counted, 4);

    // Every token's loss differs: the mask is what makes the figure.
    let all = 0;
    let n = 0;
    examples.forEach((e, b) => {
      for (let t = 1; t < e.inputIds.length; t++) {
        const row = logits.subarray((b * length + t - 1) * vocab, (b * length + t) * vocab);
        let z = 0;
        for (const v of row) z += Math.exp(v);
        all += Math.log(z) - (row[e.inputIds[t] as number] as number);
        n++;
      }
    });
    expect(Math.abs(all / n - r.loss)).toBeGreaterThan(0.05);
  });
});
