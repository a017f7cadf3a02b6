// The preflight dataset cache: one load per key, the most recently used kept, failures not kept.

import type { PackedDataset } from '@tuneql/engine';
import { expect, it } from 'vitest';
import { DatasetCache } from './prepare-run.ts';

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
