// Sweeps: create, cancel, list, one by id with its trials, and its changes live over graphql-ws; a run
// says which sweep it is a trial of.

import { Arg, Args, Authorized, Ctx, FieldResolver, ID, Mutation, Query, Resolver, Root, Subscription } from 'type-graphql';
import { type Connection, ConnectionArgs, PAGE, paginate } from '../../graphql/connection.ts';
import type { RequestContext } from '../../graphql/context.ts';
import { Dataset } from '../datasets/dataset.type.ts';
import { Model } from '../models/model.type.ts';
import type { RunEntity } from '../runs/run.entity.ts';
import { toRun } from '../runs/run.resolver.ts';
import { Run } from '../runs/run.type.ts';
import type { EvaluationPoint } from './early-termination.ts';
import type { SweepEntity } from './sweep.entity.ts';
import { CancelSweepInput, CreateSweepInput, SweepFilter } from './sweep.input.ts';
import { trialState } from './sweep.service.ts';
import {
  CancelSweepPayload,
  CreateSweepPayload,
  Sweep,
  SweepConnection,
  type SweepTrial,
  SweepTrialConnection,
  type TrialState,
} from './sweep.type.ts';
import { followSweep } from './sweep-feed.ts';

export function toSweep(s: SweepEntity): Sweep {
  return {
    ...s,
    status: s.status,
    parameters: s.parameters.map((d) =>
      d.kind === 'choice'
        ? { name: d.name, values: [...d.values], min: null, max: null, log: false, integer: false }
        : { name: d.name, values: null, min: d.min, max: d.max, log: d.log, integer: d.integer },
    ),
    earlyStopping: s.earlyStopping ? { rule: 'MEDIAN', ...s.earlyStopping } : null,
    base: { ...s.base },
    error: s.errorCode ? { code: s.errorCode, message: s.errorMessage ?? '' } : null,
  };
}

function bestOf(points: readonly EvaluationPoint[], greater: boolean): number | null {
  const values = points.map((p) => p.value).filter(Number.isFinite);
  if (!values.length) return null;
  return greater ? Math.max(...values) : Math.min(...values);
}

async function toTrials(ctx: RequestContext, sweep: Sweep, runs: RunEntity[]): Promise<SweepTrial[]> {
  const evals = runs.length
    ? await ctx.services.sweeps.evaluations(
        sweep,
        runs.map((r) => r.id),
      )
    : new Map<string, EvaluationPoint[]>();
  return runs.map((r) => ({
    number: r.sweepTrial ?? 0,
    params: r.sweepParams ?? {},
    state: trialState(r) as TrialState,
    objective: r.status === 'SUCCEEDED' && r.best ? r.best.value : null,
    bestSoFar: bestOf(evals.get(r.id) ?? [], sweep.greaterIsBetter),
    promoted: r.promoted,
    run: toRun(r),
  }));
}

@Resolver(() => Sweep)
export class SweepResolver {
  @Authorized('read')
  @Query(() => Sweep)
  async sweep(@Arg('id', () => ID) id: string, @Ctx() ctx: RequestContext): Promise<Sweep> {
    return toSweep(await ctx.services.sweeps.get(id));
  }

  @Authorized('read')
  @Query(() => SweepConnection, { description: `Newest first, ${PAGE.default} a page unless first or last says (at most ${PAGE.max}).` })
  sweeps(
    @Ctx() ctx: RequestContext,
    @Args(() => ConnectionArgs) page: ConnectionArgs,
    @Arg('filter', () => SweepFilter, { nullable: true }) filter?: SweepFilter,
  ): Promise<Connection<Sweep>> {
    return paginate(ctx.services.sweeps.listing(filter), page, PAGE, (rows) => rows.map(toSweep));
  }

  @Authorized('write')
  @Mutation(() => CreateSweepPayload, {
    description: 'Checks the base run, the space and every trial it can make, then queues the first trials (as many as the parallelism).',
  })
  async createSweep(@Arg('input', () => CreateSweepInput) input: CreateSweepInput, @Ctx() ctx: RequestContext): Promise<{ sweep: Sweep }> {
    return { sweep: toSweep(await ctx.services.sweeps.create(input)) };
  }

  @Authorized('write')
  @Mutation(() => CancelSweepPayload, { description: 'Stops a running sweep: no more trials; queued ones never start, running ones stop.' })
  async cancelSweep(@Arg('input', () => CancelSweepInput) input: { id: string }, @Ctx() ctx: RequestContext): Promise<{ sweep: Sweep }> {
    return { sweep: toSweep(await ctx.services.sweeps.cancel(input.id)) };
  }

  @FieldResolver(() => Model)
  model(@Root() sweep: Sweep, @Ctx() ctx: RequestContext): Promise<Model> {
    return ctx.services.models.get(sweep.modelId);
  }

  @FieldResolver(() => Dataset)
  dataset(@Root() sweep: Sweep, @Ctx() ctx: RequestContext): Promise<Dataset> {
    return ctx.services.datasets.get(sweep.datasetId);
  }

  @FieldResolver(() => SweepTrialConnection, {
    description: `By number, ${PAGE.default} a page unless first or last says (at most ${PAGE.max}).`,
  })
  trials(
    @Root() sweep: Sweep,
    @Ctx() ctx: RequestContext,
    @Args(() => ConnectionArgs) page: ConnectionArgs,
  ): Promise<Connection<SweepTrial>> {
    return paginate(ctx.services.sweeps.trialListing(sweep.id), page, PAGE, (rows) => toTrials(ctx, sweep, rows));
  }

  @FieldResolver(() => Run, { nullable: true, description: "The promoted trial's run: the best objective among the succeeded trials." })
  async bestRun(@Root() sweep: Sweep, @Ctx() ctx: RequestContext): Promise<Run | null> {
    return sweep.bestRunId ? toRun(await ctx.services.runs.get(sweep.bestRunId)) : null;
  }

  @Authorized('read')
  @Subscription(() => Sweep, {
    description: "The sweep now, then each time its status or any trial's status or progress changes; ends after the sweep ends.",
    subscribe: async ({ args, context }) => {
      const ctx = context as RequestContext;
      const id = args.sweepId as string;
      await ctx.services.sweeps.get(id); // SWEEP_NOT_FOUND for an id that names no sweep
      return followSweep(ctx.services.dataSource, ctx.services.notifier, id, ctx.signal);
    },
  })
  sweepChanged(@Root() sweep: SweepEntity, @Arg('sweepId', () => ID) _sweepId: string): Sweep {
    return toSweep(sweep);
  }
}

@Resolver(() => Run)
export class RunSweepResolver {
  @FieldResolver(() => Sweep, { nullable: true, description: 'The sweep this run is a trial of.' })
  async sweep(@Root() run: Run & { sweepId?: string | null }, @Ctx() ctx: RequestContext): Promise<Sweep | null> {
    return run.sweepId ? toSweep(await ctx.services.sweeps.get(run.sweepId)) : null;
  }
}
