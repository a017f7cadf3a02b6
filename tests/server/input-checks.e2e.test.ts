// Issue 12, item 4: every run input is checked before anything is queued, against a real server. Each case
// the issue quotes (a metric the task lacks, a strategy option of 1e9, maxLength past the model's positions,
// batchSize 1e9, a model config with hidden_size 1e9 or negative sizes) gets its coded error naming the field
// and value, and nothing is queued or stored; a run too large for the memory a run may use is refused with
// RUN_TOO_LARGE, and preflight reports the same verdict beside its estimate.

import { execFileSync } from 'node:child_process';
import { cpSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { austenDataset, type GqlResult, gql, gqlRaw, REPO, startServer, type TestServer, tempDir, upload } from './harness.ts';

/** What a run may use on the test server: a small LoRA run (about 400 MiB at worst) fits, a batch of 90 x 128 (about 1.1 GiB) does not. */
const RUN_MEMORY = 768 * 2 ** 20;
const PLUGIN = join(REPO, 'packages/adapters/fixtures/plugins/widen.ts');
const AUSTEN_MODEL = join(REPO, 'models/austen-bert-mini');

let server: TestServer;
let modelRoot: string;
let modelId: string;
let datasetId: string;

/** A copy of austen-bert-mini in the allowed folder with `change` applied to its config.json. */
function modelWith(name: string, change: Record<string, unknown>): string {
  const dir = join(modelRoot, name);
  cpSync(AUSTEN_MODEL, dir, { recursive: true });
  const config = JSON.parse(readFileSync(join(dir, 'config.json'), 'utf8')) as Record<string, unknown>;
  writeFileSync(join(dir, 'config.json'), JSON.stringify({ ...config, ...change }));
  return dir;
}

beforeAll(async () => {
  modelRoot = tempDir('input-checks-models');
  server = await startServer({
    workers: 0,
    env: {
      TUNEQL_DEMO: 'true',
      TUNEQL_PLUGINS: PLUGIN,
      TUNEQL_RUN_MEMORY_BYTES: String(RUN_MEMORY),
      TUNEQL_MODEL_DIRS: `${join(REPO, 'models')}:${modelRoot}`,
    },
  });
  const { models } = await gql<{ models: { nodes: { id: string; name: string }[] } }>(
    server.url,
    '{ models(first: 100) { nodes { id name } } }',
  );
  modelId = models.nodes.find((m) => m.name === 'austen-bert-mini')?.id as string;
  datasetId = await austenDataset(server.url, 'austen-checks', 20);
}, 120_000);

afterAll(async () => {
  await server?.stop();
});

type Errors = GqlResult<unknown>['errors'];
const first = (errors: Errors) => errors?.[0];

/** createRun with a small LoRA run's input and `change` on top. */
function createRun(change: Record<string, unknown>) {
  return gqlRaw<{ createRun: { run: { id: string } } }>(
    server.url,
    'mutation($i: CreateRunInput!) { createRun(input: $i) { run { id } } }',
    {
      i: {
        modelId,
        datasetId,
        strategy: 'lora',
        strategyConfig: { r: 4, alpha: 8 },
        maxLength: 32,
        hyperparameters: { batchSize: 8 },
        ...change,
      },
    },
  );
}

const runCount = async () => (await gql<{ runs: { totalCount: number } }>(server.url, '{ runs { totalCount } }')).runs.totalCount;

describe('createRun checks every input before queueing', () => {
  it("refuses a metric the task does not report, listing the task's metrics and the one meant", async () => {
    const bogus = await createRun({ hyperparameters: { batchSize: 8, metric: 'bogus' } });
    expect(first(bogus.errors)?.extensions?.code).toBe('RUN_INVALID_INPUT');
    expect(first(bogus.errors)?.extensions?.problems).toEqual([
      {
        path: 'training.metric',
        message: expect.stringContaining("sequence-classification has no metric 'bogus'; its metrics are loss, accuracy, f1_macro"),
      },
    ]);
    const typo = await createRun({ hyperparameters: { batchSize: 8, metric: 'acuracy' } });
    expect(first(typo.errors)?.message).toContain("has no metric 'acuracy' (did you mean 'accuracy'?)");
    expect(await runCount()).toBe(0);
  });

  it('refuses r: 1e9 as the config of LoRA, naming the option and its bound, and a rank past the layer width', async () => {
    const huge = await createRun({ strategyConfig: { r: 1e9 } });
    expect(first(huge.errors)?.extensions).toMatchObject({ code: 'STRATEGY_CONFIG_INVALID', plugin: 'lora', path: 'r' });
    expect(first(huge.errors)?.message).toMatch(/config\.r: .*4096/);
    // Within the schema's bound but wider than austen-bert-mini's 128-wide projections: found by inject, before queueing.
    const wide = await createRun({ strategyConfig: { r: 512 } });
    expect(first(wide.errors)?.extensions).toMatchObject({ code: 'STRATEGY_CONFIG_INVALID', plugin: 'lora', path: 'r' });
    expect(first(wide.errors)?.message).toContain(
      'config.r 512 is more than the 128 features of bert.encoder.layer.0.attention.self.query',
    );
    expect(await runCount()).toBe(0);
  });

  it("refuses a plugin option too large for memory as the user's config, naming the option, not as the plugin's failure", async () => {
    const r = await createRun({ strategy: 'widen', strategyConfig: { width: 1e9 } });
    expect(first(r.errors)?.extensions).toMatchObject({ code: 'STRATEGY_CONFIG_INVALID', plugin: 'widen', path: 'width' });
    expect(first(r.errors)?.message).toMatch(
      /^strategy 'widen': config\.width 1000000000 makes the run need about [\d.]+ TiB, more than the 768 MiB a run may use \(TUNEQL_RUN_MEMORY_BYTES\)/,
    );
    expect(first(r.errors)?.message).not.toContain("plugin's author");
    expect(await runCount()).toBe(0);
  });

  it("refuses maxLength past the model's positions, naming both numbers", async () => {
    const r = await createRun({ maxLength: 4096 });
    expect(first(r.errors)?.extensions?.code).toBe('RUN_INVALID_INPUT');
    expect(first(r.errors)?.message).toBe(
      'data.max_length 4096 is more than the 128 positions of model austen-bert-mini; set data.max_length to 128 or less',
    );
    expect(first(r.errors)?.extensions?.problems).toMatchObject([{ path: 'data.max_length' }]);
    expect(await runCount()).toBe(0);
  });

  it('refuses batchSize 1e9 by the settings schema, naming the setting and its bound', async () => {
    const r = await createRun({ hyperparameters: { batchSize: 1e9 } });
    expect(first(r.errors)?.extensions?.code).toBe('RUN_INVALID_INPUT');
    expect(first(r.errors)?.extensions?.problems).toEqual([{ path: 'training.batch_size', message: expect.stringContaining('65536') }]);
    expect(await runCount()).toBe(0);
  });

  it('refuses a run whose memory exceeds what a run may use (RUN_TOO_LARGE), and preflight gives the same verdict', async () => {
    const input = { hyperparameters: { batchSize: 90, maxBuckets: 1 }, maxLength: 128 };
    const r = await createRun(input);
    expect(first(r.errors)?.extensions).toMatchObject({ code: 'RUN_TOO_LARGE', limitBytes: RUN_MEMORY });
    expect(first(r.errors)?.extensions?.estimateBytes).toBeGreaterThan(RUN_MEMORY);
    expect(first(r.errors)?.message).toMatch(
      /^the run needs about [\d.]+ (MiB|GiB) \(with batches of 90 x 128 tokens: .*\), more than the 768 MiB a run may use \(TUNEQL_RUN_MEMORY_BYTES\); lower training\.batch_size or data\.max_length, or set training\.gradient_checkpointing$/,
    );
    const query = 'query($i: CreateRunInput!) { preflight(input: $i) { memoryBytes memoryLimitBytes error { code message } } }';
    const base = { modelId, datasetId, strategy: 'lora', strategyConfig: { r: 4, alpha: 8 } };
    const { preflight: tooLarge } = await gql<{ preflight: { memoryLimitBytes: number; error: { code: string; message: string } | null } }>(
      server.url,
      query,
      { i: { ...base, ...input } },
    );
    expect(tooLarge.memoryLimitBytes).toBe(RUN_MEMORY);
    expect(tooLarge.error).toEqual({ code: 'RUN_TOO_LARGE', message: first(r.errors)?.message });
    const { preflight: fits } = await gql<{ preflight: { memoryBytes: number; error: unknown } }>(server.url, query, {
      i: { ...base, hyperparameters: { batchSize: 8 }, maxLength: 32 },
    });
    expect(fits.error).toBeNull();
    expect(fits.memoryBytes).toBeLessThan(RUN_MEMORY);
    expect(await runCount()).toBe(0);
  });

  it('queues the same run once its inputs are in bounds', async () => {
    const r = await createRun({ hyperparameters: { batchSize: 8, metric: 'f1_macro' } });
    expect(r.errors).toBeUndefined();
    expect(await runCount()).toBe(1);
  });
});

describe('createRun checks what needs the data tokenized, before queueing (issue 15, decision 0021)', () => {
  const GPT2_MODEL = join(REPO, 'models/austen-gpt2-mini');
  let chatDatasetId: string;
  let textDatasetId: string;

  /** austen-gpt2-mini, copied and imported with `template` as its tokenizer_config.json's chat_template. */
  async function chatModel(name: string, template: string): Promise<string> {
    const dir = join(modelRoot, name);
    cpSync(GPT2_MODEL, dir, { recursive: true });
    writeFileSync(join(dir, 'tokenizer_config.json'), JSON.stringify({ chat_template: template }));
    const { importModelFromDirectory } = await gql<{ importModelFromDirectory: { model: { id: string } } }>(
      server.url,
      'mutation($n: String!, $p: String!) { importModelFromDirectory(input: { name: $n, path: $p }) { model { id } } }',
      { n: name, p: dir },
    );
    return importModelFromDirectory.model.id;
  }

  async function causalDataset(name: string, rows: unknown[]): Promise<string> {
    const up = await upload(server.url, `${name}.jsonl`, `${rows.map((r) => JSON.stringify(r)).join('\n')}\n`);
    expect(up.status).toBe(201);
    const { createDataset } = await gql<{ createDataset: { dataset: { id: string } } }>(
      server.url,
      'mutation($i: CreateDatasetInput!) { createDataset(input: $i) { dataset { id } } }',
      { i: { name, uploadId: up.json.id, task: 'CAUSAL_LM' } },
    );
    return createDataset.dataset.id;
  }

  const chatRun = (model: string, change: Record<string, unknown> = {}) =>
    gqlRaw<{ createRun: { run: { id: string } } }>(server.url, 'mutation($i: CreateRunInput!) { createRun(input: $i) { run { id } } }', {
      i: { modelId: model, datasetId: chatDatasetId, strategy: 'lora', maxLength: 64, hyperparameters: { batchSize: 4 }, ...change },
    });
  const preflightOf = (model: string, change: Record<string, unknown> = {}) =>
    gqlRaw<{ preflight: { memoryBytes: number } }>(server.url, 'query($i: CreateRunInput!) { preflight(input: $i) { memoryBytes } }', {
      i: { modelId: model, datasetId: chatDatasetId, strategy: 'lora', maxLength: 64, hyperparameters: { batchSize: 4 }, ...change },
    });
  let plainModelId: string;

  beforeAll(async () => {
    const chat = Array.from({ length: 12 }, (_, k) => ({
      messages: [
        { role: 'user', content: `Which novel has Mr. Knightley in it? (${k})` },
        { role: 'assistant', content: 'Emma.' },
      ],
    }));
    // Row 8 (line 8 of the file): a system turn, which the strict template below refuses, and a reply far past 64 tokens.
    chat[7] = {
      messages: [
        { role: 'system', content: 'You answer questions about Jane Austen.' },
        { role: 'user', content: 'Tell me about Emma.' },
        {
          role: 'assistant',
          content: 'Emma Woodhouse, handsome, clever, and rich, with a comfortable home and happy disposition. '.repeat(2),
        },
      ],
    };
    chatDatasetId = await causalDataset('chat-checks', chat);
    textDatasetId = await causalDataset('text-checks', [
      { text: 'Emma Woodhouse, handsome, clever, and rich.' },
      { text: 'It is a truth.' },
    ]);
    // The project's causal LM as it is: no tokenizer_config.json, so conversations get the default ChatML template.
    const { importModelFromDirectory } = await gql<{ importModelFromDirectory: { model: { id: string } } }>(
      server.url,
      'mutation($p: String!) { importModelFromDirectory(input: { name: "gpt2-mini-checks", path: $p }) { model { id } } }',
      { p: GPT2_MODEL },
    );
    plainModelId = importModelFromDirectory.model.id;
  }, 60_000);

  it('refuses a chat template that does not parse (CHAT_TEMPLATE_INVALID), in createRun and preflight; nothing is queued', async () => {
    const model = await chatModel('gpt2-broken-template', '{% for m in messages %}{{ m.content }');
    const before = await runCount();
    for (const r of [await chatRun(model), await preflightOf(model)]) {
      expect(first(r.errors)?.extensions?.code).toBe('CHAT_TEMPLATE_INVALID');
      expect(first(r.errors)?.message).toMatch(/tokenizer_config\.json/);
    }
    expect(await runCount()).toBe(before);
  });

  it('refuses a template that fails on a row (CHAT_TEMPLATE_FAILED) and a conversation past max_length, each naming the row; nothing is queued', async () => {
    const strict =
      "{% for m in messages %}{% if m.role == 'system' %}{{ raise_exception('system turns are not supported') }}{% endif %}<|{{ m.role }}|>{{ m.content }}\n{% endfor %}";
    const model = await chatModel('gpt2-strict-template', strict);
    const before = await runCount();
    for (const r of [await chatRun(model, { maxLength: 128 }), await preflightOf(model, { maxLength: 128 })]) {
      expect(first(r.errors)?.extensions?.code).toBe('DATASET_INVALID');
      const issues = first(r.errors)?.extensions?.issues as { row: number; code?: string; message: string }[];
      expect(issues).toEqual([
        expect.objectContaining({
          row: 8,
          code: 'CHAT_TEMPLATE_FAILED',
          message: expect.stringContaining('system turns are not supported'),
        }),
      ]);
      expect(issues[0]?.message).toMatch(/line 8/);
    }
    // The default template renders every row; row 8's reply passes 64 tokens.
    for (const r of [await chatRun(plainModelId), await preflightOf(plainModelId)]) {
      expect(first(r.errors)?.extensions?.code).toBe('DATASET_INVALID');
      const issues = first(r.errors)?.extensions?.issues as { row: number; code?: string; message: string }[];
      expect(issues).toHaveLength(1);
      expect(issues[0]).toMatchObject({ row: 8, code: 'CONVERSATION_TOO_LONG' });
      expect(issues[0]?.message).toMatch(/more than max_length 64; it passes the limit in messages\[2\] \(assistant\)/);
    }
    expect(await runCount()).toBe(before);
  });

  it('refuses the retention check without a validation split to score; nothing is queued', async () => {
    const { dataset } = await gql<{ dataset: { statistics: { splits: { train: number; validation: number } } } }>(
      server.url,
      'query($id: ID!) { dataset(id: $id) { statistics { splits { train validation } } } }',
      { id: textDatasetId },
    );
    expect(dataset.statistics.splits.validation).toBe(0);
    const before = await runCount();
    // Two texts: the 80/10/10 split leaves no validation split for the retention check to score.
    const r = await gqlRaw(server.url, 'mutation($i: CreateRunInput!) { createRun(input: $i) { run { id } } }', {
      i: {
        modelId: plainModelId,
        datasetId: textDatasetId,
        strategy: 'full',
        maxLength: 32,
        hyperparameters: { batchSize: 1, retention: { sampleSize: 4 } },
      },
    });
    expect(first(r.errors)?.extensions?.code).toBe('RUN_INVALID_INPUT');
    expect(first(r.errors)?.extensions?.problems).toEqual([
      { path: 'training.retention', message: expect.stringContaining('no validation split') },
    ]);
    expect(await runCount()).toBe(before);
  });

  it('refuses malformed conversations at createDataset, naming the line and the message; nothing is stored', async () => {
    const datasets = async () =>
      (await gql<{ datasets: { totalCount: number } }>(server.url, '{ datasets { totalCount } }')).datasets.totalCount;
    const before = await datasets();
    const ok = {
      messages: [
        { role: 'user', content: 'Who is Emma?' },
        { role: 'assistant', content: 'Emma Woodhouse.' },
      ],
    };
    const rows = [
      ok,
      { messages: 'Who is Emma?' },
      {
        messages: [
          { role: 'user', content: 'Who is Emma?' },
          { role: 'bot', content: 'Emma Woodhouse.' },
        ],
      },
      {
        messages: [
          { role: 'user', content: 'Who is Emma?' },
          { role: 'assistant', content: '  ' },
        ],
      },
    ];
    const up = await upload(server.url, 'bad-chat.jsonl', `${rows.map((r) => JSON.stringify(r)).join('\n')}\n`);
    const r = await gqlRaw(server.url, 'mutation($i: CreateDatasetInput!) { createDataset(input: $i) { dataset { id } } }', {
      i: { name: 'bad-chat', uploadId: up.json.id, task: 'CAUSAL_LM' },
    });
    expect(first(r.errors)?.extensions?.code).toBe('DATASET_INVALID');
    const issues = first(r.errors)?.extensions?.issues as { row: number; message: string }[];
    expect(issues.map((i) => i.row)).toEqual([2, 3, 4]);
    expect(issues[1]?.message).toMatch(/messages\[1\]: unknown role 'bot'; roles are system, user, assistant/);
    expect(issues[2]?.message).toMatch(/messages\[1\]/);
    expect(await datasets()).toBe(before);
  });

  it('queues a run whose data passes', async () => {
    const before = await runCount();
    const r = await chatRun(plainModelId, { maxLength: 128 });
    expect(r.errors).toBeUndefined();
    expect(await runCount()).toBe(before + 1);
  });
});

describe('model import checks config.json', () => {
  const importDir = (path: string) =>
    gqlRaw<{ importModelFromDirectory: { model: { id: string } } }>(
      server.url,
      'mutation($n: String!, $p: String!) { importModelFromDirectory(input: { name: $n, path: $p }) { model { id } } }',
      { n: `m-${readdirSync(modelRoot).length}-${Date.now()}`, p: path },
    );
  const stored = () => readdirSync(join(server.dataDir, 'artifacts', 'models')).sort();
  const modelNames = async () =>
    (await gql<{ models: { nodes: { name: string }[] } }>(server.url, '{ models(first: 100) { nodes { name } } }')).models.nodes.map(
      (m) => m.name,
    );

  it('refuses hidden_size 1e9, negative sizes, heads that do not divide the width and unknown architectures, naming key and value; stores nothing', async () => {
    const before = { names: await modelNames(), files: stored() };
    const cases: [Record<string, unknown>, string, string, RegExp][] = [
      [{ hidden_size: 1e9 }, 'hidden_size', '1000000000', /'hidden_size' must be a positive integer no larger than 65536, got 1000000000/],
      [
        { num_attention_heads: -4 },
        'num_attention_heads',
        '-4',
        /'num_attention_heads' must be a positive integer no larger than 1024, got -4/,
      ],
      [
        { num_hidden_layers: -1 },
        'num_hidden_layers',
        '-1',
        /'num_hidden_layers' must be a non-negative integer no larger than 1024, got -1/,
      ],
      [{ num_attention_heads: 3 }, 'num_attention_heads', '3', /hidden_size 128 is not a multiple of num_attention_heads 3/],
      [{ model_type: 'bart' }, 'model_type', '"bart"', /model_type 'bart' is not supported; supported: bert, roberta/],
      // Within bounds but not what the weights hold: refused here, not at a run's first step.
      [
        { hidden_size: 256, num_attention_heads: 4 },
        'hidden_size',
        '256',
        /checkpoint tensor '.*' has shape \[12157, 128\] but bert expects \[12157, 256\]/,
      ],
    ];
    for (const [change, key, value, message] of cases) {
      const r = await importDir(modelWith(`bad-${key}-${value.replace(/\W/g, '')}`, change));
      expect(first(r.errors)?.extensions?.code, key).toBe('MODEL_CONFIG_INVALID');
      expect(first(r.errors)?.message, key).toMatch(message);
      if (!message.source.startsWith('checkpoint')) expect(first(r.errors)?.extensions, key).toMatchObject({ key, value });
    }
    expect(await modelNames()).toEqual(before.names);
    expect(stored()).toEqual(before.files);
  });

  it('refuses the same config in an uploaded archive, storing nothing', async () => {
    const before = { names: await modelNames(), files: stored() };
    const dir = modelWith('archived', { hidden_size: 1e9 });
    const archive = join(tempDir('input-checks-archive'), 'model.tar.gz');
    execFileSync('tar', ['-czf', archive, '-C', dir, '.']);
    const up = await upload(server.url, 'model.tar.gz', readFileSync(archive));
    expect(up.status).toBe(201);
    const r = await gqlRaw(
      server.url,
      'mutation($u: ID!) { importModelFromUpload(input: { uploadId: $u, name: "archived" }) { model { id } } }',
      {
        u: up.json.id,
      },
    );
    expect(first(r.errors)?.extensions).toMatchObject({ code: 'MODEL_CONFIG_INVALID', key: 'hidden_size', value: '1000000000' });
    expect(await modelNames()).toEqual(before.names);
    expect(stored()).toEqual(before.files);
  });
});
