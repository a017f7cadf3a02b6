// @tuneql/engine: the public surface.

export { gradients } from './autodiff/backward.ts';
export { GRADIENTS, GradientError, sumTo } from './autodiff/gradients.ts';
export { CheckpointError } from './checkpoint/errors.ts';
export { type Checkpoint, loadCheckpoint, type SaveCheckpointOptions, saveCheckpoint } from './checkpoint/hf.ts';
export {
  type LoadedTensor,
  parseSafetensors,
  readSafetensors,
  type SafetensorsDtype,
  type SafetensorsFile,
  serializeSafetensors,
  type TensorData,
  type TensorInput,
  writeSafetensors,
} from './checkpoint/safetensors.ts';
export type { DType, HostArray } from './graph/dtype.ts';
export { OpOptionError, ShapeError } from './graph/errors.ts';
export { Graph, type Node, type Shape, Tensor } from './graph/graph.ts';
export type { OpName } from './graph/ops.ts';
export * as ops from './graph/ops.ts';
export { bceWithLogits, type CrossEntropyOptions, crossEntropy, mse } from './losses.ts';
export { type LinearOptions, linear } from './nn/linear.ts';
export { emitModel, OPSET } from './onnx/emit.ts';
export { type AdamWOptions, adamw, type Optimizer, type SgdOptions, sgd } from './optim/optimizers.ts';
export { constantSchedule, cosineSchedule, type LrSchedule, linearSchedule } from './optim/schedule.ts';
export { type Initializer, init, type Parameter, ParameterSet, ParamScope } from './params/parameters.ts';
export { NonFiniteLossError } from './runtime/protocol.ts';
export { availableProviders, type Provider, ProviderUnavailableError } from './runtime/providers.ts';
export { Rng, type RngState } from './runtime/rng.ts';
export { type Feeds, InputError, LoadedProgram, Runtime, type RuntimeOptions, type StepResult } from './runtime/runtime.ts';
export { compileInference, compileTrainStep, type InferSpec, type ModelBuilder, type Program, type TrainStepSpec } from './step/compile.ts';
