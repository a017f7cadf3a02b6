// The quick start's main job through the public API, as any client would do it: a fine-tuning run on the
// demo model and dataset, followed live over graphql-ws, then a prediction next to the base model.

import { createClient } from 'graphql-ws';
import WebSocket from 'ws';
import { Progress } from './progress.ts';

/** Famous lines the showcase asks about, each with the novel it comes from (the answer a reader should see). */
const SHOWCASE = [
  {
    text: 'It is a truth universally acknowledged, that a single man in possession of a good fortune, must be in want of a wife.',
    novel: 'Pride & Prejudice',
  },
  {
    text: "The real evils, indeed, of Emma's situation were the power of having rather too much her own way, and a disposition to think a little too well of herself.",
    novel: 'Emma',
  },
  {
    text: 'Sir Walter Elliot, of Kellynch Hall, in Somersetshire, was a man who, for his own amusement, never took up any book but the Baronetage.',
    novel: 'Persuasion',
  },
  { text: 'The family of Dashwood had long been settled in Sussex.', novel: 'Sense & Sensibility' },
  {
    text: 'No one who had ever seen Catherine Morland in her infancy would have supposed her born to be an heroine.',
    novel: 'Northanger Abbey',
  },
];

/** The demo run's seed. */
const DEMO_SEED = 42;

/** One GraphQL request over HTTP; the errors, if any, thrown as one. */
export async function gql<T>(url: string, query: string, variables: Record<string, unknown> = {}): Promise<T> {
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
  const { models, datasets } = await gql<{
    models: { nodes: { id: string; name: string }[] };
    datasets: { nodes: { id: string; name: string }[] };
  }>(url, '{ models { nodes { id name } } datasets { nodes { id name } } }');
  const model = models.nodes.find((m) => m.name === 'austen-bert-mini');
  const dataset = datasets.nodes.find((d) => d.name === 'austen-novels');
  if (!model || !dataset) throw new Error('the demo model or dataset is not registered (TUNEQL_DEMO=false?)');
  const {
    createRun: { run: createRun },
  } = await gql<{ createRun: { run: { id: string; name: string } } }>(
    url,
    `mutation($input: CreateRunInput!) { createRun(input: $input) { run { id name } } }`,
    {
      input: {
        modelId: model.id,
        datasetId: dataset.id,
        strategy: 'full',
        hyperparameters: { epochs: 8, batchSize: 16, learningRate: 3e-4 },
        maxLength: 96,
        // Fixed (it is also the default): the split, the head's first weights, shuffling and dropout, so every
        // demo trains the same model and the showcase's answers are the same each time.
        seed: DEMO_SEED,
      },
    },
  );
  log(`run ${createRun.id} (${createRun.name}, seed ${DEMO_SEED}) queued; following its events over graphql-ws`);
  log(`watch it in the console: ${url}/runs/view?id=${createRun.id}`);
  const client = createClient({ url: `${url.replace('http', 'ws')}/graphql`, webSocketImpl: WebSocket });
  let progress: Progress | undefined;
  const say = (line: string) => (progress ? progress.log(`[demo] ${line}`) : log(line));
  try {
    await new Promise<void>((resolve, reject) => {
      client.subscribe<{ runEvents: { seq: number; type: string; step: number; values: Record<string, number> } }>(
        { query: 'subscription($id: ID!) { runEvents(runId: $id) { seq type step values } }', variables: { id: createRun.id } },
        {
          next: ({ data }) => {
            const e = data?.runEvents;
            if (!e) return;
            const v = e.values;
            if (e.type === 'STARTED' && v.total_steps) progress = new Progress(v.total_steps, e.step);
            else if (e.type === 'STEP') progress?.update(e.step, v);
            else if (e.type === 'EVAL')
              say(`step ${e.step}: validation accuracy ${v.eval_accuracy?.toFixed(3)}, loss ${v.eval_loss?.toFixed(4)}`);
            else if (e.type === 'TEST') say(`test accuracy ${v.test_accuracy?.toFixed(3)} (${e.step} steps)`);
          },
          error: reject,
          complete: resolve,
        },
      );
    });
  } finally {
    progress?.end();
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
  const {
    predict: { predictions },
  } = await gql<{
    predict: {
      predictions: { tuned: { labels: { label: string; score: number }[] }; base: { labels: { label: string; score: number }[] } | null }[];
    };
  }>(
    url,
    'mutation($id: ID!, $inputs: [PredictInputItem!]!) { predict(input: { runId: $id, inputs: $inputs }) { predictions { tuned { labels { label score } } base { labels { label score } } } } }',
    { id: createRun.id, inputs: SHOWCASE.map(({ text }) => ({ text })) },
  );
  const top = (p: { labels: { label: string; score: number }[] } | null | undefined) =>
    p?.labels[0] ? `${p.labels[0].label} (${(p.labels[0].score * 100).toFixed(1)}%)` : 'n/a';
  let right = 0;
  let baseRight = 0;
  SHOWCASE.forEach(({ text, novel }, k) => {
    const tuned = predictions[k]?.tuned.labels[0]?.label;
    const base = predictions[k]?.base?.labels[0]?.label;
    if (tuned === novel) right++;
    if (base === novel) baseRight++;
    log(`"${text}"`);
    log(
      `  from ${novel}; fine-tuned says ${top(predictions[k]?.tuned)} ${tuned === novel ? '(right)' : '(wrong)'}; base model with an untrained head says ${top(predictions[k]?.base)}`,
    );
  });
  log(
    `the fine-tuned model named ${right} of ${SHOWCASE.length} novels (the base model with an untrained head ${baseRight}); none of these lines is in the labelled paragraphs it was fine-tuned on`,
  );
}
