// Generation through the API on a real server: a causal-LM run of austen-gpt2-mini fine-tuned through the API;
// the generate subscription streams, over graphql-ws, the same tokens and text as predict returns with the same
// greedy or seeded settings, for the tuned and the base model; a conversation goes through the chat template;
// bad settings and prompts are refused with coded errors before anything runs; a stream left gives its place back.

import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import type { Client } from 'graphql-ws';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { DEFAULT_CHAT_STOP, renderChat } from '../../packages/engine/src/chat/index.ts';
import { Tokenizer } from '../../packages/engine/src/tokenizers/tokenizer.ts';
import { gql, gqlRaw, REPO, startServer, type TestServer, tinyCausalLmRun, wsClient } from './harness.ts';

const GENERATE = `subscription($input: GenerateInput!) {
  generate(input: $input) { type index tokenId text continuation generation { finishReason tokenIds promptTokens seed } }
}`;
const PREDICT = `mutation($input: PredictInput!) {
  predict(input: $input) { predictions { tuned { continuation generation { finishReason tokenIds promptTokens seed } } base { continuation generation { finishReason tokenIds promptTokens seed } } } }
}`;
const PROMPT = 'Emma Woodhouse, handsome, clever, and rich,';

interface Generation {
  finishReason: string;
  tokenIds: number[];
  promptTokens: number;
  seed: number | null;
}
interface GenerationEvent {
  type: 'TOKEN' | 'FINISHED';
  index: number;
  tokenId: number | null;
  text: string;
  continuation: string | null;
  generation: Generation | null;
}
interface Streamed {
  events: GenerationEvent[];
  errors?: { message: string; extensions?: Record<string, unknown> }[];
}

/** Subscribes to generate until the server completes the stream (or refuses it); `leaveAfter` leaves after N events. */
function stream(client: Client, input: Record<string, unknown>, leaveAfter?: number): Promise<Streamed> {
  return new Promise((resolve) => {
    const events: GenerationEvent[] = [];
    const unsubscribe = client.subscribe<{ generate: GenerationEvent }>(
      { query: GENERATE, variables: { input } },
      {
        next: ({ data, errors }) => {
          if (errors?.length) return resolve({ events, errors: errors as Streamed['errors'] });
          if (data) events.push(data.generate);
          if (leaveAfter !== undefined && events.length === leaveAfter) {
            unsubscribe();
            // Events already on the wire may still arrive: what was received when leaving is what counts.
            resolve({ events: [...events] });
          }
        },
        error: (err) => resolve({ events, errors: Array.isArray(err) ? err : [{ message: String((err as Error).message ?? err) }] }),
        complete: () => resolve({ events }),
      },
    );
  });
}

/** What a stream says, checked for its shape: TOKEN 0..n-1 then one FINISHED, the pieces adding up to the continuation. */
function summary(s: Streamed): { tokenIds: number[]; text: string; continuation: string; generation: Generation } {
  expect(s.errors).toBeUndefined();
  const tokens = s.events.filter((e) => e.type === 'TOKEN');
  const finished = s.events.at(-1);
  expect(finished?.type).toBe('FINISHED');
  expect(s.events.filter((e) => e.type === 'FINISHED')).toHaveLength(1);
  expect(tokens.map((e) => e.index)).toEqual(tokens.map((_, i) => i));
  expect(finished?.index).toBe(tokens.length);
  const text = s.events.map((e) => e.text).join('');
  expect(text).toBe(finished?.continuation);
  return {
    tokenIds: tokens.map((e) => e.tokenId as number),
    text,
    continuation: finished?.continuation as string,
    generation: finished?.generation as Generation,
  };
}

type PredictData = {
  predict: {
    predictions: { tuned: { continuation: string; generation: Generation }; base: { continuation: string; generation: Generation } }[];
  };
};

describe('generation through the API', () => {
  let server: TestServer;
  let client: Client;
  let runId: string;

  beforeAll(async () => {
    // Two predictions at once, so that a stream that did not give its place back shows.
    server = await startServer({ env: { TUNEQL_MAX_CONCURRENT_PREDICTS: '2' } });
    client = wsClient(server.url);
    runId = await tinyCausalLmRun(server.url);
  }, 150_000);

  afterAll(async () => {
    await client?.dispose();
    await server?.stop();
  });

  it('gives the place of a stream the client leaves back', async () => {
    const left = await stream(client, { runId, prompt: PROMPT, generation: { maxNewTokens: 100 } }, 2);
    expect(left.events.map((e) => e.type)).toEqual(['TOKEN', 'TOKEN']);
    // Both places free again (TUNEQL_MAX_CONCURRENT_PREDICTS=2): two streams side by side both run. The left stream's
    // place comes back once its model has stopped, which the server learns a moment after the client leaves, so a
    // refusal meanwhile is tried again; a place never given back fails the test at its timeout.
    for (;;) {
      const pair = await Promise.all([0, 1].map(() => stream(client, { runId, prompt: PROMPT, generation: { maxNewTokens: 3 } })));
      const refused = pair.filter((s) => s.errors?.[0]?.extensions?.code === 'RATE_LIMITED');
      if (refused.length) {
        await new Promise((r) => setTimeout(r, 100));
        continue;
      }
      for (const s of pair) expect(summary(s).tokenIds).toHaveLength(3);
      break;
    }
  });

  it('streams the tokens and text predict returns, greedy, for the tuned and the base model', async () => {
    const generation = { maxNewTokens: 16 };
    const { predict } = await gql<PredictData>(server.url, PREDICT, { input: { runId, inputs: [{ text: PROMPT }], generation } });
    const expected = predict.predictions[0];
    const [tuned, base] = await Promise.all([
      stream(client, { runId, prompt: PROMPT, generation }),
      stream(client, { runId, model: 'BASE', prompt: PROMPT, generation }),
    ]);
    for (const [got, want] of [
      [summary(tuned), expected?.tuned],
      [summary(base), expected?.base],
    ] as const) {
      expect(want?.generation.tokenIds.length).toBeGreaterThan(0);
      expect(got.tokenIds).toEqual(want?.generation.tokenIds);
      expect(got.continuation).toBe(want?.continuation);
      expect(got.generation).toEqual(want?.generation);
      expect(got.generation.seed).toBeNull();
    }
    // Fine-tuning changed the weights: the base model's answer differs from the tuned one's.
    expect(summary(base).tokenIds).not.toEqual(summary(tuned).tokenIds);
  });

  it('streams the same sampled tokens as predict from the same seed, and cuts before a stop string', async () => {
    const sampled = { maxNewTokens: 24, temperature: 0.9, topK: 40, topP: 0.95, repetitionPenalty: 1.1, seed: 11 };
    const { predict } = await gql<PredictData>(server.url, PREDICT, {
      input: { runId, inputs: [{ text: PROMPT }], compareBase: false, generation: sampled },
    });
    const want = predict.predictions[0]?.tuned;
    expect(want?.generation.seed).toBe(11);
    const got = summary(await stream(client, { runId, prompt: PROMPT, generation: sampled }));
    expect(got.tokenIds).toEqual(want?.generation.tokenIds);
    expect(got.continuation).toBe(want?.continuation);

    // A stop string taken from inside that continuation: the stream never shows it, and ends where predict ends.
    const words = (want?.continuation ?? '').trim().split(/\s+/);
    const stop = ` ${words[2]}`;
    const cut = { ...sampled, stop: [stop] };
    const [{ predict: cutPredict }, cutStream] = await Promise.all([
      gql<PredictData>(server.url, PREDICT, { input: { runId, inputs: [{ text: PROMPT }], compareBase: false, generation: cut } }),
      stream(client, { runId, prompt: PROMPT, generation: cut }),
    ]);
    const cutGot = summary(cutStream);
    expect(cutGot.generation.finishReason).toBe('STOP');
    expect(cutGot.text).not.toContain(stop);
    expect(cutGot.continuation).toBe(cutPredict.predictions[0]?.tuned.continuation);
    expect(cutGot.tokenIds).toEqual(cutPredict.predictions[0]?.tuned.generation.tokenIds);
  });

  it("answers a conversation through the model's chat template, as predict answers the rendered prompt", async () => {
    const messages = [
      { role: 'system', content: 'You answer questions about Jane Austen.' },
      { role: 'user', content: 'Who is Emma Woodhouse?' },
    ];
    const got = summary(
      await stream(client, {
        runId,
        messages: messages.map((m) => ({ ...m, role: m.role.toUpperCase() })),
        generation: { maxNewTokens: 12 },
      }),
    );
    // austen-gpt2-mini has no chat template of its own: the default (ChatML) one, ended by its stop string.
    const rendered = renderChat(messages, { addGenerationPrompt: true });
    const tokenizer = Tokenizer.fromJSON(JSON.parse(readFileSync(join(REPO, 'models/austen-gpt2-mini/tokenizer.json'), 'utf8')));
    expect(got.generation.promptTokens).toBe(tokenizer.encode(rendered).ids.length);
    const { predict } = await gql<PredictData>(server.url, PREDICT, {
      input: { runId, inputs: [{ text: rendered }], compareBase: false, generation: { maxNewTokens: 12, stop: [DEFAULT_CHAT_STOP] } },
    });
    expect(got.tokenIds).toEqual(predict.predictions[0]?.tuned.generation.tokenIds);
    expect(got.continuation).toBe(predict.predictions[0]?.tuned.continuation);
  });

  it('refuses bad settings and prompts with coded errors naming the field, before generating', async () => {
    const refusal = async (input: Record<string, unknown>) => {
      const s = await stream(client, { runId, ...input });
      expect(s.events).toEqual([]);
      return s.errors?.[0];
    };
    const cases: [Record<string, unknown>, string, string | undefined, RegExp][] = [
      [{ prompt: PROMPT, generation: { topP: 1.5 } }, 'GENERATION_OPTION_INVALID', 'input.generation.topP', /topP.*in \(0, 1\]/],
      [{ prompt: PROMPT, generation: { topP: 0 } }, 'GENERATION_OPTION_INVALID', 'input.generation.topP', /in \(0, 1\]/],
      [{ prompt: PROMPT, generation: { temperature: -1 } }, 'GENERATION_OPTION_INVALID', 'input.generation.temperature', />= 0/],
      [{ prompt: PROMPT, generation: { maxNewTokens: 0 } }, 'GENERATION_OPTION_INVALID', 'input.generation.maxNewTokens', /at least 1/],
      [
        { prompt: PROMPT, generation: { maxNewTokens: 5000 } },
        'GENERATION_OPTION_INVALID',
        'input.generation.maxNewTokens',
        /at most 4096/,
      ],
      [{ prompt: PROMPT, generation: { seed: -3 } }, 'GENERATION_OPTION_INVALID', 'input.generation.seed', /\[0, 2\^31\)/],
      [{ prompt: PROMPT, generation: { stop: [''] } }, 'GENERATION_OPTION_INVALID', 'input.generation.stop', /non-empty/],
      [{ prompt: `${PROMPT} `.repeat(40) }, 'PROMPT_TOO_LONG', 'input.prompt', /is \d+ tokens, and this model reads at most 128/],
      [{ prompt: '' }, 'GENERATION_OPTION_INVALID', 'input.prompt', /is empty/],
      [{ prompt: PROMPT, messages: [{ role: 'USER', content: 'Hi' }] }, 'BAD_USER_INPUT', 'input.prompt', /either prompt .* or messages/],
      [{}, 'BAD_USER_INPUT', 'input.prompt', /either prompt/],
      [{ messages: [{ role: 'USER', content: ' ' }] }, 'BAD_USER_INPUT', 'input.messages[0].content', /message 0 \(user\) is empty/],
      [{ messages: [] }, 'BAD_USER_INPUT', 'input.messages', /give 1 to 1000 messages/],
      [{ messages: [{ role: 'NARRATOR', content: 'Hi' }] }, 'BAD_USER_INPUT', undefined, /NARRATOR/],
    ];
    for (const [input, code, field, message] of cases) {
      const err = await refusal(input);
      expect(err?.extensions?.code, JSON.stringify(input)).toBe(code);
      if (field) expect(err?.extensions?.field, JSON.stringify(input)).toBe(field);
      expect(err?.message, JSON.stringify(input)).toMatch(message);
    }
    const unknown = await stream(client, { runId: '00000000-0000-4000-8000-000000000000', prompt: PROMPT });
    expect(unknown.errors?.[0]?.extensions?.code).toBe('RUN_NOT_FOUND');

    // predict: the same checks on its generation settings, and a prompt that fills the context is refused, not cut.
    const bad = await gqlRaw(server.url, PREDICT, { input: { runId, inputs: [{ text: PROMPT }], generation: { topK: -1 } } });
    expect(bad.errors?.[0]?.extensions).toMatchObject({ code: 'GENERATION_OPTION_INVALID', field: 'input.generation.topK' });
    const long = await gqlRaw(server.url, PREDICT, { input: { runId, inputs: [{ text: `${PROMPT} `.repeat(40) }] } });
    expect(long.errors?.[0]?.extensions).toMatchObject({ code: 'PROMPT_TOO_LONG', field: 'input.inputs' });
  });
});
