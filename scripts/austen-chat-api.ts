// The chat example through the API (README, "Chat fine-tuning"): against a running `tuneql serve`, imports
// austen-gpt2-mini, uploads data/austen-chat.jsonl, fine-tunes it as examples/austen-chat/full.yaml (or
// lora.yaml with --lora) does, then asks the README's questions over the `generate` subscription, of the base
// model and of the tuned one, and prints both answers.
//   TUNEQL_MODEL_DIRS=$PWD/models pnpm tuneql serve --data /tmp/chat-api &
//   node scripts/austen-chat-api.ts [--url http://127.0.0.1:4000] [--lora] [--run ID (ask a run that has succeeded)]

import { readFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { parseArgs } from 'node:util';
import { createClient } from 'graphql-ws';
import WebSocket from 'ws';
import { gql as request } from '../packages/server/src/cli/demo-run.ts';

const REPO = resolve(import.meta.dirname, '..');
const QUESTIONS = [
  'Who says "Dear, dear Norland"?',
  'In which novel does Mr. Knightley appear?',
  'In which novel does Captain Wentworth appear?',
];

const { values: args } = parseArgs({
  options: {
    url: { type: 'string', default: 'http://127.0.0.1:4000' },
    lora: { type: 'boolean', default: false },
    run: { type: 'string' },
  },
});
const url = args.url as string;

interface Named {
  id: string;
  name: string;
}

/** A request to the server at `url`. */
function gql<T>(query: string, variables: Record<string, unknown> = {}): Promise<T> {
  return request<T>(url, query, variables);
}

/** Imports the model, uploads the data, fine-tunes as the example does and waits for the run; returns its id. */
async function fineTune(): Promise<string> {
  // The model and data set of an earlier call are used again.
  const { models, datasets } = await gql<{ models: { nodes: Named[] }; datasets: { nodes: Named[] } }>(
    '{ models(first: 100) { nodes { id name } } datasets(first: 100) { nodes { id name } } }',
  );
  const modelId =
    models.nodes.find((m) => m.name === 'austen-gpt2-mini')?.id ??
    (
      await gql<{ importModelFromDirectory: { model: Named } }>(
        'mutation($p: String!) { importModelFromDirectory(input: { name: "austen-gpt2-mini", path: $p }) { model { id name } } }',
        { p: join(REPO, 'models/austen-gpt2-mini') },
      )
    ).importModelFromDirectory.model.id;
  let datasetId = datasets.nodes.find((d) => d.name === 'austen-chat')?.id;
  if (!datasetId) {
    const up = await fetch(`${url}/uploads?filename=austen-chat.jsonl`, {
      method: 'POST',
      headers: { 'content-type': 'application/octet-stream' },
      body: readFileSync(join(REPO, 'data/austen-chat.jsonl')),
    });
    const { id: uploadId } = (await up.json()) as { id: string };
    const { createDataset } = await gql<{ createDataset: { dataset: Named } }>(
      'mutation($u: ID!) { createDataset(input: { name: "austen-chat", uploadId: $u, task: CAUSAL_LM, columns: { messages: "messages" } }) { dataset { id name } } }',
      { u: uploadId },
    );
    datasetId = createDataset.dataset.id;
  }
  // The example's settings (examples/austen-chat/*.yaml).
  const strategy = args.lora
    ? {
        strategy: 'lora',
        strategyConfig: { r: 16, alpha: 32, targetModules: ['c_attn', 'c_proj', 'c_fc'], bias: 'all', modulesToSave: ['wte'] },
      }
    : { strategy: 'full' };
  const { createRun } = await gql<{ createRun: { run: { id: string } } }>(
    'mutation($i: CreateRunInput!) { createRun(input: $i) { run { id } } }',
    {
      i: {
        name: `austen-chat ${strategy.strategy}`,
        modelId,
        datasetId,
        ...strategy,
        maxLength: 128,
        seed: 42,
        hyperparameters: {
          epochs: 3,
          batchSize: 16,
          learningRate: 1e-3 * (args.lora ? 10 : 1),
          warmupRatio: 0.1,
          evalEvery: 50,
          packing: !args.lora,
        },
      },
    },
  );
  const runId = createRun.run.id;
  console.log(`run ${runId} queued`);
  for (;;) {
    const { run } = await gql<{
      run: { status: string; progress: { step: number; totalSteps: number } | null; best: { value: number } | null };
    }>('query($id: ID!) { run(id: $id) { status progress { step totalSteps } best { value } } }', { id: runId });
    if (run.status === 'SUCCEEDED') {
      console.log(`run ${runId} succeeded; best validation loss ${run.best?.value}`);
      break;
    }
    if (run.status === 'FAILED' || run.status === 'CANCELLED') throw new Error(`run ${runId} is ${run.status}`);
    await new Promise((r) => setTimeout(r, 5000));
  }
  return runId;
}

const runId = args.run ?? (await fineTune());

const client = createClient({ url: `${url.replace('http', 'ws')}/graphql`, webSocketImpl: WebSocket, retryAttempts: 0 });
/** One model's answer to `question`, greedy, as the generate subscription streams it. */
function answer(model: 'BASE' | 'TUNED', question: string): Promise<{ continuation: string; finishReason: string }> {
  return new Promise((done, fail) => {
    let last: { continuation: string; generation: { finishReason: string } } | undefined;
    client.subscribe<{ generate: typeof last & { type: string } }>(
      {
        query: `subscription($i: GenerateInput!) { generate(input: $i) { type text continuation generation { finishReason } } }`,
        variables: { i: { runId, model, messages: [{ role: 'USER', content: question }], generation: { maxNewTokens: 24 } } },
      },
      {
        next: (r) => {
          if (r.errors?.length) fail(new Error(r.errors.map((e) => e.message).join('; ')));
          if (r.data?.generate?.type === 'FINISHED') last = r.data.generate;
        },
        error: fail,
        complete: () =>
          last ? done({ continuation: last.continuation, finishReason: last.generation.finishReason }) : fail(new Error('no answer')),
      },
    );
  });
}
for (const q of QUESTIONS) {
  for (const model of ['BASE', 'TUNED'] as const) {
    const a = await answer(model, q);
    console.log(JSON.stringify({ question: q, model, continuation: a.continuation, finishReason: a.finishReason }));
  }
}
await client.dispose();
