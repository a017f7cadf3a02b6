// Predict: a succeeded run's model (its ONNX export) on given inputs, next to its base model.

import { Arg, Authorized, Ctx, Mutation, Resolver } from 'type-graphql';
import type { RequestContext } from '../../graphql/context.ts';
import { AppError } from '../../graphql/errors.ts';
import { baseModelExport } from '../../predict/base-model.ts';
import { readModelCard } from '../../predict/model-folder.ts';
import { predictMany } from '../../predict/predictor.ts';
import { runExportKey } from '../../storage/run-keys.ts';
import { RunErrorCode } from '../runs/run.errors.ts';
import { PredictInput, type PredictInputItem, type PredictionPair, PredictPayload } from './predict.type.ts';

const MAX_INPUTS = 64;

@Resolver()
export class PredictResolver {
  // A mutation: it runs models (compute), and clients should not cache it.
  @Authorized('read')
  @Mutation(() => PredictPayload, { description: 'Runs the fine-tuned model (and, with compareBase, its base) on each input.' })
  async predict(@Arg('input', () => PredictInput) input: PredictInput, @Ctx() ctx: RequestContext): Promise<PredictPayload> {
    // Counted before anything is looked up, so that a refused call costs the server nothing.
    await ctx.rateLimits.consume('predict', ctx.client);
    const predictions = await ctx.rateLimits.predicting(() => this.run(input.runId, input.inputs, ctx, input.compareBase));
    return { predictions };
  }

  private async run(runId: string, inputs: PredictInputItem[], ctx: RequestContext, compareBase: boolean): Promise<PredictionPair[]> {
    if (!inputs.length || inputs.length > MAX_INPUTS)
      throw new AppError('BAD_USER_INPUT', `give 1 to ${MAX_INPUTS} inputs; got ${inputs.length}`, { field: 'inputs' });
    const { runs, models, cache } = ctx.services;
    const run = await runs.get(runId);
    if (run.status !== 'SUCCEEDED') {
      throw new AppError(RunErrorCode.EXPORT_UNAVAILABLE, `run ${runId} is ${run.status}; predictions need a run that has SUCCEEDED`, {
        status: run.status,
      });
    }
    // The run's export and its base model, as this machine's cached copies of what storage holds.
    const tunedDir = await cache.tree(runExportKey(run.id, 'model'));
    const tuned = await predictMany(tunedDir, inputs);
    let base: Awaited<ReturnType<typeof predictMany>> | undefined;
    if (compareBase) {
      const model = await models.get(run.modelId);
      const card = readModelCard(tunedDir);
      const dir = await baseModelExport(
        { model: await cache.tree(model.path), task: run.task as never, labels: card.labels, max_length: run.maxLength, seed: run.seed },
        cache.folder('base-models'),
      );
      base = await predictMany(dir, inputs);
    }
    return inputs.map((input, i) => ({ text: input.text, tuned: tuned[i] as never, base: (base?.[i] as never) ?? null }));
  }
}
