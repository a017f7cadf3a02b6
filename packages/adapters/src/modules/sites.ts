// What a strategy can reach in a model: its linear layers and adapter points, found by tracing it once.

import { type AdapterKind, declareParameters, type PretrainedModel } from '@tuneql/engine';

export interface LinearModule {
  /** Module path, e.g. 'bert.encoder.layer.0.attention.self.query'. */
  path: string;
  inFeatures: number;
  outFeatures: number;
  /** 'out_in' (nn.Linear, weight [out, in]) or 'in_out' (GPT-2's Conv1D, weight [in, out]). */
  layout: 'out_in' | 'in_out';
  hasBias: boolean;
}

export interface AdapterPoint {
  /** The sublayer's module path, e.g. 'bert.encoder.layer.0.attention' or 'transformer.h.0.mlp'. */
  path: string;
  kind: AdapterKind;
  /** Width of the residual stream there. */
  hidden: number;
}

/** Traces the model with recording hooks (leaving its own hooks as they were). */
function trace(model: PretrainedModel, hooks: NonNullable<PretrainedModel['hooks']>): void {
  const own = model.hooks;
  model.hooks = hooks;
  try {
    declareParameters(model);
  } finally {
    model.hooks = own;
  }
}

/** Every linear layer of the model, head included, in the order the forward pass meets them. */
export function linearModules(model: PretrainedModel): LinearModule[] {
  const found: LinearModule[] = [];
  trace(model, () => ({
    linear(site) {
      found.push({
        path: site.path,
        inFeatures: site.inFeatures,
        outFeatures: site.outFeatures,
        layout: site.layout,
        hasBias: site.hasBias,
      });
      return undefined;
    },
  }));
  return found;
}

/** Every adapter point of the model's transformer blocks. */
export function adapterPoints(model: PretrainedModel): AdapterPoint[] {
  const found: AdapterPoint[] = [];
  trace(model, () => ({
    adapter(site) {
      found.push({ path: site.path, kind: site.kind, hidden: site.x.shape[site.x.rank - 1] as number });
      return undefined;
    },
  }));
  return found;
}
