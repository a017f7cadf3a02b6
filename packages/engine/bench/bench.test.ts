// The benchmark script runs and prints one parseable JSON object per line with real figures.

import { execFileSync } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { expect, it } from 'vitest';

it('prints gemm and mlp-step figures as JSON lines', () => {
  const script = fileURLToPath(new URL('./engine.bench.ts', import.meta.url));
  const out = execFileSync(process.execPath, [script, '--quick', '--json', '--threads', '1'], { encoding: 'utf8' });
  const lines = out
    .trim()
    .split('\n')
    .map((l) => JSON.parse(l));
  const gemm = lines.find((l) => l.bench === 'gemm');
  const step = lines.find((l) => l.bench === 'mlp-step');
  expect(gemm.gflops).toBeGreaterThan(0);
  expect(step.gflops).toBeGreaterThan(0);
  expect(step.fraction_of_gemm).toBeCloseTo(step.gflops / gemm.gflops, 2);
}, 120_000);
