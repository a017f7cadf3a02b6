// The quick start's main job through the public API, as any client would do it: a fine-tuning run on the
// demo model and dataset, followed live over graphql-ws, then a prediction next to the base model.

import { createClient } from 'graphql-ws';
import WebSocket from 'ws';

async function gql<T>(url: string, query: string, variables: Record<string, unknown> = {}): Promise<T> {
  const res = await fetch(`${url}/graphql`, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify({ query, variables }),
  });
  const body = (await res.json()) as { data?: T; errors?: { message: string }[] };
  if (body.errors?.length) throw new Error(body.errors.map((e) => e.message).join('; '));
  return body.data as T;
}

export async function demoRun(url: string): Promise<void> {
  const log = (line: string) => process.stderr.write(`[demo] ${line}\n`);
  const { models, datasets } = await gql<{ models: { id: string; name: string }[]; datasets: { id: string; name: string }[] }>(
    url,
    '{ models { id name } datasets { id name } }',
  );
  const model = models.find((m) => m.name === 'austen-bert-mini');
  const dataset = datasets.find((d) => d.name === 'austen-novels');
  if (!model || !dataset) throw new Error('the demo model or dataset is not registered (TUNEQL_DEMO=false?)');
  const { createRun } = await gql<{ createRun: { id: string; name: string } }>(
    url,
    `mutation($input: CreateRunInput!) { createRun(input: $input) { id name } }`,
    {
      input: {
        modelId: model.id,
        datasetId: dataset.id,
        strategy: 'full',
        hyperparameters: { epochs: 4, batchSize: 16, learningRate: 5e-4 },
        maxLength: 96,
      },
    },
  );
  log(`run ${createRun.id} (${createRun.name}) queued; following its events over graphql-ws`);
  const client = createClient({ url: `${url.replace('http', 'ws')}/graphql`, webSocketImpl: WebSocket });
  try {
    await new Promise<void>((resolve, reject) => {
      client.subscribe<{ runEvents: { seq: number; type: string; step: number; values: Record<string, number> } }>(
        { query: 'subscription($id: ID!) { runEvents(runId: $id) { seq type step values } }', variables: { id: createRun.id } },
        {
          next: ({ data }) => {
            const e = data?.runEvents;
            if (!e) return;
            const v = e.values;
            if (e.type === 'step' && e.step % 10 === 0) log(`step ${e.step}: loss ${v.loss?.toFixed(4)}`);
            else if (e.type === 'eval')
              log(`step ${e.step}: validation accuracy ${v.eval_accuracy?.toFixed(3)}, loss ${v.eval_loss?.toFixed(4)}`);
            else if (e.type === 'test') log(`test accuracy ${v.test_accuracy?.toFixed(3)} (${e.step} steps)`);
          },
          error: reject,
          complete: resolve,
        },
      );
    });
  } finally {
    await client.dispose();
  }
  const { run } = await gql<{ run: { status: string; best: { metric: string; value: number } | null; error: { message: string } | null } }>(
    url,
    'query($id: ID!) { run(id: $id) { status best { metric value } error { message } } }',
    { id: createRun.id },
  );
  log(
    `run ${run.status}${run.best ? `; best ${run.best.metric} ${run.best.value.toFixed(3)}` : ''}${run.error ? `: ${run.error.message}` : ''}`,
  );
  if (run.status !== 'SUCCEEDED') throw new Error(`the demo run ended ${run.status}`);
  const sentence = 'It is a truth universally acknowledged, that a single man in possession of a good fortune, must be in want of a wife.';
  const { predict } = await gql<{
    predict: { tuned: { labels: { label: string; score: number }[] }; base: { labels: { label: string; score: number }[] } | null }[];
  }>(
    url,
    'mutation($id: ID!, $text: String!) { predict(runId: $id, inputs: [{ text: $text }]) { tuned { labels { label score } } base { labels { label score } } } }',
    { id: createRun.id, text: sentence },
  );
  const top = (p: { labels: { label: string; score: number }[] } | null | undefined) =>
    p?.labels[0] ? `${p.labels[0].label} (${(p.labels[0].score * 100).toFixed(1)}%)` : 'n/a';
  log(`"${sentence}"`);
  log(`fine-tuned: ${top(predict[0]?.tuned)}; base model with an untrained head: ${top(predict[0]?.base)}`);
}
