// Datasets: create from an upload (validated row by row), list, inspect, preview, statistics, delete.

import { join } from 'node:path';
import { Arg, Args, Authorized, Ctx, FieldResolver, ID, Int, Mutation, Query, Resolver, Root } from 'type-graphql';
import { type Connection, ConnectionArgs, PAGE, paginate } from '../../graphql/connection.ts';
import type { RequestContext } from '../../graphql/context.ts';
import type { DatasetEntity } from './dataset.entity.ts';
import {
  CreateDatasetInput,
  CreateDatasetPayload,
  Dataset,
  DatasetConnection,
  DatasetStatistics,
  DeleteDatasetInput,
  DeleteDatasetPayload,
  PreviewRow,
  TokenLengthHistogram,
} from './dataset.type.ts';

@Resolver(() => Dataset)
export class DatasetResolver {
  @Authorized('read')
  @Query(() => DatasetConnection, { description: 'Oldest first.' })
  datasets(@Ctx() ctx: RequestContext, @Args(() => ConnectionArgs) page: ConnectionArgs): Promise<Connection<Dataset>> {
    return paginate(ctx.services.datasets.listing('datasets'), page, PAGE, (rows) => rows);
  }

  @Authorized('read')
  @Query(() => Dataset)
  dataset(@Arg('id', () => ID) id: string, @Ctx() ctx: RequestContext): Promise<Dataset> {
    return ctx.services.datasets.get(id);
  }

  @Authorized('write')
  @Mutation(() => CreateDatasetPayload, {
    description: 'Checks every row for the task; on errors nothing is created and extensions.issues lists each (row, column, message).',
  })
  async createDataset(
    @Arg('input', () => CreateDatasetInput) input: CreateDatasetInput,
    @Ctx() ctx: RequestContext,
  ): Promise<{ dataset: Dataset }> {
    return { dataset: await ctx.services.datasets.create(input) };
  }

  @Authorized('write')
  @Mutation(() => DeleteDatasetPayload, { description: 'Deletes a dataset no run uses, with its file.' })
  async deleteDataset(
    @Arg('input', () => DeleteDatasetInput) input: { id: string },
    @Ctx() ctx: RequestContext,
  ): Promise<{ deletedId: string }> {
    await ctx.services.datasets.delete(input.id);
    return { deletedId: input.id };
  }

  @FieldResolver(() => DatasetStatistics)
  statistics(@Root() dataset: DatasetEntity): DatasetStatistics {
    const s = dataset.stats;
    return {
      rows: s.rows,
      splits: s.splits,
      labels: s.labels ? Object.entries(s.labels).map(([label, count]) => ({ label, count })) : null,
      textLength: s.textLength,
    };
  }

  @FieldResolver(() => TokenLengthHistogram)
  async tokenLengths(
    @Root() dataset: DatasetEntity,
    @Ctx() ctx: RequestContext,
    @Arg('modelId', () => ID) modelId: string,
    @Arg('bins', () => Int, { defaultValue: 20 }) bins: number,
  ): Promise<TokenLengthHistogram> {
    const model = await ctx.services.models.get(modelId);
    const file = join(await ctx.services.cache.tree(model.path), 'tokenizer.json');
    return ctx.services.datasets.tokenLengths(dataset.id, file, Math.min(Math.max(bins, 1), 200));
  }

  @FieldResolver(() => [PreviewRow])
  preview(
    @Root() dataset: DatasetEntity,
    @Ctx() ctx: RequestContext,
    @Arg('offset', () => Int, { defaultValue: 0 }) offset: number,
    @Arg('limit', () => Int, { defaultValue: 20 }) limit: number,
  ): Promise<PreviewRow[]> {
    return ctx.services.datasets.preview(dataset.id, Math.max(0, offset), Math.min(Math.max(limit, 0), 200));
  }
}
