// Where fine-tuning strategies reach into a model: every linear layer, the residual adapter points of
// each transformer block, and every parameter as it is read, called by path (as PEFT's target_modules match paths).

import type { Tensor } from '../graph/graph.ts';
import type { ParamScope } from '../params/parameters.ts';

export interface LinearSite {
  /** The layer's module path, e.g. 'bert.encoder.layer.0.attention.self.query'. */
  path: string;
  /** The layer's scope: new parameters declared here are named under its path. */
  scope: ParamScope;
  /** (.., in) */
  x: Tensor;
  inFeatures: number;
  outFeatures: number;
  /** How the weight is stored: 'out_in' (nn.Linear) or 'in_out' (GPT-2's Conv1D). */
  layout: 'out_in' | 'in_out';
  hasBias: boolean;
  /** The layer's own computation, for any input of the same shape. */
  base(x: Tensor): Tensor;
}

export type AdapterKind = 'attention' | 'ffn';

export interface AdapterSite {
  /** The sublayer's module path, e.g. 'bert.encoder.layer.3.attention' or 'transformer.h.0.mlp'. */
  path: string;
  scope: ParamScope;
  /** After the attention block's output projection, or after the feed-forward block's. */
  kind: AdapterKind;
  /** (B, T, C): the sublayer's output before it is added to the residual stream. */
  x: Tensor;
  /** (B, T, C): what the block adds the sublayer's output to (the sublayer's input, the residual stream). */
  residual: Tensor;
  /**
   * The norm the block applies after that addition, with its own weights: post-norm blocks (BERT, RoBERTa,
   * DistilBERT) have one; pre-norm blocks (GPT-2, Llama) do not, and leave it undefined. Pfeiffer adapters
   * read the normalized sum, as AdapterHub's original_ln_before does.
   */
  norm?: (x: Tensor) => Tensor;
}

export interface ParameterSite {
  /** The parameter's full name, e.g. 'transformer.wte.weight'. */
  name: string;
  /** The scope of the module that holds it: new parameters declared here are named under its path. */
  scope: ParamScope;
  /** The parameter as stored. */
  value: Tensor;
}

export interface ModuleHooks {
  /** Replaces a linear layer's output; undefined keeps the layer as it is. */
  linear?(site: LinearSite): Tensor | undefined;
  /** Transforms a sublayer output at an adapter point; undefined keeps it. */
  adapter?(site: AdapterSite): Tensor | undefined;
  /**
   * Replaces a parameter wherever the model reads it (a tied LM head reads the token embeddings too); undefined
   * keeps it. PEFT's trainable tokens swap rows of the embeddings this way.
   */
  parameter?(site: ParameterSite): Tensor | undefined;
}

/** Runs a linear layer through the scope's hooks. */
export function hookedLinear(site: Omit<LinearSite, 'path'>): Tensor {
  const hooked = site.scope.hooks?.linear?.({ ...site, path: site.scope.prefix });
  return hooked ?? site.base(site.x);
}

/**
 * An adapter point: the sublayer output `x`, transformed by a strategy's hook if there is one. The block
 * then adds it to `around.residual` (and applies `around.norm` when it has one).
 */
export function adapterPoint(scope: ParamScope, kind: AdapterKind, x: Tensor, around: Pick<AdapterSite, 'residual' | 'norm'>): Tensor {
  return scope.hooks?.adapter?.({ path: scope.prefix, scope, kind, x, ...around }) ?? x;
}
