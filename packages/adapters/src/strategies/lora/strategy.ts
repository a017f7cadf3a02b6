// LoRA (Hu et al., 2021) as PEFT implements it: inject, merge W += scale * B A, export in PEFT's format.

import { declareParameters, type PretrainedModel, TASKS, type Task } from '@tuneql/engine';
import { StrategyError } from '../../contract/errors.ts';
import { carriesPrefix } from '../../contract/host.ts';
import { defineStrategy } from '../../contract/strategy.ts';
import { readAdapterFiles, type StoredTensor, writeAdapterFiles } from '../../modules/artifacts.ts';
import { basePrefix, inModules, plainCopy, reportOf } from '../../modules/model.ts';
import { savedModules } from '../../modules/saved.ts';
import { type LinearModule, linearModules } from '../../modules/sites.ts';
import { describeTarget, matchesTarget } from '../../modules/targets.ts';
import { DEFAULT_TARGETS, LORA_DEFAULTS, type LoraConfig, loraConfigSchema, scaling } from './config.ts';
import { foldLora, loraLinear } from './layer.ts';
import { embeddingsOf, foldRows, PEFT_TOKENS_PARAMETER, TOKENS_PARAMETER, tokenRows, trainableRows } from './tokens.ts';

/** PEFT's key prefix for a PeftModel's wrapped model. */
export const PEFT_PREFIX = 'base_model.model.';

const PEFT_TASK: Readonly<Record<Task, string | null>> = {
  'sequence-classification': 'SEQ_CLS',
  regression: 'SEQ_CLS',
  'token-classification': 'TOKEN_CLS',
  'question-answering': 'QUESTION_ANS',
  'causal-lm': 'CAUSAL_LM',
  'masked-lm': null,
};

function invalid(message: string, path: string): StrategyError {
  return new StrategyError('STRATEGY_CONFIG_INVALID', `strategy 'lora': ${message}`, { plugin: 'lora', path });
}

/** The modules trained in full: the task head, new modules (a fresh pooler) and the config's. */
function savedOf(model: PretrainedModel, config: LoraConfig): string[] {
  return savedModules(model, config.modulesToSave, 'lora');
}

/** The linear layers the config targets, outside the fully trained modules. */
export function loraTargets(model: PretrainedModel, config: LoraConfig): LinearModule[] {
  const target = config.targetModules ?? DEFAULT_TARGETS[model.arch.modelType];
  if (!target) {
    throw invalid(`there are no default target modules for ${model.arch.modelType} models; set targetModules`, 'targetModules');
  }
  const saved = savedOf(model, config);
  const base = basePrefix(model);
  const linears = linearModules(model);
  const inSaved = (path: string) => saved.some((m) => path === m || path.startsWith(`${m}.`));
  const chosen = linears.filter((l) => !inSaved(l.path) && matchesTarget(target, l.path, `${l.path}.`.startsWith(base)));
  if (!chosen.length) {
    const names = [...new Set(linears.map((l) => l.path.split('.').slice(-1)[0]))].join(', ');
    throw invalid(
      `targetModules ${describeTarget(target)} matches no linear layer of this ${model.arch.modelType} model; its linear layers end in ${names} (e.g. ${linears[0]?.path})`,
      'targetModules',
    );
  }
  return chosen;
}

/** Which biases train besides those of the saved modules. */
function biasTrains(config: LoraConfig, targets: ReadonlySet<string>): (name: string) => boolean {
  return (name) => {
    if (!name.endsWith('.bias') || config.bias === 'none') return false;
    return config.bias === 'all' || targets.has(name.slice(0, -'.bias'.length));
  };
}

/** The trainable token rows the config asks for: the embeddings' name and module, the rows, and their parameter. */
function trainableTokens(
  model: PretrainedModel,
  config: LoraConfig,
): { embeddings: string; module: string; parameter: string; rows: number[] } | undefined {
  if (!config.trainableTokenIndices?.length) return undefined;
  const embeddings = embeddingsOf(model);
  const module = embeddings.slice(0, -'.weight'.length);
  return { embeddings, module, parameter: `${module}.${TOKENS_PARAMETER}`, rows: tokenRows(model, config.trainableTokenIndices) };
}

/** adapter_config.json's trainable_token_indices as a list: PEFT takes a list, or a dict of one embedding module's. */
function tokenIndicesOf(value: unknown): number[] | undefined {
  if (Array.isArray(value)) return value as number[];
  if (value && typeof value === 'object') return Object.values(value as Record<string, number[]>).flat();
  return undefined;
}

export const lora = defineStrategy({
  id: 'lora',
  version: '0.1.0',
  host: '^0.1.0',
  description: 'LoRA: trainable low-rank updates on chosen linear layers; merges into the base weights; exports in PEFT format.',
  configSchema: loraConfigSchema,
  defaults: LORA_DEFAULTS,
  tasks: TASKS,
  architectures: ['*'],
  parameterPrefix: 'lora_',
  inject({ model, config }) {
    const targets = loraTargets(model, config);
    const narrowest = targets.reduce((a, t) => (Math.min(t.inFeatures, t.outFeatures) < Math.min(a.inFeatures, a.outFeatures) ? t : a));
    const width = Math.min(narrowest.inFeatures, narrowest.outFeatures);
    if (config.r > width) {
      throw invalid(
        `config.r ${config.r} is more than the ${width} features of ${narrowest.path} (${narrowest.inFeatures} in, ${narrowest.outFeatures} out): B @ A cannot have a higher rank than that; set r to ${width} or less`,
        'r',
      );
    }
    const paths = new Set(targets.map((t) => t.path));
    const shape = { r: config.r, scale: scaling(config), dropout: config.dropout };
    const tokens = trainableTokens(model, config);
    model.hooks = (ctx) => ({
      linear: (site) => (paths.has(site.path) ? loraLinear(site, ctx, shape) : undefined),
      ...(tokens && { parameter: (site) => (site.name === tokens.embeddings ? trainableRows(site, tokens.rows) : undefined) }),
    });
    const added = declareParameters(model);
    const saved = savedOf(model, config);
    const fresh = new Set(added);
    const bias = biasTrains(config, paths);
    model.params.setTrainable((n) => fresh.has(n) || inModules(n, saved) || bias(n));
    return reportOf(model, added, {
      modules: [...paths],
      details: { r: config.r, alpha: config.alpha, scale: shape.scale, modulesToSave: saved, trainableTokens: tokens?.rows.length ?? 0 },
    });
  },
  merge({ model, config }) {
    const scale = scaling(config);
    const byPath = new Map(linearModules(model).map((l) => [l.path, l]));
    const tokens = trainableTokens(model, config);
    return plainCopy(
      model,
      (n) => !carriesPrefix(n, 'lora_'),
      (name, data) => {
        if (tokens && name === tokens.embeddings) return foldRows(data, model.params.get(tokens.parameter).data, tokens.rows);
        const path = name.slice(0, -'.weight'.length);
        if (!name.endsWith('.weight') || !model.params.has(`${path}.lora_A.weight`)) return data.slice();
        const site = byPath.get(path) as LinearModule;
        const a = model.params.get(`${path}.lora_A.weight`).data;
        const b = model.params.get(`${path}.lora_B.weight`).data;
        return foldLora(data, a, b, { r: config.r, ...site }, scale);
      },
    );
  },
  /** PEFT's adapter_config.json + adapter_model.safetensors: PeftModel.from_pretrained loads it onto the same base model. */
  async export({ model, config, baseModel }, dir) {
    const targets = loraTargets(model, config);
    const paths = new Set(targets.map((t) => t.path));
    const layouts = new Set(targets.map((t) => t.layout));
    if (layouts.size > 1) {
      throw invalid('PEFT cannot describe LoRA on both nn.Linear and Conv1D layers in one adapter; target one kind', 'targetModules');
    }
    const saved = savedOf(model, config);
    const bias = biasTrains(config, paths);
    const tensors = new Map<string, StoredTensor>();
    const put = (key: string, name: string) => {
      const p = model.params.get(name);
      tensors.set(PEFT_PREFIX + key, { shape: p.shape, data: p.data });
    };
    for (const path of paths) {
      put(`${path}.lora_A.weight`, `${path}.lora_A.weight`);
      put(`${path}.lora_B.weight`, `${path}.lora_B.weight`);
    }
    const tokens = trainableTokens(model, config);
    if (tokens) put(`${tokens.module}.${PEFT_TOKENS_PARAMETER}`, tokens.parameter);
    for (const name of model.params.names) {
      if (carriesPrefix(name, 'lora_')) continue;
      if (inModules(name, saved)) put(name, name);
      else if (bias(name)) {
        // PEFT keeps an adapted layer's own weights under base_layer.
        const module = name.slice(0, -'.bias'.length);
        put(paths.has(module) ? `${module}.base_layer.bias` : name, name);
      }
    }
    const adapterConfig = {
      peft_type: 'LORA',
      task_type: PEFT_TASK[model.task],
      base_model_name_or_path: baseModel ?? null,
      r: config.r,
      lora_alpha: config.alpha,
      lora_dropout: config.dropout,
      // Full module paths: PEFT matches them exactly, whatever names or regex chose them here.
      target_modules: [...paths],
      bias: config.bias,
      use_rslora: config.useRslora,
      fan_in_fan_out: layouts.has('in_out'),
      modules_to_save: saved.length ? saved : null,
      // Written only when set: the adapters PEFT was checked with predate the key, and PEFT defaults it to null.
      ...(tokens ? { trainable_token_indices: tokens.rows } : {}),
      init_lora_weights: true,
      inference_mode: true,
      layers_to_transform: null,
      layers_pattern: null,
      rank_pattern: {},
      alpha_pattern: {},
      use_dora: false,
      revision: null,
    };
    return { format: 'peft-lora', files: await writeAdapterFiles(dir, adapterConfig, tensors) };
  },
  async load({ dir }) {
    const { config: c, tensors } = await readAdapterFiles(dir, 'lora');
    if (c.peft_type !== 'LORA') {
      throw new StrategyError(
        'STRATEGY_ARTIFACT_INVALID',
        `${dir}/adapter_config.json: peft_type is ${JSON.stringify(c.peft_type)}, not "LORA"`,
        {
          plugin: 'lora',
          hook: 'load',
        },
      );
    }
    const targets = c.target_modules;
    const config = {
      r: c.r,
      alpha: c.lora_alpha,
      dropout: c.lora_dropout ?? 0,
      targetModules: typeof targets === 'string' ? { regex: targets } : targets,
      bias: c.bias ?? 'none',
      useRslora: c.use_rslora ?? false,
      modulesToSave: c.modules_to_save ?? undefined,
      // PEFT writes the list it was given; a dict names the embedding module ({ embed_tokens: [...] }).
      trainableTokenIndices: tokenIndicesOf(c.trainable_token_indices),
    };
    const values = new Map<string, Float32Array>();
    for (const [key, t] of tensors) {
      const name = (key.startsWith(PEFT_PREFIX) ? key.slice(PEFT_PREFIX.length) : key)
        .replace('.base_layer.', '.')
        .replace(`.${PEFT_TOKENS_PARAMETER}`, `.${TOKENS_PARAMETER}`);
      values.set(name, t.data);
    }
    return { config, tensors: values };
  },
});
