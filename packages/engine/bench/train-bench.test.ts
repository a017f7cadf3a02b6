// The training benchmark's GPU-issue options run end to end at toy sizes on the CPU: a Llama-shaped LoRA
// step and a BERT-base-shaped full step print their JSON lines with real figures; refused options say why.

import { execFileSync, spawnSync } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { expect, it } from 'vitest';

const script = fileURLToPath(new URL('./train.bench.ts', import.meta.url));
const bench = (...args: string[]) =>
  execFileSync(process.execPath, [script, '--json', '--tiny', '--steps', '2', '--warmup', '1', '--threads', '1', ...args], {
    encoding: 'utf8',
  })
    .trim()
    .split('\n')
    .map((l) => JSON.parse(l));

it('trains a tiny Llama with LoRA and a tiny BERT-base in full, each printing its figures', () => {
  for (const [model, strategy] of [
    ['llama-1b', 'lora'],
    ['bert-base', 'full'],
  ] as const) {
    const [line] = bench('--model', model, '--strategy', strategy);
    expect(line).toMatchObject({ impl: 'tuneql', mode: strategy, model, precision: 'fp32' });
    expect(line.tokens_per_s).toBeGreaterThan(0);
    expect(line.step_s).toBeCloseTo((2 * 32) / line.tokens_per_s, 2); // batch 2 x 32 at --tiny
    expect(Number.isFinite(line.loss_first) && line.loss_last < line.loss_first).toBe(true);
  }
}, 60_000);

it('refuses a precision the cpu provider cannot run, with its code', () => {
  for (const precision of ['fp16', 'bf16']) {
    const r = spawnSync(process.execPath, [script, '--tiny', '--precision', precision, '--steps', '1', '--warmup', '0'], {
      encoding: 'utf8',
    });
    expect(r.status).not.toBe(0);
    expect(r.stderr).toContain('PRECISION_UNSUPPORTED');
  }
}, 30_000);
