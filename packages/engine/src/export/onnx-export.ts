// Inference export: a model's forward graph as a standalone ONNX file with dynamic batch and
// sequence axes and the usual input names, for onnxruntime or any other ONNX consumer.

import { writeFile } from 'node:fs/promises';
import { Graph } from '../graph/graph.ts';
import type { Task } from '../models/config.ts';
import { modelBuilder, type PretrainedModel } from '../models/pretrained.ts';
import { emitModel } from '../onnx/emit.ts';
import { ParamScope } from '../params/parameters.ts';

const TOKENS = { 0: 'batch', 1: 'sequence' } as const;

/** Which axes of each output are dynamic, by task. */
function outputAxes(task: Task): Record<string, Record<number, string>> {
  switch (task) {
    case 'sequence-classification':
    case 'regression':
      return { logits: { 0: 'batch' } };
    case 'question-answering':
      return { start_logits: TOKENS, end_logits: TOKENS };
    default:
      return { logits: TOKENS };
  }
}

/**
 * The ONNX bytes of the model's forward pass. Inputs: input_ids, attention_mask (and token_type_ids
 * for BERT), all int64 (batch, sequence); outputs: logits, or start_logits and end_logits.
 */
export function exportInference(model: PretrainedModel): Uint8Array {
  const g = new Graph();
  // Traced at a small shape; every shape-dependent op is written so these sizes stay symbolic.
  const { outputs = {} } = modelBuilder(model, { batch: 2, length: 8, train: false })(new ParamScope(g, model.params));
  const dynamicAxes: Record<string, Record<number, string>> = { ...outputAxes(model.task) };
  for (const t of g.inputs) dynamicAxes[t.name] = TOKENS;
  return emitModel(g, {
    outputs: Object.entries(outputs).map(([name, tensor]) => ({ name, tensor })),
    paramInputs: new Set(),
    paramValue: (n) => model.params.get(n).data,
    dynamicAxes,
    graphName: `${model.arch.modelType}-${model.task}`,
  });
}

export async function exportOnnx(model: PretrainedModel, file: string): Promise<void> {
  await writeFile(file, exportInference(model));
}
