// Exports: build an adapter, merged-model or ONNX archive of a run; list a run's archives.

import { Arg, Authorized, Ctx, FieldResolver, ID, Mutation, Resolver, Root } from 'type-graphql';
import type { RequestContext } from '../../graphql/context.ts';
import { Run } from '../runs/run.type.ts';
import type { ArtifactEntity } from './artifact.entity.ts';
import type { ExportKind } from './artifact.service.ts';
import { Artifact, ExportKindEnum } from './artifact.type.ts';

export function toArtifact(a: ArtifactEntity): Artifact {
  return { ...a, url: `/artifacts/${a.id}` };
}

@Resolver(() => Run)
export class ArtifactResolver {
  @Authorized('write')
  @Mutation(() => Artifact, { description: 'Archives the run as the kind asks (once); download it from its url.' })
  async exportRun(
    @Arg('runId', () => ID) runId: string,
    @Arg('kind', () => ExportKindEnum) kind: ExportKind,
    @Ctx() ctx: RequestContext,
  ): Promise<Artifact> {
    return toArtifact(await ctx.services.artifacts.export(runId, kind));
  }

  @FieldResolver(() => [Artifact])
  async artifacts(@Root() run: Run, @Ctx() ctx: RequestContext): Promise<Artifact[]> {
    return (await ctx.services.artifacts.listForRun(run.id)).map(toArtifact);
  }
}
