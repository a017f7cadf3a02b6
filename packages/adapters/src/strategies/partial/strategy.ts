// Partial fine-tuning: freeze lower layers, train the top k or the head, or unfreeze from the top epoch by epoch.

import { TASKS } from '@tuneql/engine';
import { StrategyError } from '../../contract/errors.ts';
import { defineStrategy } from '../../contract/strategy.ts';
import { exportWholeModel, readWholeModel } from '../../modules/hf-model.ts';
import { plainCopy, reportOf } from '../../modules/model.ts';
import { PARTIAL_DEFAULTS, type PartialConfig, partialConfigSchema } from './config.ts';
import { type LayerGroups, layerGroups } from './layer.ts';

/** The groups that train, top first: the order gradual unfreezing follows. */
export function trainedGroups(groups: LayerGroups, config: PartialConfig): string[][] {
  const n = groups.layers.length;
  const fail = (path: string, value: number) => {
    throw new StrategyError('STRATEGY_CONFIG_INVALID', `strategy 'partial': config.${path} is ${value} but the model has ${n} layers`, {
      plugin: 'partial',
      path,
    });
  };
  if (config.freezeLayers > n) fail('freezeLayers', config.freezeLayers);
  if (config.trainLayers !== undefined && config.trainLayers > n) fail('trainLayers', config.trainLayers);
  const lowest = config.headOnly ? n : config.trainLayers !== undefined ? n - config.trainLayers : config.freezeLayers;
  const out = [groups.top];
  for (let i = n - 1; i >= lowest; i--) out.push(groups.layers[i] as string[]);
  const embeddingsTrain = !config.freezeEmbeddings && !config.headOnly && config.trainLayers === undefined && lowest === 0;
  if (embeddingsTrain) out.push(groups.embeddings);
  return out.filter((g) => g.length > 0);
}

export const partial = defineStrategy({
  id: 'partial',
  version: '0.1.0',
  host: '^0.1.0',
  description:
    'Partial fine-tuning: freeze the embeddings and the lower layers, or train only the top layers or the head; gradual unfreezing from the top.',
  configSchema: partialConfigSchema,
  defaults: PARTIAL_DEFAULTS,
  tasks: TASKS,
  architectures: ['*'],
  inject({ model, config }) {
    const groups = trainedGroups(layerGroups(model), config);
    const trained = new Set(groups.flat());
    if (!trained.size) {
      throw new StrategyError(
        'STRATEGY_CONFIG_INVALID',
        `strategy 'partial': this ${model.task} model has no head of its own, so headOnly trains nothing; train some layers instead`,
        { plugin: 'partial', path: 'headOnly' },
      );
    }
    model.params.setTrainable((n) => trained.has(n));
    return reportOf(model, [], { details: { groups: groups.length, unfreezeEvery: config.unfreezeEvery ?? null } });
  },
  schedule({ model, config }) {
    const every = config.unfreezeEvery;
    if (every === undefined) return undefined;
    const groups = trainedGroups(layerGroups(model), config);
    return (epoch) => new Set(groups.slice(0, 1 + Math.floor(epoch / every)).flat());
  },
  merge({ model }) {
    return plainCopy(model, () => true);
  },
  async export({ model }, dir) {
    return { format: 'hf-model', files: await exportWholeModel(model, dir) };
  },
  async load({ dir, model }) {
    return { config: {}, tensors: await readWholeModel(dir, (n) => model.params.has(n), 'partial') };
  },
});
