// The host side of the contract: applies a strategy and runs every hook through one wrapper that names the plugin.

import { mkdir } from 'node:fs/promises';
import type { AdapterSite, LinearSite, ModuleHooks, ParameterSite, PretrainedModel } from '@tuneql/engine';
import type { z } from 'zod';
import { freshParameters } from '../modules/saved.ts';
import { type HookName, StrategyError } from './errors.ts';
import type { ConfigSchema, ExportReport, InjectReport, Strategy, StrategyContext, TrainableSchedule } from './strategy.ts';
import { parseStrategyConfig } from './validate.ts';

function messageOf(err: unknown): string {
  return err instanceof Error ? err.message : String(err);
}

/**
 * Runs one hook of `strategy`. Anything it throws (or rejects with) comes back as a StrategyError that
 * names the strategy and the hook: STRATEGY_HOOK_FAILED for an ordinary error, the plugin's own code
 * for a StrategyError it threw on purpose (a config it refuses).
 */
export function runHook<T>(strategy: Pick<Strategy, 'id'>, hook: HookName, fn: () => T): T {
  const wrap = (err: unknown): StrategyError => {
    if (err instanceof StrategyError) {
      if (err.plugin && err.hook) return err;
      const message = err.message.startsWith(`strategy '${strategy.id}'`) ? err.message : `strategy '${strategy.id}': ${err.message}`;
      return new StrategyError(err.code, message, { plugin: strategy.id, hook, path: err.path, cause: err.cause });
    }
    return new StrategyError(
      'STRATEGY_HOOK_FAILED',
      `strategy '${strategy.id}' failed in its ${hook} hook: ${messageOf(err)}; this run stops (other runs are unaffected); if the config looks right, report it to the plugin's author`,
      { plugin: strategy.id, hook, cause: err },
    );
  };
  let result: T;
  try {
    result = fn();
  } catch (err) {
    throw wrap(err);
  }
  if (result instanceof Promise) {
    return result.catch((err: unknown) => {
      throw wrap(err);
    }) as T;
  }
  return result;
}

/** The model's hooks with every call going through runHook. */
function guardModelHooks(strategy: Strategy, factory: NonNullable<PretrainedModel['hooks']>): NonNullable<PretrainedModel['hooks']> {
  return (ctx) => {
    const hooks = runHook(strategy, 'hooks', () => factory(ctx));
    const guarded: ModuleHooks = {};
    if (hooks?.linear) guarded.linear = (site: LinearSite) => runHook(strategy, 'hooks.linear', () => hooks.linear?.(site));
    if (hooks?.adapter) guarded.adapter = (site: AdapterSite) => runHook(strategy, 'hooks.adapter', () => hooks.adapter?.(site));
    if (hooks?.parameter) guarded.parameter = (site: ParameterSite) => runHook(strategy, 'hooks.parameter', () => hooks.parameter?.(site));
    return guarded;
  };
}

/** Whether any dot-separated segment of `name` starts with `prefix`. */
export function carriesPrefix(name: string, prefix: string): boolean {
  return name.split('.').some((segment) => segment.startsWith(prefix));
}

function violated(strategy: Strategy, hook: HookName, message: string): StrategyError {
  return new StrategyError('STRATEGY_CONTRACT_VIOLATED', `strategy '${strategy.id}' (${hook} hook): ${message}`, {
    plugin: strategy.id,
    hook,
  });
}

function checkReport(strategy: Strategy, report: unknown): InjectReport {
  const r = report as Partial<InjectReport> | undefined;
  if (!r || typeof r.trainable !== 'number' || typeof r.total !== 'number' || !Array.isArray(r.added)) {
    throw violated(strategy, 'inject', 'inject must return a report { trainable, total, added } (see reportOf)');
  }
  return r as InjectReport;
}

const applied = new WeakMap<PretrainedModel, string>();

export interface ApplyOptions {
  /** The base model's folder or hub name, recorded in exports. */
  baseModel?: string;
}

/** A strategy applied to one model: its parsed config, its report, and the hooks that come after inject. */
export class AppliedStrategy<S extends ConfigSchema = ConfigSchema> {
  readonly strategy: Strategy<S>;
  readonly model: PretrainedModel;
  readonly config: z.output<S>;
  readonly report: InjectReport;
  readonly baseModel: string | undefined;
  /** For train({ trainableSchedule }); undefined when everything trainable trains from the first epoch. */
  readonly trainableSchedule: TrainableSchedule | undefined;
  /** The base model's parameter names, before inject. */
  readonly baseNames: ReadonlySet<string>;

  constructor(
    strategy: Strategy<S>,
    ctx: StrategyContext<z.output<S>>,
    report: InjectReport,
    schedule: TrainableSchedule | undefined,
    baseNames: ReadonlySet<string>,
  ) {
    this.strategy = strategy;
    this.model = ctx.model;
    this.config = ctx.config;
    this.baseModel = ctx.baseModel;
    this.report = report;
    this.trainableSchedule = schedule;
    this.baseNames = baseNames;
  }

  private get context(): StrategyContext<z.output<S>> {
    return { model: this.model, config: this.config, baseModel: this.baseModel };
  }

  get canMerge(): boolean {
    return typeof this.strategy.merge === 'function';
  }

  get canExport(): boolean {
    return typeof this.strategy.export === 'function';
  }

  /** The adaptation folded into the base weights: a plain model (no hooks, only the base parameters). */
  async merge(): Promise<PretrainedModel> {
    const s = this.strategy as Strategy;
    if (!s.merge) {
      throw new StrategyError(
        'STRATEGY_MERGE_UNSUPPORTED',
        `strategy '${s.id}' cannot fold its adaptation into the base weights; export it (with its own parameters) instead of merging`,
        { plugin: s.id, hook: 'merge' },
      );
    }
    const merge = s.merge.bind(s);
    const merged = await runHook(s, 'merge', () => merge(this.context));
    if (!merged?.params || merged.hooks) throw violated(s, 'merge', 'merge must return a model without hooks');
    const extra = merged.params.names.filter((n) => !this.baseNames.has(n));
    if (extra.length)
      throw violated(s, 'merge', `the merged model still holds parameters the base model lacks: ${extra.slice(0, 5).join(', ')}`);
    return merged;
  }

  /** Writes the strategy's artifact into `dir` (created if needed). */
  async export(dir: string): Promise<ExportReport> {
    const s = this.strategy as Strategy;
    if (!s.export) {
      throw new StrategyError('STRATEGY_EXPORT_UNSUPPORTED', `strategy '${s.id}' has no export hook; save the whole model instead`, {
        plugin: s.id,
        hook: 'export',
      });
    }
    await mkdir(dir, { recursive: true });
    const exporter = s.export.bind(s);
    const report = await runHook(s, 'export', () => exporter(this.context, dir));
    if (!report || typeof report.format !== 'string' || !Array.isArray(report.files)) {
      throw violated(s, 'export', 'export must return { format, files }');
    }
    return report;
  }
}

/**
 * Applies `strategy` to `model` with the run's raw config: checks the model is supported, parses the
 * config, runs inject (its new parameters must carry the strategy's prefix) and schedule, and guards the
 * model hooks it installed. On failure the model's hooks and trainable flags are put back.
 */
export async function applyStrategy<S extends ConfigSchema>(
  strategy: Strategy<S>,
  model: PretrainedModel,
  rawConfig: unknown = {},
  options: ApplyOptions = {},
): Promise<AppliedStrategy<S>> {
  const s = strategy as unknown as Strategy;
  const modelType = model.arch.modelType;
  if (!s.tasks.includes(model.task) || !(s.architectures.includes('*') || s.architectures.includes(modelType))) {
    throw new StrategyError(
      'STRATEGY_UNSUPPORTED',
      `strategy '${s.id}' does not support ${model.task} on ${modelType} models; it supports tasks ${s.tasks.join(', ')} on ${s.architectures.join(', ')}`,
      { plugin: s.id },
    );
  }
  const previous = applied.get(model);
  if (previous) {
    throw new StrategyError(
      'STRATEGY_UNSUPPORTED',
      `this model already carries strategy '${previous}'; load a fresh model for each run before applying '${s.id}'`,
      { plugin: s.id },
    );
  }
  const config = parseStrategyConfig(strategy, rawConfig);
  const ctx: StrategyContext<z.output<S>> = { model, config, baseModel: options.baseModel };
  const baseNames = new Set(model.params.names);
  const hooksBefore = model.hooks;
  const trainableBefore = new Set(model.params.trainableNames);
  try {
    let report = checkReport(s, await runHook(s, 'inject', () => strategy.inject(ctx)));
    // Weights the checkpoint lacked (a new head, a pooler left out of pre-training) start random: left frozen
    // they would hold every run back, so they train under any strategy, a plugin's too (PEFT's modules_to_save).
    const fresh = freshParameters(model).filter((n) => !model.params.get(n).trainable);
    if (fresh.length) {
      const trainableNow = new Set(model.params.trainableNames);
      model.params.setTrainable((n) => trainableNow.has(n) || fresh.includes(n));
      report = { ...report, trainable: model.params.count('trainable'), details: { ...report.details, freshTrained: fresh } };
    }
    const added = model.params.names.filter((n) => !baseNames.has(n));
    if (added.length && !s.parameterPrefix) {
      throw violated(s, 'inject', `it added parameters (${added.slice(0, 3).join(', ')}) but declares no parameterPrefix`);
    }
    const unprefixed = s.parameterPrefix ? added.filter((n) => !carriesPrefix(n, s.parameterPrefix as string)) : [];
    if (unprefixed.length) {
      throw violated(
        s,
        'inject',
        `new parameters must carry the prefix '${s.parameterPrefix}' in a name segment; these do not: ${unprefixed.slice(0, 5).join(', ')}`,
      );
    }
    if (model.params.count('trainable') === 0) throw violated(s, 'inject', 'it left no parameter trainable');
    if (model.hooks && model.hooks !== hooksBefore) model.hooks = guardModelHooks(s, model.hooks);
    const schedule = strategy.schedule ? runHook(s, 'schedule', () => strategy.schedule?.(ctx)) : undefined;
    const trainable = new Set(model.params.trainableNames);
    const guarded: TrainableSchedule | undefined = schedule
      ? (epoch) => {
          const active = runHook(s, 'schedule', () => schedule(epoch));
          const unknown = [...(active ?? [])].filter((n) => !trainable.has(n));
          if (!active || unknown.length) {
            throw violated(
              s,
              'schedule',
              `epoch ${epoch}: the schedule must name trainable parameters only; unknown: ${unknown.slice(0, 5).join(', ')}`,
            );
          }
          return active;
        }
      : undefined;
    applied.set(model, s.id);
    return new AppliedStrategy(strategy, ctx, report, guarded, baseNames);
  } catch (err) {
    model.hooks = hooksBefore;
    model.params.setTrainable((n) => trainableBefore.has(n));
    throw err;
  }
}

/**
 * Puts an exported artifact back onto a fresh base model: the strategy's load hook reads it, inject
 * runs with the saved config, and the saved values replace the parameters of the same names.
 */
export async function restoreStrategy<S extends ConfigSchema>(
  strategy: Strategy<S>,
  base: PretrainedModel,
  dir: string,
  options: ApplyOptions = {},
): Promise<AppliedStrategy<S>> {
  const s = strategy as unknown as Strategy;
  if (!s.load) {
    throw new StrategyError('STRATEGY_EXPORT_UNSUPPORTED', `strategy '${s.id}' has no load hook, so its exports cannot be loaded back`, {
      plugin: s.id,
      hook: 'load',
    });
  }
  const load = s.load.bind(s);
  const artifact = await runHook(s, 'load', () => load({ dir, model: base }));
  let result: AppliedStrategy<S>;
  try {
    result = await applyStrategy(strategy, base, artifact.config, options);
  } catch (err) {
    if (!(err instanceof StrategyError) || !['STRATEGY_CONFIG_INVALID', 'STRATEGY_UNSUPPORTED'].includes(err.code)) throw err;
    throw new StrategyError(
      'STRATEGY_ARTIFACT_INVALID',
      `${dir}: the export does not fit this ${base.arch.modelType} model: ${err.message}; load it onto the base model it was trained from`,
      { plugin: s.id, hook: 'load', path: err.path, cause: err },
    );
  }
  for (const [name, data] of artifact.tensors) {
    if (!base.params.has(name)) {
      throw new StrategyError(
        'STRATEGY_ARTIFACT_INVALID',
        `${dir}: strategy '${s.id}' saved a tensor '${name}' that this ${base.arch.modelType} model does not have; load the export onto the base model it was trained from`,
        { plugin: s.id, hook: 'load' },
      );
    }
    const p = base.params.get(name);
    if (p.data.length !== data.length) {
      throw new StrategyError(
        'STRATEGY_ARTIFACT_INVALID',
        `${dir}: tensor '${name}' has ${data.length} values but the model's parameter has shape [${p.shape.join(', ')}]; load the export onto the base model it was trained from`,
        { plugin: s.id, hook: 'load' },
      );
    }
    p.data = Float32Array.from(data);
  }
  return result;
}
