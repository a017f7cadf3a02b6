// Facts about a model that strategies share: its task head, layer indices, plain copies, parameter counts.

import { ParameterSet, type PretrainedModel, type Task } from '@tuneql/engine';
import type { InjectReport } from '../contract/strategy.ts';

/** Parameter-name prefix of the base model ('bert.', 'transformer.', ...). */
export function basePrefix(model: PretrainedModel): string {
  return `${model.arch.baseModel(model.task)}.`;
}

/** Parameters outside the base model: the task head ('classifier.weight', 'qa_outputs.bias', ...). */
export function headParameters(model: PretrainedModel): string[] {
  const base = basePrefix(model);
  return model.params.names.filter((n) => !n.startsWith(base));
}

/** Tasks whose head is new for the task (trained and saved with an adapter, PEFT's modules_to_save). */
export const HEAD_TASKS: readonly Task[] = ['sequence-classification', 'regression', 'token-classification', 'question-answering'];

/** The task head's top-level modules ('classifier', or 'pre_classifier' and 'classifier'); none for language modelling. */
export function headModules(model: PretrainedModel): string[] {
  if (!HEAD_TASKS.includes(model.task)) return [];
  return [...new Set(headParameters(model).map((n) => n.split('.')[0] as string))];
}

/** The input embeddings' module names by architecture family (what transformers' get_input_embeddings returns). */
const INPUT_EMBEDDINGS = ['wte', 'embeddings.word_embeddings', 'embed_tokens'];

/** The input embeddings' weight ('transformer.wte.weight', 'model.embed_tokens.weight'), undefined for a model without one. */
export function inputEmbeddings(model: Pick<PretrainedModel, 'arch' | 'task' | 'params'>): string | undefined {
  const base = `${model.arch.baseModel(model.task)}.`;
  return INPUT_EMBEDDINGS.map((m) => `${base}${m}.weight`).find((n) => model.params.has(n));
}

/** Whether a parameter lies in one of `modules` (by its leading path segments). */
export function inModules(name: string, modules: readonly string[]): boolean {
  return modules.some((m) => name.startsWith(`${m}.`));
}

/** The transformer layer a base-model parameter belongs to: the first numeric segment of its name. */
export function layerIndex(name: string): number | undefined {
  for (const segment of name.split('.')) if (/^\d+$/.test(segment)) return Number(segment);
  return undefined;
}

/** The number of transformer layers (one more than the highest layer index). */
export function layerCount(model: PretrainedModel): number {
  let n = 0;
  for (const name of model.params.names) n = Math.max(n, (layerIndex(name) ?? -1) + 1);
  return n;
}

/**
 * A plain copy of the model: no hooks, the parameters `keep` accepts (all trainable, as when loaded),
 * each value given by `value` (default: a copy of the current one).
 */
export function plainCopy(
  model: PretrainedModel,
  keep: (name: string) => boolean,
  value: (name: string, data: Float32Array) => Float32Array = (_n, d) => d.slice(),
): PretrainedModel {
  const params = new ParameterSet(0);
  for (const name of model.params.names) {
    if (!keep(name)) continue;
    const p = model.params.get(name);
    params.add(name, p.shape, value(name, p.data), true);
  }
  return {
    arch: model.arch,
    config: model.config,
    task: model.task,
    params,
    initialized: model.initialized.filter(keep),
    unused: [...model.unused],
  };
}

/** The report inject returns: trainable and total parameter counts, with what was added. */
export function reportOf(
  model: PretrainedModel,
  added: readonly string[],
  extra: Pick<InjectReport, 'modules' | 'details'> = {},
): InjectReport {
  return { trainable: model.params.count('trainable'), total: model.params.count(), added: [...added], ...extra };
}
