// Whole-model artifacts in the Hugging Face layout, for strategies whose result is the model itself.

import { loadCheckpoint, type PretrainedModel, savePretrained } from '@tuneql/engine';
import { StrategyError } from '../contract/errors.ts';

/** Saves the model as config.json + model.safetensors, which transformers loads as it is. */
export async function exportWholeModel(model: PretrainedModel, dir: string): Promise<string[]> {
  await savePretrained(dir, model);
  return ['config.json', 'model.safetensors'];
}

/** The tensors of a saved model that `keep` accepts, by name. */
export async function readWholeModel(dir: string, keep: (name: string) => boolean, plugin: string): Promise<Map<string, Float32Array>> {
  const { tensors } = await loadCheckpoint(dir);
  const out = new Map<string, Float32Array>();
  for (const [name, t] of tensors) {
    if (!keep(name)) continue;
    if (!(t.data instanceof Float32Array)) {
      throw new StrategyError('STRATEGY_ARTIFACT_INVALID', `${dir}: tensor '${name}' is ${t.dtype}, not a floating-point tensor`, {
        plugin,
        hook: 'load',
      });
    }
    out.set(name, t.data);
  }
  return out;
}
