// The strategy contract: what a fine-tuning strategy (built in or third party) declares and the hooks the host calls.

import type { PretrainedModel, Task, TrainerConfig } from '@tuneql/engine';
import type { z } from 'zod';

/** A strategy's config schema: a zod object, so the console can render it as a form from its JSON Schema. */
export type ConfigSchema = z.ZodObject;

/** Hyperparameters that suit the strategy (LoRA trains well near 2e-4, full fine-tuning near 2e-5). */
export type StrategyDefaults = Pick<TrainerConfig, 'learningRate'> &
  Partial<Pick<TrainerConfig, 'epochs' | 'batchSize' | 'weightDecay' | 'warmupRatio' | 'schedule' | 'clipGradNorm'>>;

export interface StrategyContext<C> {
  /** The model being adapted; inject sets its hooks and trainable flags, later hooks see them. */
  model: PretrainedModel;
  /** The run's strategy config as the schema parsed it (defaults filled in). */
  config: C;
  /** The base model's folder or hub name, for artifacts that record it (PEFT's base_model_name_or_path). */
  baseModel?: string;
}

export interface InjectReport {
  /** Parameter values that train (after inject; a schedule may hold some back in early epochs). */
  trainable: number;
  /** All parameter values of the adapted model, the strategy's own included. */
  total: number;
  /** Names of the parameters the strategy added. */
  added: string[];
  /** Module paths the strategy rewrote (LoRA's target layers, adapter points). */
  modules?: string[];
  /** Anything else worth showing with the run. */
  details?: Record<string, unknown>;
}

/** The parameters that train in each epoch (0-based): a subset of the trainable ones (gradual unfreezing). */
export type TrainableSchedule = (epoch: number) => ReadonlySet<string>;

export interface ExportReport {
  /** What was written, e.g. 'peft-lora' or 'hf-model'. */
  format: string;
  /** Files written, relative to the export folder. */
  files: string[];
}

export interface LoadContext {
  /** The folder an export wrote. */
  dir: string;
  /** The base model the artifact goes onto, not adapted yet (read it; do not change it). */
  model: PretrainedModel;
}

/** What an export holds: the config to inject with, and the values of the parameters it saved by their names. */
export interface LoadedArtifact {
  config: unknown;
  tensors: ReadonlyMap<string, Float32Array>;
}

export interface Strategy<S extends ConfigSchema = ConfigSchema> {
  /** Lowercase words joined by hyphens: /^[a-z][a-z0-9]*(?:-[a-z0-9]+)*$/. */
  id: string;
  /** The plugin's own version (semver). */
  version: string;
  /** The TuneQL host versions it supports, as a semver range ('^0.1.0'). */
  host: string;
  description: string;
  configSchema: S;
  defaults: StrategyDefaults;
  tasks: readonly Task[];
  /** config.json model types it supports ('bert', 'gpt2', ...), or ['*'] for any. */
  architectures: readonly string[];
  /**
   * What the names of its new parameters carry in one of their path segments ('lora_' in
   * 'bert.encoder.layer.0.attention.self.query.lora_A.weight'). Omit it when the strategy adds no parameters.
   */
  parameterPrefix?: string;
  /** Wraps modules (model.hooks), declares new parameters (declareParameters) and sets what trains. */
  inject(ctx: StrategyContext<z.output<S>>): InjectReport | Promise<InjectReport>;
  /** Changes the trainable set between epochs; undefined when everything trainable trains from the start. */
  schedule?(ctx: StrategyContext<z.output<S>>): TrainableSchedule | undefined;
  /** Folds the adaptation into the base weights: a plain model with no hooks and no new parameters. */
  merge?(ctx: StrategyContext<z.output<S>>): PretrainedModel | Promise<PretrainedModel>;
  /** Writes the strategy's own artifact into `dir`. */
  export?(ctx: StrategyContext<z.output<S>>, dir: string): ExportReport | Promise<ExportReport>;
  /** Reads what export wrote, so the host can put it back onto a fresh base model. */
  load?(ctx: LoadContext): LoadedArtifact | Promise<LoadedArtifact>;
}

/** Returns its argument: it exists so that a strategy object literal is checked and its config typed. */
export function defineStrategy<S extends ConfigSchema>(strategy: Strategy<S>): Strategy<S> {
  return strategy;
}

/** The config type a strategy's hooks receive. */
export type ConfigOf<T> = T extends Strategy<infer S> ? z.output<S> : never;
