// Models: list, inspect, import (server folder or uploaded archive), delete.

import { Arg, Args, Authorized, Ctx, ID, Mutation, Query, Resolver } from 'type-graphql';
import { type Connection, ConnectionArgs, PAGE, paginate } from '../../graphql/connection.ts';
import type { RequestContext } from '../../graphql/context.ts';
import {
  DeleteModelInput,
  DeleteModelPayload,
  ImportModelFromDirectoryInput,
  ImportModelFromDirectoryPayload,
  ImportModelFromUploadInput,
  ImportModelFromUploadPayload,
  Model,
  ModelConnection,
} from './model.type.ts';

@Resolver(() => Model)
export class ModelResolver {
  @Authorized('read')
  @Query(() => ModelConnection, { description: 'Every registered base model, oldest first.' })
  models(@Ctx() ctx: RequestContext, @Args(() => ConnectionArgs) page: ConnectionArgs): Promise<Connection<Model>> {
    return paginate(ctx.services.models.listing('models'), page, PAGE, (rows) => rows);
  }

  @Authorized('read')
  @Query(() => Model)
  model(@Arg('id', () => ID) id: string, @Ctx() ctx: RequestContext): Promise<Model> {
    return ctx.services.models.get(id);
  }

  @Authorized('write')
  @Mutation(() => ImportModelFromDirectoryPayload, {
    description: 'Imports a Hugging Face folder on the server, inside one of the folders TUNEQL_MODEL_DIRS allows.',
  })
  async importModelFromDirectory(
    @Arg('input', () => ImportModelFromDirectoryInput) input: ImportModelFromDirectoryInput,
    @Ctx() ctx: RequestContext,
  ): Promise<{ model: Model }> {
    return { model: await ctx.services.models.importAllowedDirectory(input.name, input.path, ctx.services.settings.modelDirs) };
  }

  @Authorized('write')
  @Mutation(() => ImportModelFromUploadPayload, {
    description: 'Imports a .tar or .tar.gz of a Hugging Face folder sent to POST /uploads.',
  })
  async importModelFromUpload(
    @Arg('input', () => ImportModelFromUploadInput) input: ImportModelFromUploadInput,
    @Ctx() ctx: RequestContext,
  ): Promise<{ model: Model }> {
    return { model: await ctx.services.models.importUpload(input.name, input.uploadId) };
  }

  @Authorized('write')
  @Mutation(() => DeleteModelPayload, { description: 'Deletes a model no run uses, with its files.' })
  async deleteModel(
    @Arg('input', () => DeleteModelInput) input: { id: string },
    @Ctx() ctx: RequestContext,
  ): Promise<{ deletedId: string }> {
    await ctx.services.models.delete(input.id);
    return { deletedId: input.id };
  }
}
