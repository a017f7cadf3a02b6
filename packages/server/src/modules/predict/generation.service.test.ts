// streamGeneration: the events a real model's generation becomes, and what leaving the stream does: the model
// stops within a token and the stream's resources are released once.

import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { LM_PROMPT, writeExampleExports } from '../../predict/example-exports.ts';
import { type GenerationHooks, Predictor } from '../../predict/predictor.ts';
import type { RunEntity } from '../runs/run.entity.ts';
import { generationOptionsOf, requireCausalLm, type StreamItem, streamGeneration } from './generation.service.ts';
import type { GenerationEvent } from './generation.type.ts';

let root: string;
let dir: string;

beforeAll(async () => {
  root = mkdtempSync(join(tmpdir(), 'tuneql-stream-'));
  dir = ((await writeExampleExports(root, ['lm'])) as { lm: string }).lm;
}, 60_000);

afterAll(() => rmSync(root, { recursive: true, force: true }));

/** A predictor whose generations report how many tokens they chose. */
async function counting(): Promise<{ predictor: Predictor; chosen: () => number }> {
  const predictor = await Predictor.open(dir, { threads: 1 });
  let chosen = 0;
  const original = predictor.continuePrompt.bind(predictor);
  vi.spyOn(predictor, 'continuePrompt').mockImplementation((ids, options, hooks: GenerationHooks = {}) =>
    original(ids, options, {
      ...hooks,
      onToken: (t, i) => {
        chosen++;
        hooks.onToken?.(t, i);
      },
    }),
  );
  return { predictor, chosen: () => chosen };
}

describe('streamGeneration', () => {
  it("gives a TOKEN event per token and a FINISHED one that agree with predict's result", async () => {
    const { predictor } = await counting();
    const ids = predictor.promptIds(LM_PROMPT);
    const expected = await predictor.continuePrompt(ids, { maxNewTokens: 10 });
    const release = vi.fn(async () => predictor.close());
    const items: StreamItem[] = [];
    for await (const item of streamGeneration(predictor, ids, { maxNewTokens: 10 }, release)) items.push(item);
    const events = items as GenerationEvent[];
    expect(events.map((e) => e.type)).toEqual([...Array(10).fill('token'), 'finished']);
    expect(events.slice(0, 10).map((e) => e.tokenId)).toEqual(expected.generation?.tokenIds);
    expect(events.map((e) => e.text).join('')).toBe(expected.continuation);
    expect(events[10]?.generation).toEqual({
      finishReason: 'max-new-tokens',
      tokenIds: expected.generation?.tokenIds,
      promptTokens: ids.length,
      seed: null,
    });
    expect(release).toHaveBeenCalledTimes(1);
  });

  it('stops the model within a token when the subscriber leaves, and releases once', async () => {
    const { predictor, chosen } = await counting();
    const release = vi.fn(async () => predictor.close());
    const stream = streamGeneration(predictor, predictor.promptIds(LM_PROMPT), { maxNewTokens: 100 }, release);
    expect((await stream.next()).value).toMatchObject({ type: 'token', index: 0 });
    expect((await stream.next()).value).toMatchObject({ type: 'token', index: 1 });
    await stream.return?.();
    expect(release).toHaveBeenCalledTimes(1);
    // The two read and at most the one being chosen when the abort came, plus what was queued unread.
    expect(chosen()).toBeLessThan(10);
    expect(await stream.next()).toEqual({ value: undefined, done: true });
  });

  it('ends with the error when generation fails, after releasing', async () => {
    const { predictor } = await counting();
    const release = vi.fn(async () => predictor.close());
    const failing = vi.spyOn(predictor, 'continuePrompt').mockRejectedValueOnce(new Error('the session failed'));
    const items: StreamItem[] = [];
    for await (const item of streamGeneration(predictor, predictor.promptIds(LM_PROMPT), {}, release)) items.push(item);
    expect(failing).toHaveBeenCalled();
    expect(items).toEqual([{ error: new Error('the session failed') }]);
    expect(release).toHaveBeenCalledTimes(1);
  });
});

describe('generationOptionsOf', () => {
  it('drops nulls, gives a sampling request without a seed one that fits a GraphQL Int, and leaves greedy alone', () => {
    expect(generationOptionsOf({ maxNewTokens: 5, topK: null, stop: null })).toEqual({ maxNewTokens: 5 });
    const sampled = generationOptionsOf({ temperature: 0.7 });
    expect(sampled.seed).toBeGreaterThanOrEqual(0);
    expect(sampled.seed).toBeLessThan(2 ** 31);
    expect(generationOptionsOf({ temperature: 0.7, seed: 3 }).seed).toBe(3);
  });

  it.each([
    [{ topP: 1.5 }, 'input.generation.topP', 'GENERATION_OPTION_INVALID'],
    [{ maxNewTokens: 4097 }, 'input.generation.maxNewTokens', 'GENERATION_OPTION_INVALID'],
    [{ stop: Array(17).fill('x') }, 'input.generation.stop', 'GENERATION_OPTION_INVALID'],
    [{ stop: ['x'.repeat(201)] }, 'input.generation.stop', 'GENERATION_OPTION_INVALID'],
    [{ repetitionPenalty: 0 }, 'input.generation.repetitionPenalty', 'GENERATION_OPTION_INVALID'],
  ])('refuses %j naming %s', (input, field, code) => {
    expect(() => generationOptionsOf(input)).toThrow(expect.objectContaining({ code, details: expect.objectContaining({ field }) }));
  });
});

describe('requireCausalLm', () => {
  it('refuses a run of another task, naming the field and the task', () => {
    const run = { id: 'r1', task: 'sequence-classification' } as RunEntity;
    expect(() => requireCausalLm(run, 'input.runId')).toThrow(
      expect.objectContaining({
        code: 'BAD_USER_INPUT',
        message: 'run r1 fine-tuned a sequence-classification model; generation needs a causal-lm run (predict answers the others)',
        details: { field: 'input.runId', task: 'sequence-classification' },
      }),
    );
    expect(() => requireCausalLm({ id: 'r2', task: 'causal-lm' } as RunEntity, 'input.runId')).not.toThrow();
  });
});
