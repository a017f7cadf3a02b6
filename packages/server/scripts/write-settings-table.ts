// `pnpm readme:settings`: writes README's table of trainer settings from the engine's TrainerSettingsSchema.

import { README_FILE, writeSettingsTable } from '../src/training/settings-table.ts';

writeSettingsTable();
process.stderr.write(`wrote the trainer settings table in ${README_FILE}\n`);
