// Exports: build an adapter, merged-model or ONNX archive of a run; list a run's archives.

import { Arg, Authorized, Ctx, FieldResolver, Mutation, Resolver, Root } from 'type-graphql';
import type { RequestContext } from '../../graphql/context.ts';
import { Run } from '../runs/run.type.ts';
import type { ArtifactEntity } from './artifact.entity.ts';
import { Artifact, ExportRunInput, ExportRunPayload } from './artifact.type.ts';

export function toArtifact(a: ArtifactEntity): Artifact {
  return { ...a, url: `/artifacts/${a.id}` };
}

@Resolver(() => Run)
export class ArtifactResolver {
  @Authorized('write')
  @Mutation(() => ExportRunPayload, { description: 'Archives the run as the kind asks (once); download it from its url.' })
  async exportRun(@Arg('input', () => ExportRunInput) input: ExportRunInput, @Ctx() ctx: RequestContext): Promise<{ artifact: Artifact }> {
    return { artifact: toArtifact(await ctx.services.artifacts.export(input.runId, input.kind)) };
  }

  // A list, not a connection: a run has at most one archive of each ExportKind.
  @FieldResolver(() => [Artifact], { description: 'At most one of each kind, oldest first.' })
  async artifacts(@Root() run: Run, @Ctx() ctx: RequestContext): Promise<Artifact[]> {
    return (await ctx.services.artifacts.listForRun(run.id)).map(toArtifact);
  }
}
