// README's trainer settings table is the schema's: it fails when one changes without the other (`pnpm readme:settings`).

import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { README_FILE, settingsTable, withSettingsTable } from './settings-table.ts';

describe("README's trainer settings", () => {
  it('are the table the schema writes', () => {
    const readme = readFileSync(README_FILE, 'utf8');
    expect(readme, 'README.md drifted from TrainerSettingsSchema: run `pnpm readme:settings`').toBe(withSettingsTable(readme));
  });

  it('list every setting with its names, bounds and default', () => {
    const lines = settingsTable().split('\n');
    expect(lines).toContain(
      '| `batch_size` | `batchSize` | `per_device_train_batch_size` | integer in [1, 65536] | `16` | Examples per micro-batch. |',
    );
    expect(lines).toContain(
      '| `clip_grad_norm` | `clipGradNorm` | `max_grad_norm` | number > 0, or null | `1` | Global gradient-norm clipping; null turns it off. |',
    );
    expect(lines).toContain(
      '| `early_stopping.patience` | `earlyStopping.patience` |  | integer in [1, 10000] | required | Evaluations without improvement before the run stops. |',
    );
    expect(lines).toContain(
      '| `schedule` | `schedule` | `lr_scheduler_type` | `linear`, `cosine`, `constant` | `linear` | Learning-rate decay after warm-up. |',
    );
  });
});
