// Compiles a model into ONNX programs: a training step (forward, backward, clipping and optimizer
// update in one graph) and an inference graph that reads the same trainable weights.

import { gradients } from '../autodiff/backward.ts';
import type { DType } from '../graph/dtype.ts';
import { Graph, type Shape, type Tensor } from '../graph/graph.ts';
import { add, div, less, mul, reduceSum, sqrt, where } from '../graph/ops.ts';
import { emitModel } from '../onnx/emit.ts';
import type { Optimizer } from '../optim/optimizers.ts';
import { type ParameterSet, ParamScope } from '../params/parameters.ts';

export interface InputSpec {
  name: string;
  dtype: DType;
  shape: Shape;
}

/** A graph input bound to a runtime slot: a trainable parameter or one of its optimizer states. */
export interface SlotBinding {
  /** Graph input name, which is also the slot name. */
  slot: string;
  /** Graph output holding the slot's next value (training programs only). */
  output?: string;
  /** The parameter the slot belongs to. */
  param: string;
  shape: Shape;
}

export interface Program {
  kind: 'train' | 'infer';
  model: Uint8Array;
  /** Inputs fed on every run (batch tensors). */
  inputs: InputSpec[];
  /** Scalar float32 inputs fed by the host (learning rate and optimizer scalars). */
  scalars: string[];
  slots: SlotBinding[];
  /** Outputs returned to the caller (loss, grad_norm, user outputs). */
  outputs: string[];
  /** Host side only: the scalar inputs for optimizer step `step` (1-based). */
  scalarValues?: (step: number, lr: number) => Record<string, number>;
}

export interface ModelOutputs {
  loss?: Tensor;
  outputs?: Record<string, Tensor>;
}

export type ModelBuilder = (scope: ParamScope) => ModelOutputs;

export interface TrainStepSpec {
  build: ModelBuilder;
  params: ParameterSet;
  optimizer: Optimizer;
  /** Clip the global gradient norm to this value (torch.nn.utils.clip_grad_norm_). No clipping when omitted. */
  clipGradNorm?: number;
  /** Which parameters get weight decay. @default rank >= 2 (not biases nor norm scales) */
  weightDecay?: (name: string, shape: Shape) => boolean;
}

export const SLOT_SEP = '::';
export const UPDATED = `${SLOT_SEP}updated`;

function reserved(name: string): void {
  if (name.includes(SLOT_SEP)) throw new Error(`name '${name}' must not contain '${SLOT_SEP}'`);
}

function inputSpecs(g: Graph): InputSpec[] {
  return g.inputs.map((t) => {
    reserved(t.name);
    return { name: t.name, dtype: t.dtype, shape: t.shape };
  });
}

function trainableIn(g: Graph, params: ParameterSet): Tensor[] {
  const missing = [...g.params.keys()].filter((n) => !params.has(n));
  if (missing.length) throw new Error(`the graph uses parameters that the parameter set lacks: ${missing.join(', ')}`);
  return [...g.params.values()].filter((t) => params.get(t.name).trainable);
}

export function compileTrainStep(spec: TrainStepSpec): Program {
  const g = new Graph();
  const built = spec.build(new ParamScope(g, spec.params));
  const loss = built.loss;
  if (!loss) throw new Error('a training step needs the model to return a loss');
  const userInputs = inputSpecs(g);
  const trainable = trainableIn(g, spec.params);
  if (trainable.length === 0) throw new Error('no parameter of this model is trainable');

  let grads = gradients(loss, trainable);
  // Global gradient norm, reported every step and used for clipping.
  let sq: Tensor | undefined;
  for (const gr of grads) {
    const s = reduceSum(mul(gr, gr));
    sq = sq ? add(sq, s) : s;
  }
  const gradNorm = sqrt(sq as Tensor);
  if (spec.clipGradNorm !== undefined) {
    if (!(spec.clipGradNorm > 0)) throw new Error(`clipGradNorm must be positive, got ${spec.clipGradNorm}`);
    const coef = div(g.scalar(spec.clipGradNorm), add(gradNorm, 1e-6));
    const scale = where(less(coef, 1), coef, 1);
    grads = grads.map((gr) => mul(gr, scale));
  }

  const opt = spec.optimizer;
  const scalars = Object.fromEntries(opt.scalarNames.map((n) => [n, g.input(`optim${SLOT_SEP}${n}`, 'float32', [])]));
  const decays = spec.weightDecay ?? ((_name: string, shape: Shape) => shape.length >= 2);
  const slots: SlotBinding[] = [];
  const outputs = [
    { name: 'loss', tensor: loss },
    { name: 'grad_norm', tensor: gradNorm },
  ];
  for (const [name, tensor] of Object.entries(built.outputs ?? {})) {
    reserved(name);
    outputs.push({ name, tensor });
  }
  const returned = outputs.map((o) => o.name);
  const stateInputs: string[] = [];
  trainable.forEach((p, i) => {
    const state = opt.slots.map((s) => {
      const slot = `${p.name}${SLOT_SEP}${s}`;
      stateInputs.push(slot);
      return g.input(slot, 'float32', p.shape);
    });
    const next = opt.update({ param: p, grad: grads[i] as Tensor, state, scalars, decay: decays(p.name, p.shape) });
    slots.push({ slot: p.name, output: p.name + UPDATED, param: p.name, shape: p.shape });
    outputs.push({ name: p.name + UPDATED, tensor: next.param });
    opt.slots.forEach((s, j) => {
      const slot = `${p.name}${SLOT_SEP}${s}`;
      slots.push({ slot, output: slot + UPDATED, param: p.name, shape: p.shape });
      outputs.push({ name: slot + UPDATED, tensor: next.state[j] as Tensor });
    });
  });

  const model = emitModel(g, {
    outputs,
    paramInputs: new Set(trainable.map((t) => t.name)),
    paramValue: (n) => spec.params.get(n).data,
  });
  return {
    kind: 'train',
    model,
    inputs: userInputs,
    scalars: opt.scalarNames.map((n) => `optim${SLOT_SEP}${n}`),
    slots,
    outputs: returned,
    scalarValues: (step, lr) => Object.fromEntries(Object.entries(opt.scalars(step, lr)).map(([k, v]) => [`optim${SLOT_SEP}${k}`, v])),
  };
}

export interface InferSpec {
  build: ModelBuilder;
  params: ParameterSet;
}

/** An inference graph whose trainable parameters are read from the runtime's slots. */
export function compileInference(spec: InferSpec): Program {
  const g = new Graph();
  const built = spec.build(new ParamScope(g, spec.params));
  const named = Object.entries(built.outputs ?? {});
  if (built.loss) named.unshift(['loss', built.loss]);
  if (named.length === 0) throw new Error('an inference program needs at least one output');
  const inputs = inputSpecs(g);
  const trainable = trainableIn(g, spec.params);
  const model = emitModel(g, {
    outputs: named.map(([name, tensor]) => ({ name, tensor })),
    paramInputs: new Set(trainable.map((t) => t.name)),
    paramValue: (n) => spec.params.get(n).data,
  });
  return {
    kind: 'infer',
    model,
    inputs,
    scalars: [],
    slots: trainable.map((t) => ({ slot: t.name, param: t.name, shape: t.shape })),
    outputs: named.map(([n]) => n),
  };
}
