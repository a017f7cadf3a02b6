// @tuneql/adapters: the strategy contract, its host side, helpers for strategy authors, and the built-in strategies.

// Engine pieces a strategy plugin needs, so that plugins depend on this package alone.
export {
  type AdapterKind,
  type AdapterSite,
  declareParameters,
  type ForwardContext,
  type Initializer,
  init,
  instantiate,
  type LinearSite,
  loadPretrained,
  type ModuleHooks,
  ops,
  type Parameter,
  type ParameterSet,
  type PretrainedModel,
  readSafetensors,
  savePretrained,
  TASKS,
  type Task,
  type Tensor,
  writeSafetensors,
} from '@tuneql/engine';
export { z } from 'zod';
export {
  HOOK_NAMES,
  type HookName,
  isStrategyError,
  STRATEGY_ERROR_CODES,
  StrategyError,
  type StrategyErrorCode,
  type StrategyErrorDetails,
} from './contract/errors.ts';
export { AppliedStrategy, type ApplyOptions, applyStrategy, carriesPrefix, restoreStrategy, runHook } from './contract/host.ts';
export { type PluginLoadOptions, type RegistryOptions, StrategyRegistry } from './contract/registry.ts';
export { compareVersions, parseRange, parseVersion, satisfies, type Version } from './contract/semver.ts';
export {
  type ConfigOf,
  type ConfigSchema,
  defineStrategy,
  type ExportReport,
  type InjectReport,
  type LoadContext,
  type LoadedArtifact,
  type Strategy,
  type StrategyContext,
  type StrategyDefaults,
  type TrainableSchedule,
} from './contract/strategy.ts';
export { configJsonSchema, HOST_VERSION, parseStrategyConfig, STRATEGY_ID, validateStrategy } from './contract/validate.ts';
export {
  ADAPTER_CONFIG_NAME,
  ADAPTER_WEIGHTS_NAME,
  readAdapterConfig,
  readAdapterFiles,
  type StoredTensor,
  writeAdapterFiles,
} from './modules/artifacts.ts';
export { exportWholeModel, readWholeModel } from './modules/hf-model.ts';
export {
  basePrefix,
  HEAD_TASKS,
  headModules,
  headParameters,
  inModules,
  inputEmbeddings,
  layerCount,
  layerIndex,
  plainCopy,
  reportOf,
} from './modules/model.ts';
export { freshModules, freshParameters, matchesModule, modulePaths, savedModules } from './modules/saved.ts';
export { type AdapterPoint, adapterPoints, type LinearModule, linearModules } from './modules/sites.ts';
export { describeTarget, type ModuleTarget, matchesName, matchesTarget, moduleTargetSchema } from './modules/targets.ts';
export { bottleneck } from './strategies/bottleneck/index.ts';
export { BUILTIN_STRATEGIES, createRegistry } from './strategies/builtin.ts';
export { full } from './strategies/full/index.ts';
export { lora } from './strategies/lora/index.ts';
export { partial } from './strategies/partial/index.ts';
