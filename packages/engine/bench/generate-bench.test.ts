// The generation benchmark runs end to end at 4 new tokens and prints its JSON lines with real figures.

import { execFileSync } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { expect, it } from 'vitest';

it('prints cached and uncached generation figures for GPT-2 and Llama shapes', () => {
  const script = fileURLToPath(new URL('./generate.bench.ts', import.meta.url));
  const out = execFileSync(process.execPath, [script, '--', '--json', '--tokens', '4', '--threads', '1'], { encoding: 'utf8' });
  const lines = out
    .trim()
    .split('\n')
    .map((l) => JSON.parse(l));
  expect(lines.map((l) => [l.model, l.cache])).toEqual([
    ['gpt2', false],
    ['gpt2', true],
    ['llama', false],
    ['llama', true],
  ]);
  for (const l of lines) {
    expect(l.bench).toBe('generate');
    expect(l.new_tokens).toBe(4);
    expect(l.tokens_per_s).toBeGreaterThan(0);
    expect(l.first_token_ms).toBeGreaterThan(0);
  }
  for (const l of lines.filter((x) => x.cache)) {
    expect(l.same_tokens).toBe(true);
    expect(l.speedup).toBeGreaterThan(0);
  }
}, 60_000);
