// What predict and generate share: a succeeded run's model folders (tuned, and base with the same head),
// generation settings checked against their bounds before anything runs, and a generation streamed as
// events to a subscriber.

import { randomInt } from 'node:crypto';
import { GenerationOptionError, type GenerationOptions, resolveGeneration } from '@tuneql/engine';
import type { RequestContext } from '../../graphql/context.ts';
import { AppError, CommonErrorCode } from '../../graphql/errors.ts';
import { baseModelExport } from '../../predict/base-model.ts';
import { readModelCard } from '../../predict/model-folder.ts';
import type { Prediction, Predictor } from '../../predict/predictor.ts';
import { runExportKey } from '../../storage/run-keys.ts';
import type { RunEntity } from '../runs/run.entity.ts';
import { RunErrorCode } from '../runs/run.errors.ts';
import { GENERATION_BOUNDS, type Generation, type GenerationEvent, type GenerationInput } from './generation.type.ts';

/** A run whose export predictions read: it must have SUCCEEDED. */
export async function succeededRun(ctx: RequestContext, runId: string): Promise<RunEntity> {
  const run = await ctx.services.runs.get(runId);
  if (run.status !== 'SUCCEEDED') {
    throw new AppError(RunErrorCode.EXPORT_UNAVAILABLE, `run ${runId} is ${run.status}; predictions need a run that has SUCCEEDED`, {
      status: run.status,
    });
  }
  return run;
}

/** The run's exported model, as this machine's cached copy of what storage holds. */
export function tunedFolder(ctx: RequestContext, run: RunEntity): Promise<string> {
  return ctx.services.cache.tree(runExportKey(run.id, 'model'));
}

/** The run's base model with a task head seeded as the run's was, exported once into the cache. */
export async function baseFolder(ctx: RequestContext, run: RunEntity, tunedDir: string): Promise<string> {
  const { models, cache } = ctx.services;
  const model = await models.get(run.modelId);
  const card = readModelCard(tunedDir);
  return baseModelExport(
    { model: await cache.tree(model.path), task: run.task as never, labels: card.labels, max_length: run.maxLength, seed: run.seed },
    cache.folder('base-models'),
  );
}

/** A refusal naming the offending setting: under `at` (input.generation.topP, say), or `promptAt` for the prompt. */
function optionError(err: GenerationOptionError, at: string, promptAt = 'input.prompt'): AppError {
  return new AppError(err.code, err.message, { option: err.option, field: err.option === 'prompt' ? promptAt : `${at}.${err.option}` });
}

/**
 * The generation options `input` gives, checked against the engine's rules and the API's bounds (coded errors
 * naming the field, before anything is looked up). A sampling request without a seed gets one here, so that the
 * tuned and the base model draw from the same seed and the caller can reproduce the answer.
 */
export function generationOptionsOf(input: GenerationInput | null | undefined, at = 'input.generation'): GenerationOptions {
  const options: Record<string, unknown> = {};
  for (const [key, value] of Object.entries(input ?? {})) if (value !== null && value !== undefined) options[key] = value;
  const bounds = GENERATION_BOUNDS;
  try {
    if (typeof options.maxNewTokens === 'number' && options.maxNewTokens > bounds.maxNewTokens)
      throw new GenerationOptionError('maxNewTokens', `must be at most ${bounds.maxNewTokens}, got ${options.maxNewTokens}`);
    if (typeof options.seed === 'number' && !(options.seed >= 0))
      throw new GenerationOptionError('seed', `must be a whole number in [0, 2^31), got ${options.seed}`);
    const stop = (options.stop as string[] | undefined) ?? [];
    if (stop.length > bounds.stopStrings)
      throw new GenerationOptionError('stop', `gives ${stop.length} stop strings; at most ${bounds.stopStrings} are allowed`);
    stop.forEach((s, i) => {
      if (s.length > bounds.stopChars)
        throw new GenerationOptionError('stop', `entry ${i} is ${s.length} characters; at most ${bounds.stopChars} are allowed`);
    });
    const settings = resolveGeneration(options as GenerationOptions);
    return settings.doSample && options.seed === undefined ? { ...options, seed: randomInt(bounds.seed) } : (options as GenerationOptions);
  } catch (err) {
    if (err instanceof GenerationOptionError) throw optionError(err, at);
    throw err;
  }
}

/** Rethrows a GenerationOptionError (a prompt too long, say) as the coded error naming its field (`promptAt` for the prompt). */
export function rethrowAsField(err: unknown, promptAt = 'input.prompt'): never {
  if (err instanceof GenerationOptionError) throw optionError(err, 'input.generation', promptAt);
  throw err;
}

/** Generation needs a causal LM: anything else is refused naming the run's task. */
export function requireCausalLm(run: RunEntity, field: string): void {
  if (run.task !== 'causal-lm') {
    throw new AppError(
      CommonErrorCode.BAD_USER_INPUT,
      `run ${run.id} fine-tuned a ${run.task} model; generation needs a causal-lm run (predict answers the others)`,
      { field, task: run.task },
    );
  }
}

/** The API's view of a prediction's generation. */
export function toGeneration(g: NonNullable<Prediction['generation']>): Generation {
  return { finishReason: g.finishReason, tokenIds: g.tokenIds, promptTokens: g.promptTokens, seed: g.seed ?? null };
}

/** An event of the stream, or the error that ended it (the resolver raises it as the subscriber's error). */
export type StreamItem = GenerationEvent | { error: unknown };

/**
 * The continuation of `ids` as events: TOKEN as each token is chosen, then FINISHED. Generation starts at once;
 * it stops when the subscriber leaves (return()) or `signal` aborts (the socket closed), and `release` runs once,
 * after the model has stopped.
 */
export function streamGeneration(
  predictor: Predictor,
  ids: readonly number[],
  options: GenerationOptions,
  release: () => Promise<void>,
  signal?: AbortSignal,
): AsyncIterableIterator<StreamItem> {
  const queue: StreamItem[] = [];
  let wake: (() => void) | undefined;
  let ended = false;
  const push = (item: StreamItem) => {
    queue.push(item);
    wake?.();
  };
  const controller = new AbortController();
  const stopOnClose = () => controller.abort(new Error('the subscriber went away'));
  signal?.addEventListener('abort', stopOnClose);
  if (signal?.aborted) stopOnClose();
  const text = predictor.textStream(options.stop ?? []);
  const tokens: number[] = [];
  const work = predictor
    .continuePrompt(ids, options, {
      signal: controller.signal,
      onToken: (token, index) => {
        tokens.push(token);
        push({ type: 'token', index, tokenId: token, text: text.next(tokens) });
      },
    })
    .then(
      (p) => {
        const g = p.generation as NonNullable<Prediction['generation']>;
        const continuation = p.continuation ?? '';
        push({ type: 'finished', index: g.tokens, text: text.finish(continuation), continuation, generation: toGeneration(g) });
      },
      (err: unknown) => {
        if (!controller.signal.aborted) push({ error: err });
      },
    )
    .finally(async () => {
      signal?.removeEventListener('abort', stopOnClose);
      await release();
      ended = true;
      wake?.();
    });
  const iterator: AsyncIterableIterator<StreamItem> = {
    async next() {
      for (;;) {
        const item = queue.shift();
        if (item) return { value: item, done: false };
        if (ended) return { value: undefined, done: true };
        await new Promise<void>((resolve) => {
          wake = resolve;
        });
        wake = undefined;
      }
    },
    async return() {
      controller.abort(new Error('the subscriber went away'));
      await work;
      return { value: undefined, done: true };
    },
    [Symbol.asyncIterator]() {
      return iterator;
    },
  };
  return iterator;
}
