// Runs: create, preflight, list, cancel, resume, delete; metrics history and checkpoints; live events
// (resumable by sequence number) and status changes over graphql-ws.

import { LR_FINDER_MIN_STEPS } from '@tuneql/engine';
import {
  Arg,
  Args,
  ArgsType,
  Authorized,
  Ctx,
  Field,
  FieldResolver,
  ID,
  Int,
  Mutation,
  Query,
  Resolver,
  Root,
  Subscription,
} from 'type-graphql';
import { RunEventTypeEnum } from '../../graphql/api-enums.ts';
import { type Connection, ConnectionArgs, PAGE, type PageSize, paginate } from '../../graphql/connection.ts';
import type { RequestContext } from '../../graphql/context.ts';
import { AppError } from '../../graphql/errors.ts';
import { logger } from '../../ops/logger.ts';
import { progressLogger } from '../../training/data-progress.ts';
import { preflight, preflightLearningRate } from '../../training/preflight.ts';
import { completeCheckpoints } from '../../worker/run-checkpoints.ts';
import { Dataset } from '../datasets/dataset.type.ts';
import { Model } from '../models/model.type.ts';
import type { RunEntity } from './run.entity.ts';
import { RunErrorCode } from './run.errors.ts';
import { CancelRunInput, CreateRunInput, DeleteRunInput, ResumeRunInput, RunFilter } from './run.input.ts';
import {
  CancelRunPayload,
  type Checkpoint,
  CheckpointConnection,
  CreateRunPayload,
  DeleteRunPayload,
  LearningRateRangeTest,
  Preflight,
  ResumeRunPayload,
  Run,
  RunConnection,
  RunEvent,
  RunEventConnection,
} from './run.type.ts';
import type { RunEventEntity } from './run-event.entity.ts';

@ArgsType()
class RunEventsArgs {
  @Field(() => ID)
  runId!: string;

  @Field(() => Int, { defaultValue: 0, description: 'The last sequence number the client has; 0 for everything.' })
  afterSeq!: number;
}

/** Pages of a run's events: a metrics history is read in a few large pages. */
const EVENT_PAGE: PageSize = { default: 1000, max: 10_000 };

export function toRun(r: RunEntity): Run {
  return {
    ...r,
    strategy: r.strategyId,
    status: r.status,
    error: r.errorCode ? { code: r.errorCode, message: r.errorMessage ?? '' } : null,
    progress: r.progress ? { ...r.progress, fraction: r.progress.totalSteps ? r.progress.step / r.progress.totalSteps : 0 } : null,
  };
}

@Resolver(() => Run)
export class RunResolver {
  @Authorized('read')
  @Query(() => Run)
  async run(@Arg('id', () => ID) id: string, @Ctx() ctx: RequestContext): Promise<Run> {
    return toRun(await ctx.services.runs.get(id));
  }

  @Authorized('read')
  @Query(() => RunConnection, { description: `Newest first, ${PAGE.default} a page unless first or last says (at most ${PAGE.max}).` })
  runs(
    @Ctx() ctx: RequestContext,
    @Args(() => ConnectionArgs) page: ConnectionArgs,
    @Arg('filter', () => RunFilter, { nullable: true }) filter?: RunFilter,
  ): Promise<Connection<Run>> {
    return paginate(ctx.services.runs.listing(filter), page, PAGE, (rows) => rows.map(toRun));
  }

  @Authorized('read')
  @Query(() => Preflight, { description: 'Trainable parameters, memory and time per epoch for a run, without queueing it.' })
  async preflight(@Arg('input', () => CreateRunInput) input: CreateRunInput, @Ctx() ctx: RequestContext): Promise<Preflight> {
    const { spec } = await ctx.services.runs.validate(input, { localFiles: true });
    const estimate = await preflight(spec, {
      registry: ctx.services.strategies,
      datasets: ctx.services.preflightDatasets,
      memoryLimit: ctx.services.runs.memoryLimit,
      data: ctx.services.data,
      onDataProgress: progressLogger(`preflight of ${input.datasetId}`, (line) => logger().info(line)),
    });
    return Object.assign(new Preflight(), estimate, { spec });
  }

  @Authorized('write')
  @Mutation(() => CreateRunPayload, { description: 'Checks every input, then queues the run.' })
  async createRun(@Arg('input', () => CreateRunInput) input: CreateRunInput, @Ctx() ctx: RequestContext): Promise<{ run: Run }> {
    return { run: toRun(await ctx.services.runs.create(input)) };
  }

  @Authorized('write')
  @Mutation(() => CancelRunPayload, {
    description: 'A queued run never starts; a running one stops after its current step, with a checkpoint.',
  })
  async cancelRun(@Arg('input', () => CancelRunInput) input: { id: string }, @Ctx() ctx: RequestContext): Promise<{ run: Run }> {
    return { run: toRun(await ctx.services.runs.cancel(input.id)) };
  }

  @Authorized('write')
  @Mutation(() => ResumeRunPayload, { description: 'Queues a cancelled or failed run again; it continues from its last checkpoint.' })
  async resumeRun(@Arg('input', () => ResumeRunInput) input: { id: string }, @Ctx() ctx: RequestContext): Promise<{ run: Run }> {
    return { run: toRun(await ctx.services.runs.resume(input.id)) };
  }

  @Authorized('write')
  @Mutation(() => DeleteRunPayload, { description: 'Deletes a finished run with its events, checkpoints and exports.' })
  async deleteRun(@Arg('input', () => DeleteRunInput) input: { id: string }, @Ctx() ctx: RequestContext): Promise<{ deletedId: string }> {
    await ctx.services.runs.delete(input.id);
    return { deletedId: input.id };
  }

  @FieldResolver(() => Model)
  model(@Root() run: Run & { modelId: string }, @Ctx() ctx: RequestContext): Promise<Model> {
    return ctx.services.models.get(run.modelId);
  }

  @FieldResolver(() => Dataset)
  dataset(@Root() run: Run & { datasetId: string }, @Ctx() ctx: RequestContext): Promise<Dataset> {
    return ctx.services.datasets.get(run.datasetId);
  }

  @FieldResolver(() => RunEventConnection, {
    description: `Stored events in sequence order (the metrics history), ${EVENT_PAGE.default} a page unless first or last says (at most ${EVENT_PAGE.max}).`,
  })
  events(
    @Root() run: Run,
    @Ctx() ctx: RequestContext,
    @Args(() => ConnectionArgs) page: ConnectionArgs,
    @Arg('types', () => [RunEventTypeEnum], { nullable: true, description: 'Only events of these types.' }) types?: string[],
    @Arg('afterSeq', () => Int, { defaultValue: 0, description: 'Only events after this sequence number (as runEvents takes it).' })
    afterSeq = 0,
  ): Promise<Connection<RunEvent>> {
    return paginate(ctx.services.events.listing(run.id, { types, afterSeq }), page, EVENT_PAGE, (rows) => rows);
  }

  @FieldResolver(() => CheckpointConnection, { description: 'Oldest first: one per checkpoint event.' })
  checkpoints(
    @Root() run: Run,
    @Ctx() ctx: RequestContext,
    @Args(() => ConnectionArgs) page: ConnectionArgs,
  ): Promise<Connection<Checkpoint>> {
    return paginate(ctx.services.events.listing(run.id, { types: ['checkpoint'] }), page, EVENT_PAGE, async (events) => {
      // Available: published completely (with its manifest) by this attempt or an earlier one.
      const stored = new Set((await completeCheckpoints(ctx.services.storage, run.id, run.attempt)).map((c) => c.name));
      return events.map((e) => ({ step: e.step, time: e.time, available: !!e.message && stored.has(e.message.split('/').pop() ?? '') }));
    });
  }

  @Authorized('read')
  @Subscription(() => RunEvent, {
    description: 'Every event after afterSeq in order, then each new one; reconnect with the last seq seen to miss nothing.',
    subscribe: async ({ args, context }) => {
      const ctx = context as RequestContext;
      const a = args as RunEventsArgs;
      await ctx.services.runs.get(a.runId); // RUN_NOT_FOUND for an id that names no run
      return ctx.services.events.follow(a.runId, a.afterSeq, ctx.signal);
    },
  })
  runEvents(@Root() event: RunEventEntity, @Args(() => RunEventsArgs) _args: RunEventsArgs): RunEvent {
    return event;
  }

  @Authorized('read')
  @Subscription(() => Run, {
    description: 'A run (or any run, without runId) as its status or progress changes; changes close together may arrive as one.',
    subscribe: async ({ args, context }) => {
      const ctx = context as RequestContext;
      const runId = args.runId as string | undefined | null;
      if (runId) await ctx.services.runs.get(runId); // RUN_NOT_FOUND for an id that names no run
      return ctx.services.statusFeed(runId ?? undefined, ctx.signal);
    },
  })
  runChanged(@Root() run: RunEntity, @Arg('runId', () => ID, { nullable: true }) _runId?: string): Run {
    return toRun(run);
  }
}

/** Preflight's costly part, run only when a client asks for it. */
@Resolver(() => Preflight)
export class PreflightResolver {
  @FieldResolver(() => LearningRateRangeTest, {
    description:
      "Runs the learning-rate range test (find_learning_rate) on the run's model and training split and returns its curve and suggestion; it trains `steps` steps on a copy of the weights, so it takes about that many steps' time.",
  })
  async learningRateRangeTest(
    @Root() root: Preflight,
    @Ctx() ctx: RequestContext,
    @Arg('steps', () => Int, { defaultValue: 100, description: 'Optimizer steps of the sweep, 20 to 1000.' }) steps: number,
  ): Promise<LearningRateRangeTest> {
    if (!root.spec) throw new Error("the range test needs the preflight query's run");
    if (!(steps >= LR_FINDER_MIN_STEPS && steps <= 1000)) {
      throw new AppError(RunErrorCode.RUN_INVALID_INPUT, `steps must be in [${LR_FINDER_MIN_STEPS}, 1000], got ${steps}`, {
        field: 'steps',
      });
    }
    const found = await preflightLearningRate(root.spec, {
      registry: ctx.services.strategies,
      datasets: ctx.services.preflightDatasets,
      data: ctx.services.data,
      steps,
    });
    return Object.assign(new LearningRateRangeTest(), { ...found, stoppedEarly: found.stoppedEarly ?? null });
  }
}
