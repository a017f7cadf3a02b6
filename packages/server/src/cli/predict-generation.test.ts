// `tuneql predict` on a causal LM with the generation flags: seeded sampling reproduces itself, --stop cuts
// the continuation, and a bad value is a usage error that names its flag.

import { spawnSync } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';

const MAIN = fileURLToPath(new URL('./main.ts', import.meta.url));
const AUSTEN = fileURLToPath(new URL('../../../../models/austen-gpt2-mini', import.meta.url));
const PROMPT = 'Emma Woodhouse, handsome, clever, and rich,';

function predict(...flags: string[]): { code: number | null; stdout: string; stderr: string } {
  const r = spawnSync(process.execPath, [MAIN, 'predict', AUSTEN, PROMPT, '--json', ...flags], { encoding: 'utf8' });
  return { code: r.status, stdout: r.stdout, stderr: r.stderr };
}

describe('tuneql predict generation flags', () => {
  it('samples reproducibly from --seed with --temperature, --top-k, --top-p and --repetition-penalty', () => {
    const flags = ['--max-new-tokens', '12', '--temperature', '1.2', '--top-k', '40', '--top-p', '0.95', '--repetition-penalty', '1.1'];
    const [a, b] = [predict(...flags, '--seed', '9'), predict(...flags, '--seed', '9')];
    expect(a.code, a.stderr).toBe(0);
    expect(b.stdout).toBe(a.stdout);
    const out = JSON.parse(a.stdout);
    expect(out.generation).toMatchObject({ finishReason: 'max-new-tokens', tokens: 12, seed: 9 });
    expect(out.generation.tokenIds).toHaveLength(12);
    expect(out.continuation.length).toBeGreaterThan(0);
  });

  it('cuts the continuation before a --stop string', () => {
    const r = predict('--max-new-tokens', '20', '--stop', 'the', '--stop', ',');
    expect(r.code, r.stderr).toBe(0);
    const out = JSON.parse(r.stdout);
    expect(out.generation.finishReason).toBe('stop');
    expect(out.continuation).not.toMatch(/the|,/);
    expect(out.generation.tokens).toBeLessThan(20);
  });

  it.each([
    [['--top-p', '1.5'], '--top-p must be in (0, 1] (1 turns it off), got 1.5'],
    [['--temperature=-1'], '--temperature must be a finite number >= 0 (0 is greedy), got -1'],
    [['--max-new-tokens', 'ten'], "--max-new-tokens needs a number, got 'ten'"],
  ])('refuses %s', (flags, message) => {
    const r = predict(...flags);
    expect(r.code).toBe(2);
    expect(r.stderr).toContain(`tuneql: ${message}\n`);
  });
});
