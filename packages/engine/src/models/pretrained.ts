// Pre-trained models in the Hugging Face layout: load a checkpoint folder for a task, build its
// training and inference graphs, and save it back so other tools can load it.

import { loadCheckpoint, saveCheckpoint } from '../checkpoint/hf.ts';
import type { LoadedTensor } from '../checkpoint/safetensors.ts';
import { Graph, type Shape, sizeOf, type Tensor } from '../graph/graph.ts';
import type { ModuleHooks } from '../nn/hooks.ts';
import { ForwardContext } from '../nn/layers.ts';
import { ParameterSet, ParamScope } from '../params/parameters.ts';
import type { ModelBuilder } from '../step/compile.ts';
import type { Architecture, ModelInputs, TaskOutputs } from './architecture.ts';
import { ConfigError, ConfigReader, type RawConfig, type Task } from './config.ts';
import { type LossOptions, labelInputs, taskLoss } from './heads.ts';
import { architectureFor } from './registry.ts';

export interface PretrainedModel {
  arch: Architecture;
  config: ConfigReader;
  task: Task;
  params: ParameterSet;
  /** Parameters the checkpoint did not hold, freshly initialized (a new task head). */
  initialized: string[];
  /** Checkpoint tensors the model does not use (another head, buffers). */
  unused: string[];
  /** A fine-tuning strategy's hooks into the model's layers (LoRA, adapters...), made per graph. */
  hooks?: (ctx: ForwardContext) => ModuleHooks;
}

/**
 * Traces the model once so that every parameter its hooks add is declared (and initialized) in its
 * parameter set; returns the names that were new.
 */
export function declareParameters(model: PretrainedModel): string[] {
  const before = new Set(model.params.names);
  const g = new Graph();
  const ctx = ForwardContext.inference();
  const scope = new ParamScope(g, model.params).withHooks(model.hooks?.(ctx));
  model.arch.build(scope, model.config, model.task, traceInputs(g, model.arch, 1, 2), ctx);
  return model.params.names.filter((n) => !before.has(n));
}

export interface LoadOptions {
  task: Task;
  /** Overrides config.json's label count (a new classification head). */
  numLabels?: number;
  /** Seed for freshly initialized parameters. @default 0 */
  seed?: number;
  /** Parameters the checkpoint does not hold get shapes but no values (see ParameterSet.shapesOnly): for estimates. @default false */
  shapesOnly?: boolean;
  /**
   * `random`: the checkpoint's tensors are checked (names, shapes) as when loading, but every parameter takes
   * fresh values from its initializer, seeded as a new head's; `initialized` still lists only what the
   * checkpoint lacks, so a strategy trains the same parameters either way. @default 'pretrained'
   */
  init?: 'pretrained' | 'random';
}

/** Builds the parameter set of `task` for `config`, taking values from `tensors` where they exist. */
export function instantiate(
  raw: RawConfig,
  options: LoadOptions,
  tensors?: ReadonlyMap<string, LoadedTensor>,
  source = 'config.json',
): PretrainedModel {
  const config = new ConfigReader(options.numLabels === undefined ? raw : { ...raw, num_labels: options.numLabels }, source);
  const arch = architectureFor(raw, source);
  if (!arch.tasks.includes(options.task)) {
    throw new ConfigError(`${source}: ${arch.modelType} has no '${options.task}' head; it supports ${arch.tasks.join(', ')}`);
  }
  const params = new ParameterSet(options.seed ?? 0, { shapesOnly: options.shapesOnly });
  const used = new Set<string>();
  const initialized: string[] = [];
  const base = `${arch.baseModel(options.task)}.`;
  let checkpointValues = 0;
  for (const t of tensors?.values() ?? []) checkpointValues += t.data.length;
  params.source = (name: string, shape: Shape) => {
    // A base-model checkpoint (BertModel) stores names without the 'bert.' prefix.
    const key = [name, name.slice(name.indexOf('.') + 1)].find((k) => tensors?.has(k));
    const t = key === undefined ? undefined : tensors?.get(key);
    if (!t || key === undefined) {
      // Refused before its initializer allocates: a config.json that names more layers or larger sizes than the
      // checkpoint holds would otherwise build every missing layer first (gigabytes, minutes) only to be refused.
      if (tensors && name.startsWith(base) && !name.startsWith(`${base}pooler.`)) {
        throw new ConfigError(
          `${source}: the checkpoint lacks tensor '${name}' of the ${arch.modelType} model; config.json must describe the checkpoint's own layers and sizes`,
        );
      }
      // A new head is bounded by the checkpoint itself, so num_labels cannot make the loader allocate more than the file holds.
      if (tensors && sizeOf(shape) > checkpointValues) {
        throw new ConfigError(
          `${source}: the new parameter '${name}' would be [${shape.join(', ')}], more values than the whole checkpoint holds (${checkpointValues}); check num_labels and the sizes in config.json`,
        );
      }
      initialized.push(name);
      return undefined;
    }
    if (t.shape.join() !== shape.join()) {
      throw new ConfigError(
        `${source}: checkpoint tensor '${key}' has shape [${t.shape.join(', ')}] but ${arch.modelType} expects [${shape.join(', ')}] for '${name}'`,
      );
    }
    if (!(t.data instanceof Float32Array))
      throw new ConfigError(`${source}: checkpoint tensor '${key}' is ${t.dtype}, not a floating-point tensor`);
    used.add(key);
    return options.init === 'random' ? undefined : t.data;
  };
  // Tracing the model once declares every parameter of this task with its value.
  probe(arch, config, options.task);
  params.source = undefined;
  const unused = tensors ? [...tensors.keys()].filter((k) => !used.has(k)) : [];
  return { arch, config, task: options.task, params, initialized, unused };

  function probe(a: Architecture, c: ConfigReader, task: Task): void {
    const g = new Graph();
    a.build(new ParamScope(g, params), c, task, traceInputs(g, a, 1, 2), ForwardContext.inference());
  }
}

function traceInputs(g: Graph, arch: Architecture, batch: number, length: number, packed = false): ModelInputs {
  const inputs: ModelInputs = {
    inputIds: g.input('input_ids', 'int64', [batch, length]),
    attentionMask: g.input('attention_mask', 'int64', [batch, length]),
    tokenTypeIds: arch.tokenTypes ? g.input('token_type_ids', 'int64', [batch, length]) : undefined,
  };
  if (packed) {
    inputs.packed = true;
    inputs.positionIds = g.input('position_ids', 'int64', [batch, length]);
  }
  return inputs;
}

/** The longest sequence the model takes (its position table, RoPE's trained range), reading config.json as training will. */
export function modelMaxLength(raw: RawConfig, source = 'config.json'): number {
  return architectureFor(raw, source).maxLength(new ConfigReader(raw, source));
}

export async function loadPretrained(dir: string, options: LoadOptions): Promise<PretrainedModel> {
  const { config, tensors } = await loadCheckpoint(dir);
  return instantiate(config, options, tensors, `${dir}/config.json`);
}

export interface GraphOptions extends LossOptions {
  batch: number;
  length: number;
  /** Dropout on (seeded per step) and labels in, loss out. */
  train: boolean;
  /** Take labels and return the loss without training (evaluation). @default train */
  labels?: boolean;
  /** Also return the task outputs (logits) when there is a loss. @default !train */
  outputs?: boolean;
  /** Masked LM with labels: predict only at this many positions per sequence, fed as `masked_positions`. */
  predictions?: number;
  /**
   * Rows of packed examples (decoders): `attention_mask` numbers the examples, `position_ids` restart at each
   * (collate with `packed`). @default false
   */
  packed?: boolean;
}

/** The model as a ModelBuilder for compileTrainStep / compileInference, with the usual input names. */
export function modelBuilder(model: PretrainedModel, options: GraphOptions): ModelBuilder {
  return (scope) => {
    const g = scope.graph;
    if (options.packed && model.arch.cacheShape === undefined) {
      throw new Error(`packing needs a decoder (GPT-2, Llama); ${model.arch.modelType} attends both ways`);
    }
    const inputs = traceInputs(g, model.arch, options.batch, options.length, options.packed);
    const withLabels = options.labels ?? options.train;
    if (withLabels && options.predictions !== undefined && model.task === 'masked-lm') {
      inputs.maskedPositions = g.input('masked_positions', 'int64', [options.batch, options.predictions]);
    }
    const ctx = options.train ? ForwardContext.training(g) : ForwardContext.inference();
    const out = model.arch.build(scope.withHooks(model.hooks?.(ctx)), model.config, model.task, inputs, ctx);
    const named = namedOutputs(out);
    if (!withLabels) return { outputs: named };
    const labels = labelInputs(
      g,
      model.task,
      options.batch,
      options.length,
      model.task === 'regression' ? 1 : model.config.numLabels(),
      inputs.maskedPositions?.shape[1],
    );
    return { loss: taskLoss(model.task, out, labels, options), outputs: (options.outputs ?? !options.train) ? named : {} };
  };
}

function namedOutputs(out: TaskOutputs): Record<string, Tensor> {
  const named: Record<string, Tensor> = {};
  if (out.logits) named.logits = out.logits;
  if (out.startLogits) named.start_logits = out.startLogits;
  if (out.endLogits) named.end_logits = out.endLogits;
  return named;
}

const CLASS_PREFIX: Readonly<Record<string, string>> = {
  bert: 'Bert',
  roberta: 'Roberta',
  distilbert: 'DistilBert',
  gpt2: 'GPT2',
  llama: 'Llama',
};

/** transformers' class for this architecture and head, recorded in config.json's `architectures`. */
export function transformersClass(modelType: string, task: Task): string {
  const prefix = CLASS_PREFIX[modelType] ?? modelType;
  switch (task) {
    case 'sequence-classification':
    case 'regression':
      return `${prefix}ForSequenceClassification`;
    case 'token-classification':
      return `${prefix}ForTokenClassification`;
    case 'question-answering':
      return `${prefix}ForQuestionAnswering`;
    case 'masked-lm':
      return `${prefix}ForMaskedLM`;
    case 'causal-lm':
      return modelType === 'gpt2' ? 'GPT2LMHeadModel' : `${prefix}ForCausalLM`;
  }
}

/** The task a transformers class name stands for (the inverse of transformersClass), if known. */
export function taskOfClass(className: string): Task | undefined {
  if (/ForSequenceClassification$/.test(className)) return 'sequence-classification';
  if (/ForTokenClassification$/.test(className)) return 'token-classification';
  if (/ForQuestionAnswering$/.test(className)) return 'question-answering';
  if (/ForMaskedLM$/.test(className)) return 'masked-lm';
  if (/(ForCausalLM|LMHeadModel)$/.test(className)) return 'causal-lm';
  return undefined;
}

/** Writes config.json and model.safetensors with the Hugging Face names (tied weights stored once). */
export async function savePretrained(dir: string, model: PretrainedModel): Promise<void> {
  const tensors: Record<string, { shape: readonly number[]; data: Float32Array }> = {};
  for (const name of model.params.names) {
    const p = model.params.get(name);
    tensors[name] = { shape: p.shape, data: p.data };
  }
  const config: Record<string, unknown> = { ...model.config.raw, architectures: [transformersClass(model.arch.modelType, model.task)] };
  const labels = model.task === 'regression' ? 1 : model.config.numLabels();
  if (model.task === 'regression') config.problem_type = 'regression';
  if (['sequence-classification', 'regression', 'token-classification'].includes(model.task) && config.num_labels !== labels) {
    config.id2label = Object.fromEntries(Array.from({ length: labels }, (_, i) => [String(i), `LABEL_${i}`]));
    config.label2id = Object.fromEntries(Array.from({ length: labels }, (_, i) => [`LABEL_${i}`, i]));
    delete config.num_labels;
  }
  await saveCheckpoint(dir, config, tensors);
}
