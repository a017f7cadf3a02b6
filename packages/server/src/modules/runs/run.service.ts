// Runs: created with every input checked before anything is queued, listed with filters and cursors,
// cancelled, resumed and deleted; each change of status is announced to subscribers.

import type { StrategyRegistry } from '@tuneql/adapters';
import { parseStrategyConfig } from '@tuneql/adapters';
import { checkProvider, type DataThreads, snakeKeys, TrainerSettingsSchema } from '@tuneql/engine';
import type { DataSource } from 'typeorm';
import { isUuid } from '../../db/columns.ts';
import { type Notifier, Topic } from '../../events/notifier.ts';
import { CREATED_KEY, type KeysetSource, queryKeyset } from '../../graphql/connection.ts';
import { AppError } from '../../graphql/errors.ts';
import { logger } from '../../ops/logger.ts';
import type { RunQueue } from '../../queue/run-queue.ts';
import { runKey } from '../../storage/run-keys.ts';
import type { StorageCache } from '../../storage/storage-cache.ts';
import { progressLogger } from '../../training/data-progress.ts';
import { checkMaxLength, sequenceLimits } from '../../training/model-limits.ts';
import { checkRunData, type DatasetCache } from '../../training/prepare-run.ts';
import { checkRunMemory, type MemoryLimit, RunTooLargeError } from '../../training/run-memory.ts';
import { parseRunSpec, type RunSpec, withStrategyDefaults } from '../../training/run-spec.ts';
import type { DatasetEntity } from '../datasets/dataset.entity.ts';
import type { DatasetService } from '../datasets/dataset.service.ts';
import type { ModelEntity } from '../models/model.entity.ts';
import type { ModelService } from '../models/model.service.ts';
import { RunEntity, type RunStatusName } from './run.entity.ts';
import { RunErrorCode } from './run.errors.ts';
import type { CreateRunInput, HyperparametersInput, RunFilter } from './run.input.ts';

/**
 * The GraphQL hyperparameters (camelCase) as the run spec's training section (snake_case), under the
 * strategy's suggestions. A null is a setting left out, except where the setting takes null (clip_grad_norm).
 */
function trainingOf(h: HyperparametersInput | undefined, strategyDefaults: Readonly<Record<string, unknown>>): unknown {
  const given = Object.entries(snakeKeys({ ...h })).filter(([key, value]) => {
    const setting = (TrainerSettingsSchema.shape as Record<string, { safeParse(v: unknown): { success: boolean } }>)[key];
    return value !== undefined && (value !== null || setting?.safeParse(null).success);
  });
  return withStrategyDefaults(Object.fromEntries(given), strategyDefaults);
}

export interface RunServiceDeps {
  dataSource: DataSource;
  cache: StorageCache;
  notifier: Notifier;
  queue: RunQueue;
  models: ModelService;
  datasets: DatasetService;
  strategies: StrategyRegistry;
  /** What one run may use (runMemoryLimit): createRun refuses a run whose worst case exceeds it. */
  memoryLimit: MemoryLimit;
  /** Where the data checks read and tokenize a run's dataset (worker threads: the event loop only routes). */
  data: DataThreads;
  /** Tokenized datasets, shared with preflight and this process's workers, so a queued run does not tokenize again. */
  preparedData: DatasetCache;
}

export class RunService {
  private readonly deps: RunServiceDeps;

  constructor(deps: RunServiceDeps) {
    this.deps = deps;
  }

  get memoryLimit(): MemoryLimit {
    return this.deps.memoryLimit;
  }

  private get repo() {
    return this.deps.dataSource.getRepository(RunEntity);
  }

  async get(id: string): Promise<RunEntity> {
    const run = isUuid(id) ? await this.repo.findOneBy({ id }) : null;
    if (!run) throw new AppError(RunErrorCode.RUN_NOT_FOUND, `run ${id} does not exist`, { id });
    return run;
  }

  /** The spec a run trains from: the stored run with the model folder and dataset file as copies on this machine. */
  specOf(
    run: Pick<RunEntity, 'task' | 'strategyId' | 'strategyConfig' | 'hyperparameters' | 'seed' | 'device' | 'maxLength'>,
    dataset: DatasetEntity,
    local: { modelDir: string; datasetFile: string },
    modelName?: string,
  ): RunSpec {
    return parseRunSpec({
      model: local.modelDir,
      model_name: modelName,
      task: run.task,
      data: {
        file: local.datasetFile,
        format: dataset.format,
        columns: dataset.columns,
        labels: dataset.labels ?? undefined,
        max_length: run.maxLength,
      },
      strategy: { id: run.strategyId, config: run.strategyConfig },
      training: run.hyperparameters,
      seed: run.seed,
      device: run.device,
    });
  }

  /** The model folder and dataset file on this machine (fetched from storage into the cache when remote). */
  async localFiles(model: ModelEntity, dataset: DatasetEntity): Promise<{ modelDir: string; datasetFile: string }> {
    return { modelDir: await this.deps.cache.tree(model.path), datasetFile: await this.deps.cache.file(dataset.path) };
  }

  /** Everything a run needs, checked: model, dataset, task, strategy and its config, trainer settings, device. */
  async validate(
    input: CreateRunInput,
    /** Fetch the model and dataset so that the spec's paths are files on this machine (preflight loads them); otherwise they are storage keys. */
    options: { localFiles?: boolean } = {},
  ): Promise<{ spec: RunSpec; model: ModelEntity; dataset: DatasetEntity; fields: Omit<RunEntity, 'id' | 'createdAt'> }> {
    const model = await this.deps.models.get(input.modelId);
    const dataset = await this.deps.datasets.get(input.datasetId);
    const task = input.task ?? dataset.task;
    if (task !== dataset.task) {
      throw new AppError(
        RunErrorCode.RUN_INVALID_INPUT,
        `dataset ${dataset.name} was checked for ${dataset.task}, not ${task}; create a dataset for ${task}`,
        { field: 'task' },
      );
    }
    if (!model.supportedTasks.includes(task)) {
      throw new AppError(
        RunErrorCode.RUN_INVALID_INPUT,
        `model ${model.name} (${model.modelType}) cannot be fine-tuned for ${task}; it supports ${model.supportedTasks.join(', ')}`,
        { field: 'task' },
      );
    }
    const strategy = this.deps.strategies.get(input.strategy);
    if (
      !strategy.tasks.includes(task as never) ||
      !(strategy.architectures.includes('*') || strategy.architectures.includes(model.modelType))
    ) {
      throw new AppError(
        RunErrorCode.RUN_INVALID_INPUT,
        `strategy '${strategy.id}' does not support ${task} on ${model.modelType}; it supports ${strategy.tasks.join(', ')} on ${strategy.architectures.join(', ')}`,
        { field: 'strategy' },
      );
    }
    parseStrategyConfig(strategy, input.strategyConfig ?? {});
    try {
      checkProvider(input.device);
    } catch (err) {
      throw new AppError(RunErrorCode.RUN_INVALID_INPUT, (err as Error).message, { field: 'device' });
    }
    const fields = {
      name: input.name?.trim() || `${strategy.id} on ${dataset.name}`,
      modelId: model.id,
      datasetId: dataset.id,
      task,
      strategyId: strategy.id,
      strategyConfig: input.strategyConfig ?? {},
      hyperparameters: trainingOf(input.hyperparameters, strategy.defaults) as Record<string, unknown>,
      seed: input.seed,
      device: input.device,
      maxLength: input.maxLength,
      status: 'QUEUED' as RunStatusName,
      errorCode: null,
      errorMessage: null,
      attempt: 0,
      workerId: null,
      cancelRequested: false,
      lastSeq: 0,
      progress: null,
      best: null,
      testResults: null,
      trainableParameters: null,
      totalParameters: null,
      meanStepSeconds: null,
      peakMemoryBytes: null,
      startedAt: null,
      finishedAt: null,
      sweepId: null as string | null,
      sweepTrial: null as number | null,
      sweepParams: null as Record<string, unknown> | null,
      promoted: false,
    };
    const spec = this.specOf(
      fields,
      dataset,
      options.localFiles ? await this.localFiles(model, dataset) : { modelDir: model.path, datasetFile: dataset.path },
      model.name,
    );
    fields.hyperparameters = spec.training as Record<string, unknown>;
    checkMaxLength(spec, model.name, sequenceLimits(model.config, model.tokenizer.maxLength));
    return { spec, model, dataset, fields };
  }

  /**
   * The run's worst case (every example at maxLength) against what a run may use, from the model's stored
   * config and shapes alone: nothing is allocated or fetched. A strategy option at fault is refused as the
   * config's (STRATEGY_CONFIG_INVALID), anything else as RUN_TOO_LARGE.
   */
  private async checkMemory(spec: RunSpec, model: ModelEntity, dataset: DatasetEntity): Promise<void> {
    try {
      await checkRunMemory(
        {
          spec,
          modelConfig: model.config,
          numLabels: dataset.labels?.length,
          splits: { validation: dataset.stats.splits.validation > 0, test: dataset.stats.splits.test > 0 },
        },
        this.deps.strategies.get(spec.strategy.id),
        this.deps.memoryLimit,
      );
    } catch (err) {
      if (!(err instanceof RunTooLargeError)) throw err;
      throw new AppError(RunErrorCode.RUN_TOO_LARGE, err.message, { estimateBytes: err.estimateBytes, limitBytes: err.limitBytes });
    }
  }

  /**
   * The checks that need the data tokenized (decision 0021): the chat template against every conversation,
   * each conversation against max_length, a full batch, the retention check's needs. The dataset is fetched
   * to this machine and tokenized in a worker thread, once per (dataset, tokenizer, max_length, ...): the
   * cache is the one preflight and this process's workers read.
   */
  private async checkData(fields: Omit<RunEntity, 'id' | 'createdAt'>, model: ModelEntity, dataset: DatasetEntity): Promise<void> {
    const spec = this.specOf(fields, dataset, await this.localFiles(model, dataset), model.name);
    await checkRunData(spec, {
      datasets: this.deps.preparedData,
      data: this.deps.data,
      onDataProgress: progressLogger(`checks of a run on ${dataset.id}`, (line) => logger().info(line)),
    });
  }

  /** Every check createRun makes, queueing nothing: the spec the run would train from. */
  async check(input: CreateRunInput): Promise<RunSpec> {
    const { spec, model, dataset, fields } = await this.validate(input);
    await this.checkMemory(spec, model, dataset);
    await this.checkData(fields, model, dataset);
    return spec;
  }

  /** Checks and queues a run; `trial` makes it a sweep's trial (a second run with the same sweep and number is refused by the database). */
  async create(input: CreateRunInput, trial?: { sweepId: string; number: number; params: Record<string, unknown> }): Promise<RunEntity> {
    const { spec, model, dataset, fields } = await this.validate(input);
    await this.checkMemory(spec, model, dataset);
    await this.checkData(fields, model, dataset);
    if (trial) Object.assign(fields, { sweepId: trial.sweepId, sweepTrial: trial.number, sweepParams: trial.params });
    const run = await this.repo.save(fields);
    await this.deps.queue.enqueue(run.id);
    this.announce(run.id);
    return run;
  }

  private readonly endListeners: ((run: Pick<RunEntity, 'id' | 'sweepId'>) => void)[] = [];

  /** Calls `listener` each time a run of this process ends (finished, failed, cancelled, lost): sweeps go on from there. */
  onEnded(listener: (run: Pick<RunEntity, 'id' | 'sweepId'>) => void): void {
    this.endListeners.push(listener);
  }

  /** Says that `run` ended, to the onEnded listeners. */
  ended(run: Pick<RunEntity, 'id' | 'sweepId'>): void {
    for (const listener of this.endListeners) listener(run);
  }

  /** The runs `filter` lets through, newest first, to read a page at a time. */
  listing(filter: RunFilter | undefined): KeysetSource<RunEntity> {
    for (const field of ['modelId', 'datasetId'] as const) {
      const id = filter?.[field];
      if (id && !isUuid(id)) {
        throw new AppError(
          'BAD_USER_INPUT',
          `filter.${field}: '${id}' is not an id from this API (ids are UUIDs); leave it out to list every run`,
          {
            field: `filter.${field}`,
          },
        );
      }
    }
    const query = () => {
      const q = this.repo.createQueryBuilder('r');
      if (filter?.status?.length) q.andWhere('r.status IN (:...status)', { status: filter.status });
      if (filter?.strategy) q.andWhere('r.strategyId = :strategy', { strategy: filter.strategy });
      if (filter?.modelId) q.andWhere('r.modelId = :modelId', { modelId: filter.modelId });
      if (filter?.datasetId) q.andWhere('r.datasetId = :datasetId', { datasetId: filter.datasetId });
      return q;
    };
    return queryKeyset({ name: 'runs', alias: 'r', query, key: CREATED_KEY, order: 'DESC' });
  }

  /** A queued run is cancelled at once (it never starts); a running one stops after its current step. */
  async cancel(id: string): Promise<RunEntity> {
    if (!isUuid(id)) await this.get(id); // RUN_NOT_FOUND, not a database error
    const queued = await this.repo
      .createQueryBuilder()
      .update()
      .set({ status: 'CANCELLED', cancelRequested: true, finishedAt: () => 'now()' })
      .where('id = :id AND status = :status', { id, status: 'QUEUED' })
      .execute();
    if (!queued.affected) {
      const running = await this.repo.update({ id, status: 'RUNNING' }, { cancelRequested: true });
      if (!running.affected) {
        const run = await this.get(id);
        throw new AppError(RunErrorCode.RUN_INVALID_STATE, `run ${id} is ${run.status}; only QUEUED or RUNNING runs can be cancelled`, {
          status: run.status,
        });
      }
    }
    this.announce(id);
    const run = await this.get(id);
    // A queued run ends here; a running one ends in its worker.
    if (queued.affected) this.ended(run);
    return run;
  }

  /** Queues a CANCELLED or FAILED run again; the worker continues from its last checkpoint. */
  async resume(id: string): Promise<RunEntity> {
    if (!isUuid(id)) await this.get(id); // RUN_NOT_FOUND, not a database error
    const r = await this.repo
      .createQueryBuilder()
      .update()
      .set({ status: 'QUEUED', cancelRequested: false, errorCode: null, errorMessage: null, finishedAt: null })
      .where('id = :id AND status IN (:...from)', { id, from: ['CANCELLED', 'FAILED'] })
      .execute();
    if (!r.affected) {
      const run = await this.get(id);
      throw new AppError(RunErrorCode.RUN_INVALID_STATE, `run ${id} is ${run.status}; only CANCELLED or FAILED runs can be resumed`, {
        status: run.status,
      });
    }
    await this.deps.queue.enqueue(id);
    this.announce(id);
    return this.get(id);
  }

  async delete(id: string): Promise<boolean> {
    const run = await this.get(id);
    if (run.status === 'RUNNING' || run.status === 'QUEUED') {
      throw new AppError(RunErrorCode.RUN_INVALID_STATE, `run ${id} is ${run.status}; cancel it before deleting it`, {
        status: run.status,
      });
    }
    await this.repo.delete({ id });
    await this.deps.cache.storage.removePrefix(runKey(id));
    this.announce(id);
    return true;
  }

  /** Tells subscribers (here, and through NOTIFY on other replicas) that the run changed. */
  announce(id: string): void {
    this.deps.notifier.publishLocal(Topic.RUN_STATUS, id);
    this.deps.dataSource.query('SELECT pg_notify($1, $2)', [Topic.RUN_STATUS, id]).catch(() => undefined);
  }
}
