// The preflight dataset cache: one load per key, the most recently used kept, failures not kept; the key changes
// with whatever changes the tokenized data.

import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { PackedDataset } from '@tuneql/engine';
import { expect, it } from 'vitest';
import { DatasetCache, runDataKey } from './prepare-run.ts';
import type { RunSpec } from './run-spec.ts';

const fake = (n: number) => ({ train: { count: n } }) as unknown as PackedDataset;

it('loads a key once and keeps the most recently used entries', async () => {
  const cache = new DatasetCache(2);
  let loads = 0;
  const load = (n: number) => () => {
    loads++;
    return Promise.resolve(fake(n));
  };
  expect((await cache.get('a', load(1))).train.count).toBe(1);
  expect((await cache.get('a', load(99))).train.count).toBe(1);
  expect(loads).toBe(1);
  await cache.get('b', load(2));
  await cache.get('a', load(99)); // a is now the most recent
  await cache.get('c', load(3)); // evicts b
  expect(loads).toBe(3);
  expect((await cache.get('a', load(99))).train.count).toBe(1);
  expect((await cache.get('b', load(4))).train.count).toBe(4);
  expect(loads).toBe(4);
});

it('does not keep a load that failed', async () => {
  const cache = new DatasetCache();
  await expect(cache.get('x', () => Promise.reject(new Error('bad row')))).rejects.toThrow('bad row');
  await new Promise((r) => setTimeout(r, 0));
  expect((await cache.get('x', () => Promise.resolve(fake(5)))).train.count).toBe(5);
});

it("keys a run's data by its files, its tokenizer and the chat template beside it", () => {
  const dir = mkdtempSync(join(tmpdir(), 'tuneql-key-'));
  try {
    const tokenizer = join(dir, 'tokenizer.json');
    const data = join(dir, 'chat.jsonl');
    writeFileSync(tokenizer, '{}');
    writeFileSync(join(dir, 'tokenizer_config.json'), JSON.stringify({ chat_template: '{{ messages }}' }));
    writeFileSync(data, '{"messages": []}\n');
    const spec = { data: { file: data, max_length: 64 }, task: 'causal-lm', seed: 1 } as unknown as RunSpec;
    const first = runDataKey(spec, tokenizer);
    expect(runDataKey(spec, tokenizer)).toBe(first);
    writeFileSync(join(dir, 'tokenizer_config.json'), JSON.stringify({ chat_template: '{{ messages | length }}' }));
    const retemplated = runDataKey(spec, tokenizer);
    expect(retemplated).not.toBe(first);
    writeFileSync(data, '{"messages": []}\n{"messages": []}\n');
    expect(runDataKey(spec, tokenizer)).not.toBe(retemplated);
    expect(runDataKey({ ...spec, seed: 2 }, tokenizer)).not.toBe(runDataKey(spec, tokenizer));
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});
