// Runs: create, preflight, list, cancel, resume, delete; metrics history and checkpoints; live events
// (resumable by sequence number) and status changes over graphql-ws.

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
import type { RequestContext } from '../../graphql/context.ts';
import { logger } from '../../ops/logger.ts';
import { progressLogger } from '../../training/data-progress.ts';
import { preflight } from '../../training/preflight.ts';
import { completeCheckpoints } from '../../worker/run-checkpoints.ts';
import { Dataset } from '../datasets/dataset.type.ts';
import { Model } from '../models/model.type.ts';
import type { RunEntity } from './run.entity.ts';
import { CreateRunInput, RunFilter } from './run.input.ts';
import { Checkpoint, Preflight, Run, RunConnection, RunEvent } from './run.type.ts';
import type { RunEventEntity } from './run-event.entity.ts';

@ArgsType()
class RunEventsArgs {
  @Field(() => ID)
  runId!: string;

  @Field(() => Int, { defaultValue: 0, description: 'The last sequence number the client has; 0 for everything.' })
  afterSeq!: number;
}

function toRun(r: RunEntity): Run {
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
  @Query(() => RunConnection, { description: 'Newest first; pass pageInfo.endCursor as after for the next page.' })
  async runs(
    @Ctx() ctx: RequestContext,
    @Arg('filter', () => RunFilter, { nullable: true }) filter?: RunFilter,
    @Arg('first', () => Int, { defaultValue: 20 }) first?: number,
    @Arg('after', () => String, { nullable: true }) after?: string,
  ): Promise<RunConnection> {
    const page = await ctx.services.runs.list(filter, first, after);
    const edges = page.runs.map((r) => ({ cursor: ctx.services.runs.cursorOf(r), node: toRun(r) }));
    return { edges, pageInfo: { endCursor: edges.at(-1)?.cursor ?? null, hasNextPage: page.hasNextPage }, totalCount: page.totalCount };
  }

  @Authorized('read')
  @Query(() => Preflight, { description: 'Trainable parameters, memory and time per epoch for a run, without queueing it.' })
  async preflight(@Arg('input', () => CreateRunInput) input: CreateRunInput, @Ctx() ctx: RequestContext): Promise<Preflight> {
    const { spec } = await ctx.services.runs.validate(input, { localFiles: true });
    return preflight(spec, {
      registry: ctx.services.strategies,
      datasets: ctx.services.preflightDatasets,
      data: ctx.services.data,
      onDataProgress: progressLogger(`preflight of ${input.datasetId}`, (line) => logger().info(line)),
    });
  }

  @Authorized('write')
  @Mutation(() => Run, { description: 'Checks every input, then queues the run.' })
  async createRun(@Arg('input', () => CreateRunInput) input: CreateRunInput, @Ctx() ctx: RequestContext): Promise<Run> {
    return toRun(await ctx.services.runs.create(input));
  }

  @Authorized('write')
  @Mutation(() => Run, { description: 'A queued run never starts; a running one stops after its current step, with a checkpoint.' })
  async cancelRun(@Arg('id', () => ID) id: string, @Ctx() ctx: RequestContext): Promise<Run> {
    return toRun(await ctx.services.runs.cancel(id));
  }

  @Authorized('write')
  @Mutation(() => Run, { description: 'Queues a cancelled or failed run again; it continues from its last checkpoint.' })
  async resumeRun(@Arg('id', () => ID) id: string, @Ctx() ctx: RequestContext): Promise<Run> {
    return toRun(await ctx.services.runs.resume(id));
  }

  @Authorized('write')
  @Mutation(() => Boolean)
  deleteRun(@Arg('id', () => ID) id: string, @Ctx() ctx: RequestContext): Promise<boolean> {
    return ctx.services.runs.delete(id);
  }

  @FieldResolver(() => Model)
  model(@Root() run: Run & { modelId: string }, @Ctx() ctx: RequestContext): Promise<Model> {
    return ctx.services.models.get(run.modelId);
  }

  @FieldResolver(() => Dataset)
  dataset(@Root() run: Run & { datasetId: string }, @Ctx() ctx: RequestContext): Promise<Dataset> {
    return ctx.services.datasets.get(run.datasetId);
  }

  @FieldResolver(() => [RunEvent], { description: 'Stored events after afterSeq, oldest first (the metrics history).' })
  events(
    @Root() run: Run,
    @Ctx() ctx: RequestContext,
    @Arg('afterSeq', () => Int, { defaultValue: 0 }) afterSeq: number,
    @Arg('limit', () => Int, { defaultValue: 1000 }) limit: number,
    @Arg('types', () => [String], { nullable: true }) types?: string[],
  ): Promise<RunEvent[]> {
    return ctx.services.events.list(run.id, afterSeq, Math.min(Math.max(limit, 1), 10_000), types);
  }

  @FieldResolver(() => [Checkpoint])
  async checkpoints(@Root() run: Run, @Ctx() ctx: RequestContext): Promise<Checkpoint[]> {
    const events = await ctx.services.events.list(run.id, 0, 10_000, ['checkpoint']);
    // Available: published completely (with its manifest) by this attempt or an earlier one.
    const stored = new Set((await completeCheckpoints(ctx.services.storage, run.id, run.attempt)).map((c) => c.name));
    return events.map((e) => ({
      step: e.step,
      time: e.time,
      available: !!e.message && stored.has(e.message.split('/').pop() ?? ''),
    }));
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
