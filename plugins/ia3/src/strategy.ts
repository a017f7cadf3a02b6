// (IA)^3 (Liu et al., 2022), written as any third-party strategy is, against @tuneql/adapters alone.

import {
  basePrefix,
  carriesPrefix,
  declareParameters,
  defineStrategy,
  describeTarget,
  inModules,
  type LinearModule,
  linearModules,
  matchesTarget,
  type PretrainedModel,
  plainCopy,
  readAdapterFiles,
  reportOf,
  type StoredTensor,
  StrategyError,
  savedModules,
  TASKS,
  writeAdapterFiles,
} from '@tuneql/adapters';
import { DEFAULT_MODULES, IA3_DEFAULTS, type Ia3Config, ia3ConfigSchema } from './config.ts';
import { foldIa3, ia3Linear } from './layer.ts';

export const FORMAT = 'tuneql-ia3';

interface Targets {
  modules: LinearModule[];
  /** Paths scaled at their input. */
  feedforward: Set<string>;
  saved: string[];
}

function targetsOf(model: PretrainedModel, config: Ia3Config): Targets {
  const defaults = DEFAULT_MODULES[model.arch.modelType];
  const target = config.targetModules ?? defaults?.targets;
  const ff = config.feedforwardModules ?? (config.targetModules ? [] : defaults?.feedforward);
  if (!target || !ff) {
    throw new StrategyError(
      'STRATEGY_CONFIG_INVALID',
      `strategy 'ia3': no default target modules for ${model.arch.modelType}; set targetModules`,
      {
        plugin: 'ia3',
        path: 'targetModules',
      },
    );
  }
  const saved = savedModules(model, config.modulesToSave, 'ia3');
  const base = basePrefix(model);
  const inSaved = (path: string) => saved.some((m) => path === m || path.startsWith(`${m}.`));
  const modules = linearModules(model).filter((l) => !inSaved(l.path) && matchesTarget(target, l.path, `${l.path}.`.startsWith(base)));
  if (!modules.length) {
    throw new StrategyError(
      'STRATEGY_CONFIG_INVALID',
      `strategy 'ia3': targetModules ${describeTarget(target)} matches no linear layer of this model`,
      {
        plugin: 'ia3',
        path: 'targetModules',
      },
    );
  }
  const feedforward = new Set(modules.filter((l) => matchesTarget(ff, l.path, true)).map((l) => l.path));
  return { modules, feedforward, saved };
}

export const ia3 = defineStrategy({
  id: 'ia3',
  version: '0.1.0',
  host: '^0.1.0',
  description: '(IA)^3: learned vectors rescale keys, values and feed-forward activations; merges into the base weights.',
  configSchema: ia3ConfigSchema,
  defaults: IA3_DEFAULTS,
  tasks: TASKS,
  architectures: ['*'],
  parameterPrefix: 'ia3_',
  inject({ model, config }) {
    const { modules, feedforward, saved } = targetsOf(model, config);
    const paths = new Set(modules.map((m) => m.path));
    model.hooks = () => ({ linear: (site) => (paths.has(site.path) ? ia3Linear(site, feedforward.has(site.path)) : undefined) });
    const added = declareParameters(model);
    const fresh = new Set(added);
    model.params.setTrainable((n) => fresh.has(n) || inModules(n, saved));
    return reportOf(model, added, { modules: [...paths], details: { feedforward: [...feedforward], modulesToSave: saved } });
  },
  merge({ model, config }) {
    const { modules, feedforward } = targetsOf(model, config);
    const folded = new Map<string, Float32Array>();
    for (const m of modules) {
      const l = model.params.get(`${m.path}.ia3_l`).data;
      const bias = m.hasBias ? model.params.get(`${m.path}.bias`).data : undefined;
      const out = foldIa3(m, feedforward.has(m.path), l, model.params.get(`${m.path}.weight`).data, bias);
      folded.set(`${m.path}.weight`, out.weight);
      if (out.bias) folded.set(`${m.path}.bias`, out.bias);
    }
    return plainCopy(
      model,
      (n) => !carriesPrefix(n, 'ia3_'),
      (name, data) => folded.get(name) ?? data.slice(),
    );
  },
  async export({ model, config, baseModel }, dir) {
    const tensors = new Map<string, StoredTensor>();
    for (const name of model.params.trainableNames) {
      const p = model.params.get(name);
      tensors.set(name, { shape: p.shape, data: p.data });
    }
    const description = {
      format: FORMAT,
      strategy: 'ia3',
      version: '0.1.0',
      base_model_name_or_path: baseModel ?? null,
      task: model.task,
      config,
    };
    return { format: FORMAT, files: await writeAdapterFiles(dir, description, tensors) };
  },
  async load({ dir }) {
    const { config, tensors } = await readAdapterFiles(dir, 'ia3');
    if (config.format !== FORMAT) {
      throw new StrategyError('STRATEGY_ARTIFACT_INVALID', `${dir}: not an (IA)^3 adapter (format ${JSON.stringify(config.format)})`, {
        plugin: 'ia3',
        hook: 'load',
      });
    }
    return { config: config.config, tensors: new Map([...tensors].map(([n, t]) => [n, t.data])) };
  },
});
