// Predict: a succeeded run's model (its ONNX export) on given inputs, next to its base model.

import type { GenerationOptions } from '@tuneql/engine';
import { Arg, Authorized, Ctx, Mutation, Resolver } from 'type-graphql';
import type { RequestContext } from '../../graphql/context.ts';
import { AppError, CommonErrorCode } from '../../graphql/errors.ts';
import { type Prediction, predictMany } from '../../predict/predictor.ts';
import { baseFolder, generationOptionsOf, rethrowAsField, succeededRun, toGeneration, tunedFolder } from './generation.service.ts';
import { PredictInput, type PredictInputItem, type PredictionPair, type PredictionResult, PredictPayload } from './predict.type.ts';

const MAX_INPUTS = 64;

/** The API's view of a prediction: a causal LM's generation as its GraphQL type. */
function toResult(p: Prediction): PredictionResult {
  const { generation, ...rest } = p;
  return { ...(rest as PredictionResult), ...(generation ? { generation: toGeneration(generation) } : {}) };
}

@Resolver()
export class PredictResolver {
  // A mutation: it runs models (compute), and clients should not cache it.
  @Authorized('read')
  @Mutation(() => PredictPayload, { description: 'Runs the fine-tuned model (and, with compareBase, its base) on each input.' })
  async predict(@Arg('input', () => PredictInput) input: PredictInput, @Ctx() ctx: RequestContext): Promise<PredictPayload> {
    // Counted before anything is looked up, so that a refused call costs the server nothing.
    await ctx.rateLimits.consume('predict', ctx.client);
    // Bad generation settings are refused before anything is looked up or run.
    const generation = input.generation ? generationOptionsOf(input.generation) : undefined;
    const predictions = await ctx.rateLimits.predicting(() => this.run(input, generation, ctx));
    return { predictions };
  }

  private async run(input: PredictInput, generation: GenerationOptions | undefined, ctx: RequestContext): Promise<PredictionPair[]> {
    const inputs: PredictInputItem[] = input.inputs;
    if (!inputs.length || inputs.length > MAX_INPUTS)
      throw new AppError('BAD_USER_INPUT', `give 1 to ${MAX_INPUTS} inputs; got ${inputs.length}`, { field: 'inputs' });
    const run = await succeededRun(ctx, input.runId);
    if (generation && run.task !== 'causal-lm') {
      throw new AppError(
        CommonErrorCode.BAD_USER_INPUT,
        `run ${run.id} fine-tuned a ${run.task} model; generation settings apply to causal-lm runs only`,
        { field: 'input.generation', task: run.task },
      );
    }
    const options = generation ?? {};
    // The run's export and its base model, as this machine's cached copies of what storage holds.
    const tunedDir = await tunedFolder(ctx, run);
    const tuned = await predictMany(tunedDir, inputs, options).catch((err: unknown) => rethrowAsField(err, 'input.inputs'));
    let base: Prediction[] | undefined;
    if (input.compareBase) base = await predictMany(await baseFolder(ctx, run, tunedDir), inputs, options);
    return inputs.map((item, i) => ({
      text: item.text,
      tuned: toResult(tuned[i] as Prediction),
      base: base?.[i] ? toResult(base[i]) : null,
    }));
  }
}
