// Bottleneck adapters (Houlsby et al., 2019; Pfeiffer et al., 2020) after the feed-forward and attention blocks.

import { existsSync } from 'node:fs';
import { copyFile, mkdir } from 'node:fs/promises';
import { join } from 'node:path';
import { declareParameters, TASKS } from '@tuneql/engine';
import { StrategyError } from '../../contract/errors.ts';
import { carriesPrefix } from '../../contract/host.ts';
import { defineStrategy } from '../../contract/strategy.ts';
import { ADAPTER_CONFIG_NAME, readAdapterConfig, readAdapterFiles, type StoredTensor, writeAdapterFiles } from '../../modules/artifacts.ts';
import { exportWholeModel, readWholeModel } from '../../modules/hf-model.ts';
import { inModules, reportOf } from '../../modules/model.ts';
import { savedModules } from '../../modules/saved.ts';
import { adapterPoints } from '../../modules/sites.ts';
import { BOTTLENECK_DEFAULTS, bottleneckConfigSchema, nonLinearityOf } from './config.ts';
import { bottleneckAdapter } from './layer.ts';

export const ARTIFACT_FORMAT = 'tuneql-bottleneck';
/** 0.2.0: Pfeiffer adapters read the block's normalized residual sum, as AdapterHub's do (decision 10). */
export const BOTTLENECK_VERSION = '0.2.0';

/**
 * Refuses a Pfeiffer adapter written by bottleneck 0.1.0, whose adapters read the sublayer output: its
 * weights would compute other outputs under the current placement.
 */
function checkPlacement(description: Record<string, unknown>, file: string): void {
  const config = description.config as { variant?: string } | undefined;
  if (description.version === '0.1.0' && (config?.variant ?? 'pfeiffer') === 'pfeiffer') {
    throw new StrategyError(
      'STRATEGY_ARTIFACT_INVALID',
      `${file}: this Pfeiffer adapter was trained with bottleneck 0.1.0, whose adapters read the sublayer output; since ${BOTTLENECK_VERSION} they read the block's normalized residual sum (AdapterHub's placement), so these weights would give other outputs. Train it again`,
      { plugin: 'bottleneck', hook: 'load' },
    );
  }
}

/** A layer-norm parameter, by its module's name in the families TuneQL knows. */
function isLayerNorm(name: string): boolean {
  const module = name.split('.').slice(-2)[0] ?? '';
  return /norm/i.test(module) || /^ln_/.test(module);
}

export const bottleneck = defineStrategy({
  id: 'bottleneck',
  version: BOTTLENECK_VERSION,
  host: '^0.1.0',
  description:
    'Bottleneck adapters (Pfeiffer: after each feed-forward block; Houlsby: after attention too); only the adapters and the head train.',
  configSchema: bottleneckConfigSchema,
  defaults: BOTTLENECK_DEFAULTS,
  tasks: TASKS,
  architectures: ['*'],
  parameterPrefix: 'adapter_',
  inject({ model, config }) {
    const kinds = new Set(config.variant === 'houlsby' ? ['attention', 'ffn'] : ['ffn']);
    const sites = adapterPoints(model).filter((p) => kinds.has(p.kind));
    const points = sites.map((p) => p.path);
    const narrowest = Math.min(...sites.map((p) => p.hidden));
    if (config.reductionFactor > narrowest) {
      throw new StrategyError(
        'STRATEGY_CONFIG_INVALID',
        `strategy 'bottleneck': config.reductionFactor ${config.reductionFactor} is more than this model's hidden size ${narrowest}, so the bottleneck would be under one unit; set it to ${narrowest} or less`,
        { plugin: 'bottleneck', path: 'reductionFactor' },
      );
    }
    const nonLinearity = nonLinearityOf(config);
    model.hooks = () => ({ adapter: (site) => (kinds.has(site.kind) ? bottleneckAdapter(site, config, nonLinearity) : undefined) });
    const added = declareParameters(model);
    if (!added.length) {
      throw new StrategyError('STRATEGY_UNSUPPORTED', `strategy 'bottleneck': this ${model.arch.modelType} model has no adapter points`, {
        plugin: 'bottleneck',
      });
    }
    const saved = savedModules(model, config.modulesToSave, 'bottleneck');
    const fresh = new Set(added);
    model.params.setTrainable((n) => fresh.has(n) || inModules(n, saved) || (config.trainLayerNorms && isLayerNorm(n)));
    return reportOf(model, added, { modules: points, details: { variant: config.variant, nonLinearity, modulesToSave: saved } });
  },
  /**
   * Writes adapter/ (adapter_config.json and the trained tensors) and model/ (the whole model, the
   * adapter weights beside the base ones). Adapters add layers, so they do not merge: a plain
   * transformers model loading model/ would skip their weights and compute the base model's outputs.
   * Load either folder with TuneQL, by restoring 'bottleneck' onto the base model.
   */
  async export({ model, config, baseModel }, dir) {
    const description = {
      format: ARTIFACT_FORMAT,
      strategy: 'bottleneck',
      version: BOTTLENECK_VERSION,
      model_type: model.arch.modelType,
      task: model.task,
      base_model_name_or_path: baseModel ?? null,
      config,
      note: 'The adapters are extra layers: transformers cannot run them. Load with TuneQL (restore strategy "bottleneck" onto the base model).',
    };
    const tensors = new Map<string, StoredTensor>();
    for (const name of model.params.trainableNames) {
      const p = model.params.get(name);
      tensors.set(name, { shape: p.shape, data: p.data });
    }
    await mkdir(join(dir, 'adapter'), { recursive: true });
    const adapterFiles = await writeAdapterFiles(join(dir, 'adapter'), description, tensors);
    const modelFiles = await exportWholeModel(model, join(dir, 'model'));
    await copyFile(join(dir, 'adapter', ADAPTER_CONFIG_NAME), join(dir, 'model', ADAPTER_CONFIG_NAME));
    return {
      format: ARTIFACT_FORMAT,
      files: [...adapterFiles.map((f) => `adapter/${f}`), ...[...modelFiles, ADAPTER_CONFIG_NAME].map((f) => `model/${f}`)],
    };
  },
  async load({ dir, model }) {
    // The export folder, its adapter/ folder, or its model/ folder (whole model with the adapter config beside it).
    const folder = existsSync(join(dir, 'adapter', ADAPTER_CONFIG_NAME)) ? join(dir, 'adapter') : dir;
    if (existsSync(join(folder, 'model.safetensors'))) {
      const description = await readAdapterConfig(folder, 'bottleneck');
      checkPlacement(description, join(folder, ADAPTER_CONFIG_NAME));
      return {
        config: description.config,
        tensors: await readWholeModel(folder, (n) => model.params.has(n) || carriesPrefix(n, 'adapter_'), 'bottleneck'),
      };
    }
    const { config, tensors } = await readAdapterFiles(folder, 'bottleneck');
    if (config.format !== ARTIFACT_FORMAT) {
      throw new StrategyError(
        'STRATEGY_ARTIFACT_INVALID',
        `${folder}/${ADAPTER_CONFIG_NAME} is not a bottleneck adapter (format ${JSON.stringify(config.format)})`,
        {
          plugin: 'bottleneck',
          hook: 'load',
        },
      );
    }
    checkPlacement(config, join(folder, ADAPTER_CONFIG_NAME));
    return { config: config.config, tensors: new Map([...tensors].map(([n, t]) => [n, t.data])) };
  },
});
