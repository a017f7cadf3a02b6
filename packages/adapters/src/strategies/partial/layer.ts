// The model's parameters as layer groups, bottom to top: embeddings, each transformer layer, the top and head.

import type { PretrainedModel } from '@tuneql/engine';
import { basePrefix, layerIndex } from '../../modules/model.ts';

export interface LayerGroups {
  /** Base-model parameters declared before the first layer. */
  embeddings: string[];
  /** Parameters of each transformer layer, by index. */
  layers: string[][];
  /** Base-model parameters declared after the layers, and the task head. */
  top: string[];
}

/**
 * Splits the parameters into groups. Parameters are declared in the order the forward pass meets them,
 * so a base-model parameter outside the numbered layers is an embedding if it comes before them.
 */
export function layerGroups(model: PretrainedModel): LayerGroups {
  const base = basePrefix(model);
  const groups: LayerGroups = { embeddings: [], layers: [], top: [] };
  let seenLayer = false;
  for (const name of model.params.names) {
    const index = name.startsWith(base) ? layerIndex(name.slice(base.length)) : undefined;
    if (index !== undefined) {
      seenLayer = true;
      groups.layers[index] ??= [];
      groups.layers[index].push(name);
    } else if (name.startsWith(base) && !seenLayer) groups.embeddings.push(name);
    else groups.top.push(name);
  }
  for (let i = 0; i < groups.layers.length; i++) groups.layers[i] ??= [];
  return groups;
}
