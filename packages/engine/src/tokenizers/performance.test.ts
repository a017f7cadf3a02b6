// Throughput sanity check: BERT over all of the Austen paragraphs should take seconds, not minutes.

import { readFileSync } from 'node:fs';
import { expect, it } from 'vitest';
import { Tokenizer } from './tokenizer.ts';

// The corpus ships with the repository (data/), so this runs on every machine.
const DATA = new URL('../../../../data/austen-paragraphs.jsonl', import.meta.url).pathname;

it('tokenizes the 9,440 Austen paragraphs with the BERT tokenizer in a few seconds', () => {
  const tok = Tokenizer.fromFile(new URL('../../fixtures/tokenizers/bert-uncased.json', import.meta.url).pathname);
  const texts = readFileSync(DATA, 'utf8')
    .split('\n')
    .filter((line) => line.trim() !== '')
    .map((line) => (JSON.parse(line) as { text: string }).text);
  const started = performance.now();
  let tokens = 0;
  for (const text of texts) tokens += tok.encode(text).ids.length;
  const seconds = (performance.now() - started) / 1000;
  console.log(`BERT: ${texts.length} paragraphs, ${tokens} tokens in ${seconds.toFixed(2)} s (${Math.round(tokens / seconds)} tokens/s)`);
  expect(texts.length).toBe(9440);
  // Generous for slow CI machines; on a workstation this takes about two seconds.
  expect(seconds).toBeLessThan(20);
});
