// The training benchmark's GPU-issue options run end to end at toy sizes on the CPU: a Llama-shaped LoRA
// step and a BERT-base-shaped full step print their JSON lines with real figures; refused options say why.

import { execFileSync, spawnSync } from 'node:child_process';
import { chmodSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
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

it('alternates ours and PyTorch for --rounds and prints each ratio and their median', () => {
  // CI has no torch: a stand-in for the Python prints torch_train.py's line, 100, 200 then 300 tokens/s.
  const dir = mkdtempSync(join(tmpdir(), 'tuneql-fake-torch-'));
  try {
    const python = join(dir, 'python');
    writeFileSync(
      python,
      [
        '#!/bin/sh',
        '[ "$1" = "-c" ] && exit 0',
        `n=$(cat '${dir}/count' 2>/dev/null || echo 0); n=$((n + 1)); echo $n > '${dir}/count'`,
        'echo "{\\"impl\\":\\"torch\\",\\"mode\\":\\"full\\",\\"model\\":\\"bert-base\\",\\"precision\\":\\"fp32\\",\\"tokens_per_s\\":$((n * 100)),\\"step_s\\":1,\\"peak_rss_mb\\":1000}"',
      ].join('\n'),
    );
    chmodSync(python, 0o755);
    const lines = bench('--model', 'bert-base', '--torch', '--python', python, '--rounds', '3');
    const ours = lines.filter((l) => l.impl === 'tuneql');
    const torch = lines.filter((l) => l.impl === 'torch');
    expect(ours.map((l) => l.round)).toEqual([1, 2, 3]);
    expect(torch.map((l) => [l.round, l.tokens_per_s])).toEqual([
      [1, 100],
      [2, 200],
      [3, 300],
    ]);
    const perRound = lines.filter((l) => l.bench === 'train-ratio' && l.round !== undefined);
    perRound.forEach((r, i) => {
      expect(r.tokens_per_s_ratio).toBeCloseTo(ours[i].tokens_per_s / torch[i].tokens_per_s, 2);
    });
    const ratios = perRound.map((r) => r.tokens_per_s_ratio).sort((a, b) => a - b);
    const summary = lines.find((l) => l.bench === 'train-ratio' && l.rounds === 3);
    expect(summary).toMatchObject({
      against: 'torch-fp32',
      tokens_per_s_ratio: ratios[1],
      tokens_per_s_ratio_min: ratios[0],
      tokens_per_s_ratio_max: ratios[2],
      peak_rss_ratio: perRound[0]?.peak_rss_ratio, // the first round's: the high-water mark only grows
    });
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}, 60_000);
