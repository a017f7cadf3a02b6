// The `tuneql train` file: a run's schema, paths relative to the file, and errors that name it.

import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { ConfigFileError, readTrainConfig } from './config.ts';

function file(text: string): string {
  const path = join(mkdtempSync(join(tmpdir(), 'tuneql-config-')), 'run.yaml');
  writeFileSync(path, text);
  return path;
}

describe('readTrainConfig', () => {
  it('reads a strategy and resolves paths against the file', async () => {
    const path = file(`model: ../models/m
task: sequence-classification
data: { file: data/all.jsonl, columns: { text: text, label: label } }
strategy: { id: lora, config: { r: 4 } }
`);
    const cfg = await readTrainConfig(path);
    expect(cfg.model).toBe(join(path, '../../models/m'));
    expect(cfg.data.file).toBe(join(path, '../data/all.jsonl'));
    expect(cfg.strategy).toEqual({ id: 'lora', config: { r: 4 } });
    expect(cfg.training.epochs).toBe(3);
  });

  it('names the file and the problem', async () => {
    const path = file('model: m\ntask: sequence-classification\ndata: { columns: {} }\n');
    await expect(readTrainConfig(path)).rejects.toThrow(
      new ConfigFileError(`${path}: data needs either 'file' (split for you) or 'train' (with optional 'validation' and 'test')`),
    );
    const bad = file('model: m\ntask: poetry\ndata: { file: a.csv, columns: {} }\nstrategy: { id: 7 }\n');
    await expect(readTrainConfig(bad)).rejects.toThrow(`${bad}: 2 problems:`);
  });
});
