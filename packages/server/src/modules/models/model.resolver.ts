// Models: list, inspect, import (server folder or uploaded archive), delete.

import { Arg, Authorized, Ctx, ID, Mutation, Query, Resolver } from 'type-graphql';
import type { RequestContext } from '../../graphql/context.ts';
import { Model } from './model.type.ts';

@Resolver(() => Model)
export class ModelResolver {
  @Authorized('read')
  @Query(() => [Model], { description: 'Every registered base model, oldest first.' })
  models(@Ctx() ctx: RequestContext): Promise<Model[]> {
    return ctx.services.models.list();
  }

  @Authorized('read')
  @Query(() => Model)
  model(@Arg('id', () => ID) id: string, @Ctx() ctx: RequestContext): Promise<Model> {
    return ctx.services.models.get(id);
  }

  @Authorized('write')
  @Mutation(() => Model, {
    description: 'Imports a Hugging Face folder on the server, inside one of the folders TUNEQL_MODEL_DIRS allows.',
  })
  importModelFromDirectory(
    @Arg('name', () => String) name: string,
    @Arg('path', () => String) path: string,
    @Ctx() ctx: RequestContext,
  ): Promise<Model> {
    return ctx.services.models.importAllowedDirectory(name, path, ctx.services.settings.modelDirs);
  }

  @Authorized('write')
  @Mutation(() => Model, { description: 'Imports a .tar or .tar.gz of a Hugging Face folder sent to POST /uploads.' })
  importModelFromUpload(
    @Arg('name', () => String) name: string,
    @Arg('uploadId', () => ID) uploadId: string,
    @Ctx() ctx: RequestContext,
  ): Promise<Model> {
    return ctx.services.models.importUpload(name, uploadId);
  }

  @Authorized('write')
  @Mutation(() => Boolean)
  deleteModel(@Arg('id', () => ID) id: string, @Ctx() ctx: RequestContext): Promise<boolean> {
    return ctx.services.models.delete(id);
  }
}
