// Sweeps: created with the whole space checked before anything is queued; advanced each time a trial ends
// (the next trials queued up to the parallelism, the best promoted at the end); trials judged at each
// evaluation by the median stopping rule; cancelled with their trials. Any process (the API, any worker)
// may advance a sweep: a trial's number is unique per sweep, so two that race create it once.

import { isStrategyError, type StrategyRegistry } from '@tuneql/adapters';
import { camelName, defaultMetric, greaterIsBetter, type Task, type TrainEvent, TrainerSettingsSchema } from '@tuneql/engine';
import type { DataSource } from 'typeorm';
import { isUuid } from '../../db/columns.ts';
import { CREATED_KEY, type KeysetSource, queryKeyset } from '../../graphql/connection.ts';
import { AppError, describeError } from '../../graphql/errors.ts';
import { logger } from '../../ops/logger.ts';
import { RunEntity } from '../runs/run.entity.ts';
import type { CreateRunInput } from '../runs/run.input.ts';
import type { RunService } from '../runs/run.service.ts';
import { type EvaluationPoint, medianStopDecision } from './early-termination.ts';
import { nextPoint, type Observation } from './samplers.ts';
import { applyPoint, type Dimension, extremes, gridPoint, gridSize, type ParameterValues, STRATEGY_PREFIX } from './search-space.ts';
import { SweepEntity } from './sweep.entity.ts';
import { MAX_SWEEP_PARALLELISM, MAX_SWEEP_TRIALS, SweepErrorCode } from './sweep.errors.ts';
import type { CreateSweepInput, SweepFilter, SweepParameterInput } from './sweep.input.ts';

/** Trainer settings a sweep may not vary: the objective's metric, and early stopping's nested settings. */
const FIXED_SETTINGS = new Set(['metric', 'early_stopping']);

/** The trainer settings a sweep may vary, by their hyperparameters (camelCase) name, with their zod schema. */
const SETTINGS: ReadonlyMap<string, { safeParse(v: unknown): { success: boolean } }> = new Map(
  Object.entries(TrainerSettingsSchema.shape)
    .filter(([key]) => !FIXED_SETTINGS.has(key))
    .map(([key, schema]) => [camelName(key), schema]),
);

const DEFAULT_RANDOM_TRIALS = 10;
const ACTIVE = ['QUEUED', 'RUNNING'];

function fail(code: string, message: string, details?: Record<string, unknown>): never {
  throw new AppError(code, message, details);
}

/** A trial's state: its run's status, but PRUNED for a run the rule stopped. */
export function trialState(run: Pick<RunEntity, 'status' | 'errorCode'>): string {
  return run.status === 'CANCELLED' && run.errorCode === SweepErrorCode.TRIAL_PRUNED ? 'PRUNED' : run.status;
}

export interface SweepServiceDeps {
  dataSource: DataSource;
  runs: RunService;
  strategies: StrategyRegistry;
}

export class SweepService {
  private readonly deps: SweepServiceDeps;
  /** Advances of one sweep in this process run one after another (other processes are fenced by the trial numbers). */
  private readonly advancing = new Map<string, Promise<void>>();

  constructor(deps: SweepServiceDeps) {
    this.deps = deps;
    deps.runs.onEnded((run) => {
      if (run.sweepId) this.advanceSoon(run.sweepId);
    });
  }

  private get repo() {
    return this.deps.dataSource.getRepository(SweepEntity);
  }

  private get runRepo() {
    return this.deps.dataSource.getRepository(RunEntity);
  }

  async get(id: string): Promise<SweepEntity> {
    const sweep = isUuid(id) ? await this.repo.findOneBy({ id }) : null;
    if (!sweep) fail(SweepErrorCode.SWEEP_NOT_FOUND, `sweep ${id} does not exist`, { id });
    return sweep;
  }

  /** The sweeps `filter` lets through, newest first. */
  listing(filter: SweepFilter | undefined): KeysetSource<SweepEntity> {
    const query = () => {
      const q = this.repo.createQueryBuilder('s');
      if (filter?.status?.length) q.andWhere('s.status IN (:...status)', { status: filter.status });
      return q;
    };
    return queryKeyset({ name: 'sweeps', alias: 's', query, key: CREATED_KEY, order: 'DESC' });
  }

  /** A sweep's trials (their runs), by number. */
  trialListing(sweepId: string): KeysetSource<RunEntity> {
    const query = () => this.runRepo.createQueryBuilder('r').where('r.sweepId = :sweepId', { sweepId });
    return queryKeyset({ name: `trials:${sweepId}`, alias: 'r', query, key: [{ property: 'sweepTrial', kind: 'int' }], order: 'ASC' });
  }

  trials(sweepId: string): Promise<RunEntity[]> {
    return this.runRepo.find({ where: { sweepId }, order: { sweepTrial: 'ASC' } });
  }

  /** Each trial's evaluations of the objective, in order (for the stopping rule, the TPE and bestSoFar). */
  async evaluations(sweep: Pick<SweepEntity, 'id' | 'metric'>, runIds?: readonly string[]): Promise<Map<string, EvaluationPoint[]>> {
    const rows = (await this.deps.dataSource.query(
      `SELECT e.run_id, e.epoch, (e.values ->> $2)::double precision AS value
       FROM run_events e JOIN runs r ON r.id = e.run_id
       WHERE r.sweep_id = $1 AND e.type = 'eval' AND e.values ? $2 AND ($3::uuid[] IS NULL OR e.run_id = ANY($3::uuid[]))
       ORDER BY e.run_id, e.seq`,
      [sweep.id, `eval_${sweep.metric}`, runIds ?? null],
    )) as { run_id: string; epoch: number; value: number | null }[];
    const out = new Map<string, EvaluationPoint[]>();
    for (const r of rows) {
      if (r.value === null) continue;
      const list = out.get(r.run_id) ?? [];
      list.push({ epoch: Number(r.epoch), value: Number(r.value) });
      out.set(r.run_id, list);
    }
    return out;
  }

  // --- creating ----------------------------------------------------------------------------------------

  /** The dimension a parameter input stands for, checked against the settings and the strategy's options. */
  private dimension(p: SweepParameterInput, index: number, strategyId: string): Dimension {
    const where = `parameters[${index}] (${p.name})`;
    let schema: { safeParse(v: unknown): { success: boolean } } | undefined;
    if (p.name.startsWith(STRATEGY_PREFIX)) {
      const strategy = this.deps.strategies.get(strategyId);
      const option = p.name.slice(STRATEGY_PREFIX.length);
      const options = Object.keys(strategy.configSchema.shape);
      // Own keys only: '__proto__' or 'constructor' name no option.
      const shape = strategy.configSchema.shape as Record<string, typeof schema>;
      schema = Object.hasOwn(shape, option) ? shape[option] : undefined;
      if (!schema) {
        fail(
          SweepErrorCode.SWEEP_PARAMETER_UNKNOWN,
          `${where}: strategy '${strategyId}' has no option '${option}'; its options are ${options.map((o) => `${STRATEGY_PREFIX}${o}`).join(', ') || 'none'}`,
          { field: `parameters.${index}.name`, parameter: p.name },
        );
      }
    } else {
      schema = SETTINGS.get(p.name);
      if (!schema) {
        fail(
          SweepErrorCode.SWEEP_PARAMETER_UNKNOWN,
          `${where}: '${p.name}' is not a trainer setting a sweep can vary; vary one of ${[...SETTINGS.keys()].join(', ')}, or a strategy option as ${STRATEGY_PREFIX}<option>`,
          { field: `parameters.${index}.name`, parameter: p.name },
        );
      }
    }
    const hasRange = p.min != null || p.max != null;
    if (p.values != null) {
      if (hasRange) fail(SweepErrorCode.SWEEP_SPACE_INVALID, `${where}: give values or min and max, not both`, { parameter: p.name });
      if (!p.values.length) fail(SweepErrorCode.SWEEP_SPACE_EMPTY, `${where}: values is empty; give at least one`, { parameter: p.name });
      // An enum's values as the API spells them (COSINE) or as config files do (cosine): kept as config files do.
      const values = p.values.map((v) =>
        typeof v === 'string' && !schema.safeParse(v).success && schema.safeParse(v.toLowerCase()).success ? v.toLowerCase() : v,
      );
      return { name: p.name, kind: 'choice', values };
    }
    if (p.min == null || p.max == null) {
      fail(SweepErrorCode.SWEEP_SPACE_INVALID, `${where}: give values, or both min and max`, { parameter: p.name });
    }
    if (!Number.isFinite(p.min) || !Number.isFinite(p.max))
      fail(SweepErrorCode.SWEEP_SPACE_INVALID, `${where}: min and max must be finite`);
    const log = p.scale === 'log';
    if (log && p.min <= 0) {
      fail(SweepErrorCode.SWEEP_SPACE_INVALID, `${where}: a LOG range needs min > 0 (it is ${p.min})`, { parameter: p.name });
    }
    // Whole numbers when the setting or option takes no others (batch size, epochs, LoRA's r).
    const probe = Math.ceil(p.min);
    const integer = schema.safeParse(probe).success && !schema.safeParse(probe + 0.5).success;
    const empty = integer ? Math.ceil(p.min) > Math.floor(p.max) : p.min > p.max;
    if (empty) {
      fail(SweepErrorCode.SWEEP_SPACE_EMPTY, `${where}: the range [${p.min}, ${p.max}] holds no ${integer ? 'whole number' : 'value'}`, {
        parameter: p.name,
      });
    }
    return { name: p.name, kind: 'range', min: p.min, max: p.max, log, integer };
  }

  /** The base run with `point` laid over it, as createRun takes it. */
  private trialInput(base: CreateRunInput, point: ParameterValues, name?: string): CreateRunInput {
    const { hyperparameters, strategyConfig } = applyPoint(
      { hyperparameters: { ...(base.hyperparameters as Record<string, unknown>) }, strategyConfig: { ...base.strategyConfig } },
      point,
    );
    return { ...base, ...(name ? { name } : {}), hyperparameters, strategyConfig } as CreateRunInput;
  }

  /**
   * Checks the run `point` makes as createRun would; a refusal names the parameters and keeps the run's code and
   * message, and with `blame` the one parameter (and its field) the point was made to try.
   */
  private async checkPoint(base: CreateRunInput, point: ParameterValues, blame?: { parameter: string; field: string }): Promise<void> {
    try {
      await this.deps.runs.check(this.trialInput(base, point));
    } catch (err) {
      const d = describeError(err);
      if (!d && !isStrategyError(err)) throw err;
      const at = Object.entries(point)
        .map(([k, v]) => `${k} = ${JSON.stringify(v)}`)
        .join(', ');
      fail(SweepErrorCode.SWEEP_PARAMETER_INVALID, `a trial with ${at} would be refused: ${d?.message ?? (err as Error).message}`, {
        parameters: point,
        cause: d?.code,
        ...blame,
      });
    }
  }

  async create(input: CreateSweepInput): Promise<SweepEntity> {
    const base = input.run;
    // The base run alone first: an unknown model or dataset is its own error, not a parameter's.
    const spec = await this.deps.runs.check(base);
    if (!input.parameters.length) {
      fail(SweepErrorCode.SWEEP_SPACE_EMPTY, 'parameters is empty: name at least one setting or strategy option to vary', {
        field: 'parameters',
      });
    }
    const dims = input.parameters.map((p, i) => this.dimension(p, i, base.strategy));
    const names = dims.map((d) => d.name);
    const twice = names.find((n, i) => names.indexOf(n) !== i);
    if (twice) fail(SweepErrorCode.SWEEP_SPACE_INVALID, `parameters: '${twice}' is named twice`, { parameter: twice });
    if (!Number.isInteger(input.parallelism) || input.parallelism < 1 || input.parallelism > MAX_SWEEP_PARALLELISM) {
      fail(SweepErrorCode.SWEEP_INVALID_INPUT, `parallelism: ${input.parallelism} is out of range; give 1 to ${MAX_SWEEP_PARALLELISM}`, {
        field: 'parallelism',
      });
    }
    const rule = input.earlyStopping;
    if (rule && (rule.warmupEvaluations < 0 || rule.minTrials < 1)) {
      fail(SweepErrorCode.SWEEP_INVALID_INPUT, 'earlyStopping: warmupEvaluations must be >= 0 and minTrials >= 1', {
        field: 'earlyStopping',
      });
    }
    let maxTrials = input.maxTrials ?? DEFAULT_RANDOM_TRIALS;
    if (input.algorithm === 'grid') {
      const range = dims.find((d) => d.kind === 'range');
      if (range) {
        fail(SweepErrorCode.SWEEP_SPACE_INVALID, `a GRID sweep takes values for every parameter; '${range.name}' is a range`, {
          parameter: range.name,
        });
      }
      const size = gridSize(dims);
      if (size > MAX_SWEEP_TRIALS || (input.maxTrials != null && size > input.maxTrials)) {
        fail(
          SweepErrorCode.SWEEP_TOO_MANY_TRIALS,
          `the grid has ${size} points, more than ${input.maxTrials != null && input.maxTrials < MAX_SWEEP_TRIALS ? `maxTrials (${input.maxTrials})` : `a sweep may run (${MAX_SWEEP_TRIALS})`}; give fewer values`,
          { gridSize: size, maxTrials: Math.min(input.maxTrials ?? MAX_SWEEP_TRIALS, MAX_SWEEP_TRIALS) },
        );
      }
      maxTrials = size;
    }
    if (!Number.isInteger(maxTrials) || maxTrials < 1 || maxTrials > MAX_SWEEP_TRIALS) {
      fail(SweepErrorCode.SWEEP_TOO_MANY_TRIALS, `maxTrials: ${maxTrials} is out of range; a sweep runs 1 to ${MAX_SWEEP_TRIALS} trials`, {
        field: 'maxTrials',
        maxTrials,
      });
    }
    // Every trial is checked as createRun checks a run, before anything is queued: each grid point, or
    // each dimension's extremes (each choice, a range's ends) with the others at their first value, and
    // all at their last.
    const first = Object.fromEntries(dims.map((d) => [d.name, extremes(d)[0]]));
    // A point that differs from the first one (checked before it) in one dimension only is that dimension's fault:
    // the refusal names its field, so a form can mark it.
    const blame = (d: Dimension, i: number, v: unknown) =>
      v === first[d.name] && dims.length > 1
        ? undefined
        : { parameter: d.name, field: `parameters.${i}.${d.kind === 'choice' ? 'values' : v === extremes(d)[0] ? 'min' : 'max'}` };
    const points: { point: ParameterValues; blame?: { parameter: string; field: string } }[] =
      input.algorithm === 'grid'
        ? Array.from({ length: maxTrials }, (_, i) => ({ point: gridPoint(dims, i) as ParameterValues }))
        : [
            ...dims.flatMap((d, i) => extremes(d).map((v) => ({ point: { ...first, [d.name]: v }, blame: blame(d, i, v) }))),
            // Every dimension at its last value together: the largest batch with the largest rank, for the memory check.
            { point: Object.fromEntries(dims.map((d) => [d.name, extremes(d).at(-1)])) },
          ];
    for (const { point, blame: at } of points) await this.checkPoint(base, point, at);

    const metric = spec.training.metric ?? defaultMetric(spec.task as Task);
    const sweep = await this.repo.save({
      name: input.name?.trim() || `${input.algorithm} sweep of ${base.strategy}`,
      modelId: base.modelId,
      datasetId: base.datasetId,
      base: { ...base } as SweepEntity['base'],
      parameters: dims,
      algorithm: input.algorithm,
      maxTrials,
      parallelism: input.parallelism,
      earlyStopping: rule ? { warmupEvaluations: rule.warmupEvaluations, minTrials: rule.minTrials } : null,
      seed: input.seed,
      metric,
      greaterIsBetter: greaterIsBetter(metric),
      status: 'RUNNING',
      errorCode: null,
      errorMessage: null,
      bestRunId: null,
      finishedAt: null,
    });
    await this.advance(sweep.id);
    return this.get(sweep.id);
  }

  // --- advancing ---------------------------------------------------------------------------------------

  /** advance() in the background (a worker calls it as a run ends); a failure is logged. */
  advanceSoon(id: string): void {
    this.advance(id).catch((err: Error) => logger().error({ err, sweepId: id }, `sweep ${id}: could not go on (${err.message})`));
  }

  /** Queues the next trials up to the parallelism; promotes the best once every trial has ended. */
  advance(id: string): Promise<void> {
    const previous = this.advancing.get(id) ?? Promise.resolve();
    const next = previous.then(() => this.advanceOnce(id));
    const settled = next.catch(() => undefined);
    this.advancing.set(id, settled);
    settled.then(() => {
      if (this.advancing.get(id) === settled) this.advancing.delete(id);
    });
    return next;
  }

  private async advanceOnce(id: string): Promise<void> {
    for (;;) {
      const sweep = await this.get(id);
      if (sweep.status !== 'RUNNING') return;
      const trials = await this.trials(id);
      const active = trials.filter((t) => ACTIVE.includes(t.status)).length;
      if (active >= sweep.parallelism) return;
      const number = Math.max(0, ...trials.map((t) => t.sweepTrial ?? 0)) + 1;
      const point = nextPoint({
        algorithm: sweep.algorithm,
        dims: sweep.parameters,
        seed: sweep.seed,
        trial: number,
        maxTrials: sweep.maxTrials,
        history: await this.observations(sweep, trials),
      });
      if (!point) {
        if (active === 0) await this.finish(sweep, trials);
        return;
      }
      const input = this.trialInput(sweep.base as unknown as CreateRunInput, point, `${sweep.name} #${number}`);
      let run: RunEntity;
      try {
        run = await this.deps.runs.create(input, { sweepId: id, number, params: point });
      } catch (err) {
        // Another process created this trial first: look again.
        if (/runs_sweep_trial|duplicate key/i.test((err as Error).message)) continue;
        const d = describeError(err);
        await this.end(sweep, 'FAILED', {
          errorCode: SweepErrorCode.SWEEP_TRIAL_REFUSED,
          errorMessage: `trial ${number} (${JSON.stringify(point)}) could not be queued: ${d?.message ?? (err as Error).message}`,
        });
        await this.cancelTrials(id);
        return;
      }
      // Cancelled while this trial was being made: it does not start.
      if ((await this.get(id)).status !== 'RUNNING') await this.deps.runs.cancel(run.id).catch(() => undefined);
    }
  }

  /** What the TPE learns from: succeeded trials by their objective, pruned ones by their best evaluation (as a loss). */
  private async observations(sweep: SweepEntity, trials: readonly RunEntity[]): Promise<Observation[]> {
    if (sweep.algorithm !== 'tpe') return [];
    const pruned = trials.filter((t) => trialState(t) === 'PRUNED');
    const evals = pruned.length
      ? await this.evaluations(
          sweep,
          pruned.map((t) => t.id),
        )
      : new Map<string, EvaluationPoint[]>();
    const loss = (v: number) => (sweep.greaterIsBetter ? -v : v);
    const out: Observation[] = [];
    for (const t of trials) {
      if (!t.sweepParams) continue;
      if (t.status === 'SUCCEEDED' && t.best && Number.isFinite(t.best.value))
        out.push({ params: t.sweepParams, loss: loss(t.best.value) });
      else if (trialState(t) === 'PRUNED') {
        const values = (evals.get(t.id) ?? []).map((e) => loss(e.value)).filter(Number.isFinite);
        if (values.length) out.push({ params: t.sweepParams, loss: Math.min(...values) });
      }
    }
    return out;
  }

  /** The best succeeded trial (ties: the earlier); promoted and marked on the sweep. */
  private async finish(sweep: SweepEntity, trials: readonly RunEntity[]): Promise<void> {
    let best: RunEntity | undefined;
    for (const t of trials) {
      if (t.status !== 'SUCCEEDED' || !t.best || !Number.isFinite(t.best.value)) continue;
      if (!best?.best || (sweep.greaterIsBetter ? t.best.value > best.best.value : t.best.value < best.best.value)) best = t;
    }
    if (!best) {
      await this.end(sweep, 'FAILED', {
        errorCode: SweepErrorCode.SWEEP_NO_TRIAL_SUCCEEDED,
        errorMessage: `none of the ${trials.length} trials succeeded with a value of ${sweep.metric}; see their runs' errors`,
      });
      return;
    }
    if (await this.end(sweep, 'SUCCEEDED', { bestRunId: best.id })) {
      await this.runRepo.update({ id: best.id }, { promoted: true });
      this.deps.runs.announce(best.id);
    }
  }

  /** Moves a RUNNING sweep to its end state; false when another process got there first. */
  private async end(
    sweep: SweepEntity,
    status: 'SUCCEEDED' | 'FAILED' | 'CANCELLED',
    fields: Partial<Pick<SweepEntity, 'errorCode' | 'errorMessage' | 'bestRunId'>> = {},
  ): Promise<boolean> {
    const r = await this.repo.update({ id: sweep.id, status: 'RUNNING' }, { ...fields, status, finishedAt: new Date() });
    return (r.affected ?? 0) > 0;
  }

  // --- early termination -------------------------------------------------------------------------------

  /**
   * Whether a trial stops after the evaluation `event` (already recorded): the median stopping rule over
   * the sweep's succeeded trials. A stopped trial's run is marked (error TRIAL_PRUNED, with the figures)
   * and asked to cancel; its worker stops it at once.
   */
  async judge(run: Pick<RunEntity, 'id' | 'sweepId'>, event: TrainEvent, totalSteps: number): Promise<boolean> {
    // The last evaluation saves nothing by stopping: the trial ends anyway, and counts as finished.
    if (!run.sweepId || (totalSteps > 0 && event.step >= totalSteps)) return false;
    const sweep = await this.repo.findOneBy({ id: run.sweepId });
    if (!sweep?.earlyStopping || sweep.status !== 'RUNNING' || event.values[`eval_${sweep.metric}`] === undefined) return false;
    const trials = await this.trials(sweep.id);
    const finished = trials.filter((t) => t.status === 'SUCCEEDED' && t.id !== run.id);
    if (finished.length < sweep.earlyStopping.minTrials) return false;
    const evals = await this.evaluations(sweep, [run.id, ...finished.map((t) => t.id)]);
    const decision = medianStopDecision(
      evals.get(run.id) ?? [],
      finished.map((t) => evals.get(t.id) ?? []),
      sweep.greaterIsBetter,
      sweep.earlyStopping,
    );
    if (!decision.stop) return false;
    const message = `stopped at epoch ${event.epoch.toFixed(2)}: its best ${sweep.metric} so far, ${decision.value}, is ${sweep.greaterIsBetter ? 'below' : 'above'} the median ${decision.median} of ${decision.peers} finished trials at the same epoch`;
    const r = await this.runRepo.update(
      { id: run.id, status: 'RUNNING' },
      { cancelRequested: true, errorCode: SweepErrorCode.TRIAL_PRUNED, errorMessage: message },
    );
    if (!r.affected) return false;
    logger().info({ runId: run.id, sweepId: sweep.id }, `sweep ${sweep.id}: trial run ${run.id} ${message}`);
    return true;
  }

  // --- cancelling --------------------------------------------------------------------------------------

  async cancel(id: string): Promise<SweepEntity> {
    const sweep = await this.get(id);
    if (!(await this.end(sweep, 'CANCELLED'))) {
      const now = await this.get(id);
      fail(SweepErrorCode.SWEEP_INVALID_STATE, `sweep ${id} is ${now.status}; only a RUNNING sweep can be cancelled`, {
        status: now.status,
      });
    }
    await this.cancelTrials(id);
    return this.get(id);
  }

  private async cancelTrials(id: string): Promise<void> {
    for (const t of await this.trials(id)) {
      if (ACTIVE.includes(t.status)) await this.deps.runs.cancel(t.id).catch(() => undefined);
    }
  }
}
