// Full fine-tuning: every parameter trains; merge is a copy and the export is the Hugging Face folder.

import { TASKS } from '@tuneql/engine';
import { defineStrategy } from '../../contract/strategy.ts';
import { exportWholeModel, readWholeModel } from '../../modules/hf-model.ts';
import { plainCopy, reportOf } from '../../modules/model.ts';
import { FULL_DEFAULTS, fullConfigSchema } from './config.ts';

export const full = defineStrategy({
  id: 'full',
  version: '0.1.0',
  host: '^0.1.0',
  description: 'Full fine-tuning: every parameter of the model trains.',
  configSchema: fullConfigSchema,
  defaults: FULL_DEFAULTS,
  tasks: TASKS,
  architectures: ['*'],
  inject({ model }) {
    model.params.setTrainable(() => true);
    return reportOf(model, []);
  },
  merge({ model }) {
    return plainCopy(model, () => true);
  },
  async export({ model }, dir) {
    return { format: 'hf-model', files: await exportWholeModel(model, dir) };
  },
  async load({ dir, model }) {
    return { config: {}, tensors: await readWholeModel(dir, (n) => model.params.has(n), 'full') };
  },
});
