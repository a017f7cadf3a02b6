// Compiles a model into ONNX programs: a training step (forward, backward, clipping and optimizer
// update in one graph) and an inference graph that reads the same trainable weights.

import { after, gradients } from '../autodiff/backward.ts';
import type { DType } from '../graph/dtype.ts';
import { Graph, type Shape, type Tensor } from '../graph/graph.ts';
import { add, cast, concat, div, less, mul, reduceSum, reshape, slice, split, sqrt, where } from '../graph/ops.ts';
import { type EmitOutput, emitModel, liveNodes } from '../onnx/emit.ts';
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
  kind: 'train' | 'accumulate' | 'apply' | 'infer';
  /** The ONNX model, emitted with int32 integers (EmitOptions.narrowIntegers): the runtime narrows int64 feeds. */
  model: Uint8Array;
  /** Inputs fed on every run (batch tensors); int64 ones are taken as int64 and passed to the model as int32. */
  inputs: InputSpec[];
  /** Scalar float32 inputs fed by the host (learning rate and optimizer scalars). */
  scalars: string[];
  slots: SlotBinding[];
  /** Outputs returned to the caller (loss, grad_norm, user outputs). */
  outputs: string[];
  /** Trainable parameters in the order of the `train::active` switches (gated programs). */
  gated?: string[];
  /** Loss-scaled programs: the runtime feeds LOSS_SCALE and skips the steps whose gradients overflow. */
  lossScaling?: LossScaling;
  /** The compute precision (TrainStepSpec.precision); the runtime refuses 'fp16' on the CPU provider. */
  precision?: Precision;
  /**
   * Host side only: the scalar inputs for optimizer step `step` (1-based). Gated programs take each one as a
   * vector, one value per parameter at that parameter's own step (see LoadedProgram.paramSteps).
   */
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
  /**
   * Compile a per-parameter switch (the input `train::active`, one 0/1 per trainable parameter in
   * Program.gated order): a switched-off parameter and its optimizer state keep their exact values and
   * its gradient leaves the norm. Gradual unfreezing changes the switches between epochs without
   * recompiling. @default false
   */
  gated?: boolean;
  /**
   * Frozen parameters become inputs bound to runtime slots (read, never written) instead of constants in
   * the model: an ONNX model is one protobuf, which cannot exceed 2 GiB, so LoRA on a 1B-parameter model
   * cannot embed its base weights. The CPU provider cannot pre-pack them then. @default when they hold more than 1 GiB
   */
  frozenInputs?: boolean;
  /**
   * Compute precision (decision 30). 'fp16': the forward and backward GEMMs run in float16 on float32
   * master weights and optimizer state, with dynamic loss scaling (Program.lossScaling); 'bf16' is refused
   * (PrecisionError): no provider onnxruntime-node ships has bfloat16 kernels. @default 'fp32'
   */
  precision?: Precision;
  /**
   * Dynamic loss scaling (torch.amp.GradScaler's rule and defaults): on for 'fp16', and for any precision
   * when given (false turns it off).
   */
  lossScaling?: Partial<LossScaling> | boolean;
  /**
   * Activation recomputation (decision 28): the backward pass recomputes each transformer block from its input
   * (the model's Graph.beginSegment) instead of keeping the block's activations from the forward pass. @default false
   */
  gradientCheckpointing?: boolean;
}

export const PRECISIONS = ['fp32', 'fp16', 'bf16'] as const;
export type Precision = (typeof PRECISIONS)[number];

/** torch.amp.GradScaler's settings, with its defaults. */
export interface LossScaling {
  /** @default 65_536 (2^16) */
  initial: number;
  /** @default 2 */
  growthFactor: number;
  /** @default 0.5 */
  backoffFactor: number;
  /** Steps without an overflow before the scale grows. @default 2_000 */
  growthInterval: number;
}

export const LOSS_SCALING_DEFAULTS: LossScaling = { initial: 2 ** 16, growthFactor: 2, backoffFactor: 0.5, growthInterval: 2000 };

/** The scalar input that the loss is multiplied by before the backward pass (see LossScaling). */
export const LOSS_SCALE = `train${'::'}loss_scale`;

export type PrecisionErrorCode = 'PRECISION_UNSUPPORTED';

/** A compute precision this build cannot run. */
export class PrecisionError extends Error {
  override name = 'PrecisionError';
  readonly code: PrecisionErrorCode;
  constructor(code: PrecisionErrorCode, message: string) {
    super(message);
    this.code = code;
  }
}

/**
 * Why `precision` cannot train here (with gradient accumulation when `accumulated`, on `provider` when given),
 * or undefined.
 */
export function precisionProblem(precision: string, accumulated: boolean, provider?: string): string | undefined {
  if (!PRECISIONS.includes(precision as Precision)) return `precision must be one of ${PRECISIONS.join(', ')}, got '${precision}'`;
  if (precision === 'bf16') {
    return "precision 'bf16' cannot run here: onnxruntime-node's CPU and WebGPU providers have no bfloat16 kernels (WGSL has no bfloat16 type); use 'fp16' or 'fp32'";
  }
  if (precision === 'fp16' && accumulated) {
    return "precision 'fp16' is not supported with gradient accumulation yet; set gradient_accumulation to 1 or precision to 'fp32'";
  }
  if (precision === 'fp16' && provider === 'cpu') {
    // Measured: its float16 Gemm is cast to float32 and the cast pairs then dropped, so a "float16" step
    // computed float32 values (the same losses to the last bit), and its MatMul only rounds.
    return "precision 'fp16' needs a GPU: onnxruntime's CPU provider computes float16 GEMMs in float32; use precision 'fp32' on the cpu provider";
  }
  return undefined;
}

function checkPrecision(precision: Precision, accumulated: boolean): void {
  const problem = precisionProblem(precision, accumulated);
  if (problem) throw new PrecisionError('PRECISION_UNSUPPORTED', problem);
}

/** Frozen parameters beyond this many bytes are fed from slots (TrainStepSpec.frozenInputs). */
export const FROZEN_INPUT_BYTES = 1 << 30;

export const SLOT_SEP = '::';
/** The gated programs' switch input. */
export const ACTIVE = `train${'::'}active`;
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

interface Traced {
  g: Graph;
  loss: Tensor;
  userInputs: InputSpec[];
  userOutputs: EmitOutput[];
  trainable: Tensor[];
}

function trace(spec: TrainStepSpec): Traced {
  const g = new Graph();
  const built = spec.build(new ParamScope(g, spec.params));
  const loss = built.loss;
  if (!loss) throw new Error('a training step needs the model to return a loss');
  const userInputs = inputSpecs(g);
  const trainable = trainableIn(g, spec.params);
  if (trainable.length === 0) throw new Error('no parameter of this model is trainable');
  const userOutputs = Object.entries(built.outputs ?? {}).map(([name, tensor]) => {
    reserved(name);
    return { name, tensor };
  });
  return { g, loss, userInputs, userOutputs, trainable };
}

/** Parameters of at most this many elements are updated together (see appendUpdate). */
const GROUP_MAX_SIZE = 1 << 16;
/**
 * At most this many parameters per group: a group's Concat and Split read or write one buffer per
 * member plus one, and WebGPU guarantees only 8 storage buffers per shader (an H100 allows 16; more
 * fails when the kernel is built).
 */
export const GROUP_MAX_MEMBERS = 7;

/** `ts` as one flat vector (a single tensor is left as it is). */
function flat(ts: readonly Tensor[]): Tensor {
  if (ts.length === 1) return ts[0] as Tensor;
  return concat(
    ts.map((t) => (t.rank === 1 ? t : reshape(t, [t.size]))),
    0,
  );
}

/** Splits what `flat(like)` made back into tensors shaped like `like`. */
function unflat(t: Tensor, like: readonly Tensor[]): Tensor[] {
  if (like.length === 1) return [t];
  return split(
    t,
    0,
    like.map((p) => p.size),
  ).map((part, i) => ((like[i] as Tensor).rank === 1 ? part : reshape(part, (like[i] as Tensor).shape)));
}

/** Whether scalar `x` is finite: x * 0 is 0 for a finite x and NaN for NaN and the infinities, and NaN < 1 is false. */
function finite(x: Tensor): Tensor {
  return less(mul(x, 0), 1);
}

/**
 * The step's guard, true when the loss is finite, and with `gradNormFinite` the gradient norm too; computed after
 * `gradNorm` and every user output (each slot is written in place once the guard holds: nothing may read a
 * slot after it). A user output the loss does not depend on is waited for through its first element.
 */
function stepGuard(g: Graph, loss: Tensor, userOutputs: readonly EmitOutput[], gradNormFinite: boolean): (gradNorm: Tensor) => Tensor {
  return (gradNorm) => {
    const before = new Set(liveNodes(g, [loss, gradNorm]).map((n) => n.id));
    let test = add(mul(loss, 0), gradNormFinite ? mul(gradNorm, 0) : after(gradNorm));
    for (const o of userOutputs) {
      const producer = o.tensor.producer;
      if (!producer || before.has(producer.id)) continue;
      const first = reshape(slice(reshape(o.tensor, [o.tensor.size]), 0, 0, 1), []);
      test = add(test, after(o.tensor.dtype === 'float32' ? first : cast(first, 'float32')));
    }
    return less(test, 1);
  };
}

/**
 * Appends the global gradient norm, clipping and the optimizer update for `params` to `g`: the
 * outputs and slot bindings every parameter and optimizer state gets.
 *
 * Without switches, the small parameters (biases, norm scales) with the same weight-decay flag are
 * updated in groups of up to GROUP_MAX_MEMBERS, each as one concatenated vector: the same element-wise
 * arithmetic in a dozen kernels per group instead of per parameter, which on a GPU is most of the
 * optimizer's cost (each kernel is a dispatch). `guard` makes the test every new value depends on: where it
 * is false, the optimizer gives back the old values (UpdateContext.applies), and `kept` the accumulated sums.
 */
function appendUpdate(
  g: Graph,
  spec: TrainStepSpec,
  params: readonly Tensor[],
  raw: readonly Tensor[],
  guard: (gradNorm: Tensor) => Tensor,
): { gradNorm: Tensor; outputs: EmitOutput[]; slots: SlotBinding[]; kept: (next: Tensor, old: Tensor) => Tensor } {
  const active = spec.gated ? g.input(ACTIVE, 'float32', [params.length]) : undefined;
  const switchOf = (i: number) => reshape(slice(active as Tensor, 0, i, i + 1), []); // 0 or 1
  const decays = spec.weightDecay ?? ((_name: string, shape: Shape) => shape.length >= 2);
  // Units of update: a parameter alone, or a group of small ones.
  const units: number[][] = [];
  const groups = new Map<boolean, number[]>();
  params.forEach((p, i) => {
    if (active || p.size > GROUP_MAX_SIZE) units.push([i]);
    else {
      const decay = decays(p.name, p.shape);
      const open = groups.get(decay);
      if (open && open.length < GROUP_MAX_MEMBERS) open.push(i);
      else {
        const group = [i];
        groups.set(decay, group);
        units.push(group);
      }
    }
  });
  const members = (u: readonly number[]) => u.map((i) => params[i] as Tensor);
  const grads = units.map((u) => flat(u.map((i) => raw[i] as Tensor)));
  // Global gradient norm, reported every step and used for clipping.
  let sq: Tensor | undefined;
  grads.forEach((gr, k) => {
    let s = reduceSum(mul(gr, gr));
    if (active) s = mul(s, switchOf(units[k]?.[0] as number));
    sq = sq ? add(sq, s) : s;
  });
  const gradNorm = sqrt(sq as Tensor);
  let clipScale: Tensor | undefined;
  if (spec.clipGradNorm !== undefined) {
    if (!(spec.clipGradNorm > 0)) throw new Error(`clipGradNorm must be positive, got ${spec.clipGradNorm}`);
    const coef = div(g.scalar(spec.clipGradNorm), add(gradNorm, 1e-6));
    clipScale = where(less(coef, 1), coef, 1);
  }
  // The runtime updates each slot in place (its output is written into the buffer its input was read
  // from), so every new value depends on this guard: the step writes only once it, and so the loss and
  // every gradient, are computed, and a rejected step writes back the old values (UpdateContext.applies).
  // `kept` selects between old and new for values the optimizer does not compute (accumulated sums).
  const applies = guard(gradNorm);
  const kept = (next: Tensor, old: Tensor): Tensor => where(applies, next, old);
  const opt = spec.optimizer;
  // Gated programs take each scalar per parameter ([n], in Program.gated order): a parameter's step count,
  // and so its bias correction, starts when it is first switched on, as torch's per-parameter state does.
  const scalarInputs = Object.fromEntries(
    opt.scalarNames.map((n) => [n, g.input(`optim${SLOT_SEP}${n}`, 'float32', active ? [params.length] : [])]),
  );
  const scalarsOf = (i: number): Record<string, Tensor> =>
    active ? Object.fromEntries(Object.entries(scalarInputs).map(([n, t]) => [n, reshape(slice(t, 0, i, i + 1), [])])) : scalarInputs;
  const state = params.map((p) => opt.slots.map((s) => g.input(`${p.name}${SLOT_SEP}${s}`, 'float32', p.shape)));
  const nextParam: Tensor[] = [];
  const nextState: Tensor[][] = params.map(() => []);
  // Unit by unit, each clipped, updated and written before the next (nodes run in this order), so that
  // the update's temporaries are one unit's, not the whole model's.
  units.forEach((u, k) => {
    const ps = members(u);
    const unitState = opt.slots.map((_, j) => flat(u.map((i) => state[i]?.[j] as Tensor)));
    const first = ps[0] as Tensor;
    const next = opt.update({
      param: flat(ps),
      // One pass over the gradient makes a rejected step's gradient finite; the optimizer folds `applies` into its
      // scalars, so that no parameter or state needs a pass of its own to be kept.
      grad: where(applies, grads[k] as Tensor, 0),
      applies,
      gradScale: clipScale,
      state: unitState,
      scalars: scalarsOf(u[0] as number),
      decay: decays(first.name, first.shape),
    });
    if (active) {
      // Gated programs update parameters one by one: a unit is a single parameter.
      const keep = less(0.5, switchOf(u[0] as number));
      next.param = where(keep, next.param, first);
      next.state = next.state.map((t, j) => where(keep, t, unitState[j] as Tensor));
    }
    unflat(next.param, ps).forEach((t, m) => {
      nextParam[u[m] as number] = t;
    });
    next.state.forEach((t, j) => {
      unflat(t, ps).forEach((part, m) => {
        (nextState[u[m] as number] as Tensor[])[j] = part;
      });
    });
  });
  const slots: SlotBinding[] = [];
  const outputs: EmitOutput[] = [];
  params.forEach((p, i) => {
    slots.push({ slot: p.name, output: p.name + UPDATED, param: p.name, shape: p.shape });
    outputs.push({ name: p.name + UPDATED, tensor: nextParam[i] as Tensor });
    opt.slots.forEach((s, j) => {
      const slot = `${p.name}${SLOT_SEP}${s}`;
      slots.push({ slot, output: slot + UPDATED, param: p.name, shape: p.shape });
      outputs.push({ name: slot + UPDATED, tensor: nextState[i]?.[j] as Tensor });
    });
  });
  return { gradNorm, outputs, slots, kept };
}

function scalarHooks(opt: Optimizer): Pick<Program, 'scalars' | 'scalarValues'> {
  return {
    scalars: opt.scalarNames.map((n) => `optim${SLOT_SEP}${n}`),
    scalarValues: (step, lr) => Object.fromEntries(Object.entries(opt.scalars(step, lr)).map(([k, v]) => [`optim${SLOT_SEP}${k}`, v])),
  };
}

interface Emitted {
  model: Uint8Array;
  /** Frozen parameters the model reads from slots (see TrainStepSpec.frozenInputs). */
  frozen: SlotBinding[];
}

function emitProgram(
  g: Graph,
  spec: Pick<TrainStepSpec, 'params' | 'frozenInputs'>,
  trainable: readonly Tensor[],
  outputs: EmitOutput[],
  halfGemms?: ReadonlySet<number>,
): Emitted {
  const live = new Set(
    liveNodes(
      g,
      outputs.map((o) => o.tensor),
    ).flatMap((n) => n.inputs.map((t) => t.id)),
  );
  const trainableNames = new Set(trainable.map((t) => t.name));
  const frozen = [...g.params.values()].filter((t) => !trainableNames.has(t.name) && live.has(t.id));
  const bytes = frozen.reduce((sum, t) => sum + 4 * t.size, 0);
  const fed = (spec.frozenInputs ?? bytes > FROZEN_INPUT_BYTES) ? frozen : [];
  const model = emitModel(g, {
    outputs,
    paramInputs: new Set([...trainableNames, ...fed.map((t) => t.name)]),
    paramValue: (n) => spec.params.get(n).data,
    narrowIntegers: true,
    halfGemms,
  });
  return { model, frozen: fed.map((t) => ({ slot: t.name, param: t.name, shape: t.shape })) };
}

/** One training step: forward, backward, clipping and the optimizer update in one graph. */
export function compileTrainStep(spec: TrainStepSpec): Program {
  const precision = spec.precision ?? 'fp32';
  checkPrecision(precision, false);
  const { g, loss, userInputs, userOutputs, trainable } = trace(spec);
  const half = precision === 'fp16';
  const scaling = spec.lossScaling ?? half;
  // Loss scaling: the backward pass starts from loss x scale, so that small gradients survive float16,
  // and the float32 update divides the scale out again.
  const scale = scaling ? g.input(LOSS_SCALE, 'float32', []) : undefined;
  const raw = gradients(scale ? mul(loss, scale) : loss, trainable, { recompute: spec.gradientCheckpointing });
  const halfGemms = half ? gemmsBefore(g, g.nodes.length) : undefined;
  const grads = scale ? raw.map((t) => div(t, scale)) : raw;
  // Loss scaling: a step whose gradients overflowed (an infinite or NaN norm) keeps every value too, as
  // GradScaler skips optimizer.step().
  const update = appendUpdate(g, spec, trainable, grads, stepGuard(g, loss, userOutputs, scale !== undefined));
  const head = [{ name: 'loss', tensor: loss }, { name: 'grad_norm', tensor: update.gradNorm }, ...userOutputs];
  const { model, frozen } = emitProgram(g, spec, trainable, [...head, ...update.outputs], halfGemms);
  return {
    kind: 'train',
    lossScaling: scaling ? { ...LOSS_SCALING_DEFAULTS, ...(typeof scaling === 'object' ? scaling : {}) } : undefined,
    precision,
    gated: spec.gated ? trainable.map((t) => t.name) : undefined,
    model,
    inputs: userInputs,
    slots: [...update.slots, ...frozen],
    outputs: head.map((o) => o.name),
    ...scalarHooks(spec.optimizer),
  };
}

/** The float32 MatMul and Gemm nodes among the first `end` of `g` (the forward and backward passes). */
function gemmsBefore(g: Graph, end: number): Set<number> {
  const ids = new Set<number>();
  for (const n of g.nodes.slice(0, end)) {
    if ((n.op === 'MatMul' || n.op === 'Gemm') && n.inputs.every((t) => t.dtype === 'float32')) ids.add(n.id);
  }
  return ids;
}

export const GRAD_SUM = `${SLOT_SEP}grad_sum`;

/**
 * Gradient accumulation as two programs sharing the runtime's slots: `accumulate` runs forward and
 * backward on one micro-batch and adds the gradients into a `name::grad_sum` slot per parameter;
 * `apply` averages the sums over `microSteps`, clips, updates, and resets the sums to zero.
 */
export function compileAccumulatedStep(spec: TrainStepSpec, microSteps: number): { accumulate: Program; apply: Program } {
  if (!Number.isInteger(microSteps) || microSteps < 1)
    throw new Error(`gradient accumulation needs a whole number of micro-steps >= 1, got ${microSteps}`);
  checkPrecision(spec.precision ?? 'fp32', true);
  const { g, loss, userInputs, userOutputs, trainable } = trace(spec);
  const grads = gradients(loss, trainable, { recompute: spec.gradientCheckpointing });
  const sums: SlotBinding[] = [];
  const sumOutputs: EmitOutput[] = [];
  // The sums are updated in place too, and only they are written: a micro-step with a non-finite loss
  // adds nothing (each sum is read by its own update alone, which the write waits for).
  const adds = finite(loss);
  trainable.forEach((p, i) => {
    const slot = p.name + GRAD_SUM;
    const sum = g.input(slot, 'float32', p.shape);
    sums.push({ slot, output: slot + UPDATED, param: p.name, shape: p.shape });
    sumOutputs.push({ name: slot + UPDATED, tensor: where(adds, add(sum, grads[i] as Tensor), sum) });
  });
  const head = [{ name: 'loss', tensor: loss }, ...userOutputs];
  const emitted = emitProgram(g, spec, trainable, [...head, ...sumOutputs]);
  const accumulate: Program = {
    kind: 'accumulate',
    model: emitted.model,
    inputs: userInputs,
    scalars: [],
    // Parameters are read, not written, by a micro-step.
    slots: [...trainable.map((p) => ({ slot: p.name, param: p.name, shape: p.shape })), ...sums, ...emitted.frozen],
    outputs: head.map((o) => o.name),
  };

  const ga = new Graph();
  const params = trainable.map((p) => ga.param(p.name, p.shape));
  const sumInputs = trainable.map((p) => ga.input(p.name + GRAD_SUM, 'float32', p.shape));
  // A non-finite gradient norm (the sums overflowed) keeps every value, the sums included.
  const update = appendUpdate(
    ga,
    spec,
    params,
    sumInputs.map((t) => mul(t, 1 / microSteps)),
    finite,
  );
  const reset = sumInputs.map((t) => ({ name: t.name + UPDATED, tensor: update.kept(mul(t, 0), t) }));
  const applySlots = [
    ...update.slots,
    ...sumInputs.map((t, i) => ({ slot: t.name, output: t.name + UPDATED, param: (trainable[i] as Tensor).name, shape: t.shape })),
  ];
  const apply: Program = {
    kind: 'apply',
    gated: spec.gated ? trainable.map((t) => t.name) : undefined,
    model: emitProgram(ga, spec, params, [{ name: 'grad_norm', tensor: update.gradNorm }, ...update.outputs, ...reset]).model,
    inputs: [],
    slots: applySlots,
    outputs: ['grad_norm'],
    ...scalarHooks(spec.optimizer),
  };
  return { accumulate, apply };
}

export interface InferSpec {
  build: ModelBuilder;
  params: ParameterSet;
  /** As TrainStepSpec.frozenInputs. */
  frozenInputs?: boolean;
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
  const { model, frozen } = emitProgram(
    g,
    spec,
    trainable,
    named.map(([name, tensor]) => ({ name, tensor })),
  );
  return {
    kind: 'infer',
    model,
    inputs,
    scalars: [],
    slots: [...trainable.map((t) => ({ slot: t.name, param: t.name, shape: t.shape })), ...frozen],
    outputs: named.map(([n]) => n),
  };
}
