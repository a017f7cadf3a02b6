// The web console in a real browser (Debian's Chromium through playwright-core) against a real server with its
// in-process worker: upload datasets (a bad CSV's rows are reported by row and column), create a LoRA run from the
// generated forms, watch its loss chart grow live until it succeeds, export and download the adapter, predict
// next to the base model, and visit every page, writing a screenshot of each to tests/web/screenshots/.
// Needs the console's static build: pnpm --filter @tuneql/web build.

import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import type { Browser, Page } from 'playwright-core';
import { afterAll, afterEach, beforeAll, describe, expect, it, vi } from 'vitest';
import { austenSlice, freshDatabase, gql, startServer, type TestServer } from '../server/harness.ts';
import { launchBrowser, SHOTS } from './browser.ts';

// The embedded database, as the quick start runs; TUNEQL_WEB_E2E_DB=postgres runs on a fresh PostgreSQL database.
const POSTGRES = process.env.TUNEQL_WEB_E2E_DB === 'postgres';

let server: TestServer;
let drop: (() => Promise<void>) | undefined;
let browser: Browser;
let page: Page;
let runId: string;
const pageErrors: string[] = [];

async function shot(name: string): Promise<void> {
  await page.screenshot({ path: join(SHOTS, `${name}.png`), fullPage: true });
}

/** Goes to a console page and waits for its data to load. */
async function visit(path: string): Promise<void> {
  await page.goto(`${server.url}${path}`);
  await page.waitForLoadState('networkidle');
}

describe('the web console', () => {
  beforeAll(async () => {
    // A page waits on the server and the browser on a shared, busy machine: polls wait up to 20 s (1 s by default).
    vi.setConfig({ expect: { poll: { timeout: 20_000 } } });
    let databaseUrl: string | undefined;
    if (POSTGRES) ({ url: databaseUrl, drop } = await freshDatabase());
    [server, browser] = await Promise.all([startServer({ databaseUrl }), launchBrowser()]);
    expect(server.output()).toContain('console on');
    page = await browser.newPage({ viewport: { width: 1280, height: 900 } });
    page.setDefaultTimeout(30_000);
    page.on('pageerror', (e) => pageErrors.push(e.message));
    // Every value the loss chart's point count takes, as it changes; and every subscription socket with what it sent
    // (installed on each page load).
    await page.addInitScript(() => {
      const w = window as unknown as { __lossPoints: number[]; __sockets: WebSocket[]; __sent: string[] };
      w.__lossPoints = [];
      w.__sockets = [];
      w.__sent = [];
      const Native = window.WebSocket;
      window.WebSocket = class extends Native {
        constructor(url: string | URL, protocols?: string | string[]) {
          super(url, protocols);
          w.__sockets.push(this);
        }
        override send(data: string) {
          w.__sent.push(data);
          super.send(data);
        }
      };
      const steps: Record<string, string[]> = {};
      (w as unknown as { __steps: typeof steps }).__steps = steps;
      new MutationObserver(() => {
        const el = document.querySelector('[data-chart="Loss"]');
        const n = Number(el?.getAttribute('data-points') ?? Number.NaN);
        if (Number.isFinite(n) && w.__lossPoints[w.__lossPoints.length - 1] !== n) w.__lossPoints.push(n);
        // The runs list: each row's progress step as it changes.
        for (const row of document.querySelectorAll('tr[data-run-id]')) {
          const id = row.getAttribute('data-run-id') ?? '';
          const step = row.querySelector('.run-progress')?.getAttribute('data-step') ?? '';
          const seen = steps[id] ?? [];
          steps[id] = seen;
          if (seen[seen.length - 1] !== step) seen.push(step);
        }
      }).observe(document, { subtree: true, childList: true, attributes: true, attributeFilter: ['data-points', 'data-step'] });
    });
  }, 120_000);

  afterEach(async ({ task }) => {
    if (task.result?.state === 'fail' && page) await shot(`failed-${task.name.replace(/\W+/g, '-').slice(0, 60)}`);
  });

  afterAll(async () => {
    await browser?.close();
    await server?.stop();
    await drop?.();
    // What the server said, for a failure's post-mortem.
    if (server) writeFileSync(join(SHOTS, 'server.log'), server.output());
  });

  it('reports every bad row of a CSV with its row and column, and creates a JSONL dataset', async () => {
    await visit('/datasets/');
    const csv = 'text,label\n"A fine morning.",Emma\n"",Emma\n"Another line.",\n';
    await page.setInputFiles('#dataset-file', { name: 'bad.csv', mimeType: 'text/csv', buffer: Buffer.from(csv) });
    await page.fill('#dataset-name', 'bad');
    await page.click('text=Upload and create');
    const issues = page.locator('table[aria-label="Validation errors"] tbody tr');
    await expect.poll(() => issues.count()).toBe(2);
    const cells = await issues.evaluateAll((rows) => rows.map((r) => [r.getAttribute('data-row'), r.getAttribute('data-column')]));
    expect(cells).toEqual([
      ['3', 'text'],
      ['4', 'label'],
    ]);
    await expect.poll(() => page.textContent('[role="alert"]')).toContain('DATASET_INVALID');
    await shot('datasets-invalid');

    await page.setInputFiles('#dataset-file', { name: 'austen.jsonl', mimeType: 'application/json', buffer: Buffer.from(austenSlice(30)) });
    await page.fill('#dataset-name', 'austen-e2e');
    await page.click('text=Upload and create');
    await expect.poll(() => page.textContent('[data-testid="dataset-created"]')).toContain('180 rows');
    expect(await page.getAttribute('[data-testid="upload-progress"]', 'data-fraction')).toBe('1');
    await shot('datasets');

    await page.click('[data-testid="dataset-created"] a');
    await page.waitForSelector('[data-testid="token-histogram"]');
    await page.waitForSelector('[data-testid="label-distribution"] .bar-row');
    expect(await page.locator('[data-testid="label-distribution"] .bar-row').count()).toBe(6);
    expect(await page.locator('[data-testid="dataset-preview"] tbody tr').count()).toBe(20);
    await shot('dataset');
  });

  it('creates a LoRA run from the generated forms and follows it live until it succeeds', async () => {
    await visit('/runs/new/');
    const datasetOption = await page.locator('#run-dataset option', { hasText: 'austen-e2e' }).getAttribute('value');
    await page.selectOption('#run-dataset', datasetOption ?? '');
    // A value only the server can judge (the model has 4 layers) comes back next to its field.
    await page.selectOption('#run-strategy', 'partial');
    await page.fill('#cfg-freezeLayers', '50');
    await expect.poll(() => page.textContent('[data-field="freezeLayers"] .field-error')).toContain('4 layers');
    await shot('new-run-server-error');
    await page.selectOption('#run-strategy', 'lora');
    // The LoRA options come from its JSON Schema; a value it refuses is marked next to the field.
    await page.fill('#cfg-r', '0');
    await expect.poll(() => page.textContent('[data-field="r"] .field-error')).toContain('at least 1');
    expect(await page.isDisabled('text=Launch run')).toBe(true);
    await page.fill('#cfg-r', '4');
    await page.fill('#cfg-alpha', '8');
    await page.fill('#hp-maxSteps', '12');
    await page.fill('#hp-batchSize', '8');
    await page.fill('#hp-evalEvery', '6');
    await page.fill('#hp-maxLength', '32');
    await page.fill('#hp-learningRate', '3e-3');
    // The preflight estimate follows the inputs.
    await page.waitForSelector('[data-testid="preflight-trainable"]');
    await expect.poll(() => page.isDisabled('text=Launch run')).toBe(false);
    await shot('new-run');

    await page.click('text=Launch run');
    await page.waitForURL(/\/runs\/view\/\?id=/);
    runId = new URL(page.url()).searchParams.get('id') ?? '';
    expect(runId).not.toBe('');
    await page.waitForSelector('[data-chart="Loss"]');

    // Mid-run, the subscription connection drops; the page reconnects and asks for the events after the last one it has.
    await expect
      .poll(() => page.getAttribute('[data-chart="Loss"]', 'data-points'), { timeout: 120_000, interval: 50 })
      .toMatch(/^([3-9]|1[01])$/);
    // While it trains, the run page shows its trainable and total parameter counts (not '— / —').
    const midRun = await page.evaluate(() => ({
      status: document.querySelector('h1 [data-testid="run-status"]')?.textContent,
      counts: document.querySelector('[data-testid="parameter-counts"]')?.textContent,
    }));
    expect(midRun.status).toBe('RUNNING');
    expect(midRun.counts).toMatch(/^\d[\d.]*[kMB]? \/ \d[\d.]*[kMB]?$/);
    await shot('run-live');
    const dropped = await page.evaluate(() => {
      const w = window as unknown as { __sockets: WebSocket[]; __sent: string[] };
      for (const ws of w.__sockets) if (ws.readyState === WebSocket.OPEN) ws.close(4499, 'the test drops the connection');
      const seqs = [...document.querySelectorAll('[data-testid="event-log"] [data-seq]')].map((e) => Number(e.getAttribute('data-seq')));
      return { sent: w.__sent.length, lastSeq: Math.max(0, ...seqs) };
    });

    await expect.poll(() => page.textContent('[data-testid="run-status"]'), { timeout: 180_000, interval: 250 }).toBe('SUCCEEDED');
    // The loss chart took points while the run trained: its count (12 steps and 2 evaluations in the end) went
    // up step by step, never down.
    const seen = await page.evaluate(() => (window as unknown as { __lossPoints: number[] }).__lossPoints);
    const trace = `loss chart point counts seen: ${seen.join(', ')}`;
    expect(seen.at(-1), trace).toBe(14);
    expect(seen.filter((n) => n > 0 && n < 12).length, trace).toBeGreaterThanOrEqual(2);
    for (let i = 1; i < seen.length; i++) expect(seen[i], trace).toBeGreaterThan(seen[i - 1] as number);

    // After the drop: a new socket, a runEvents subscription from a later seq than 0, and a log of every event once.
    const after = await page.evaluate(() => {
      const w = window as unknown as { __sockets: WebSocket[]; __sent: string[] };
      return { sockets: w.__sockets.length, sent: w.__sent };
    });
    expect(after.sockets).toBeGreaterThanOrEqual(2);
    const resubscribed = after.sent
      .slice(dropped.sent)
      .map((m) => JSON.parse(m) as { type: string; payload?: { query: string; variables: { afterSeq?: number } } })
      .filter((m) => m.type === 'subscribe' && m.payload?.query.includes('runEvents'));
    expect(resubscribed).toHaveLength(1);
    expect(resubscribed[0]?.payload?.variables.afterSeq).toBeGreaterThanOrEqual(dropped.lastSeq);
    expect(resubscribed[0]?.payload?.variables.afterSeq).toBeGreaterThan(0);
    const logSeqs = await page
      .locator('[data-testid="event-log"] [data-seq]')
      .evaluateAll((els) => els.map((e) => Number(e.getAttribute('data-seq'))));
    expect(logSeqs).toEqual(logSeqs.map((_, i) => i + 1));
    const { run } = await gql<{ run: { lastSeq: number } }>(server.url, 'query($id: ID!) { run(id: $id) { lastSeq } }', { id: runId });
    expect(logSeqs.at(-1)).toBe(run.lastSeq);

    await page.waitForSelector('[data-testid="test-results"]');
    expect(await page.textContent('[data-testid="event-log"]')).toContain('finished');
    expect(await page.textContent('[data-testid="early-stopping"]')).toContain('Best accuracy');
    await shot('run');
  }, 240_000);

  it('draws each metric once, with hover values, smoothing, zoom and a log axis', async () => {
    await visit(`/runs/view/?id=${runId}`);
    await page.waitForSelector('[data-chart="Loss"][data-drawn="14"]');
    // Single-label classification: accuracy and the micro averages are one series, drawn once, titled with both.
    const charts = await page
      .locator('[data-chart]')
      .evaluateAll((els) =>
        els.map((e) => ({ title: e.getAttribute('data-chart') ?? '', series: (e.getAttribute('data-series') ?? '').split('|') })),
      );
    const titles = charts.map((c) => c.title);
    expect(new Set(titles).size).toBe(titles.length);
    expect(
      titles.find((t) => /accuracy/.test(t) && /f1_micro/.test(t)),
      titles.join('; '),
    ).toBeDefined();
    expect(charts.length, titles.join('; ')).toBeLessThanOrEqual(8);
    const names = charts.flatMap((c) => c.series.flatMap((n) => n.split(' = ')));
    expect(new Set(names).size, names.join(', ')).toBe(names.length);
    for (const m of ['accuracy', 'f1_micro', 'precision_micro', 'recall_micro', 'f1_macro']) expect(names.join(' ')).toContain(m);

    // Hover: the crosshair reads out each series at the nearest step, the values the run recorded.
    const { run } = await gql<{ run: { events: { nodes: { step: number; values: Record<string, number> }[] } } }>(
      server.url,
      'query($id: ID!) { run(id: $id) { events(types: [STEP]) { nodes { step values } } } }',
      { id: runId },
    );
    const losses = run.events.nodes.map((e) => e.values.loss as number);
    const loss = page.locator('[data-chart="Loss"]');
    const canvas = loss.locator('canvas');
    const box = (await canvas.boundingBox()) ?? { x: 0, y: 0, width: 0, height: 0 };
    const hoverAt = async (fraction: number) => {
      await page.mouse.move(box.x + 48 + (box.width - 60) * fraction, box.y + box.height / 2);
      const item = loss.locator('[data-testid="chart-readout"] [data-series="loss"]');
      await item.waitFor();
      const step = Number(((await loss.locator('[data-testid="chart-readout"] .muted').first().textContent()) ?? '').replace(/\D+/g, ''));
      return { step, value: Number(await item.getAttribute('data-value')) };
    };
    const raw = await hoverAt(0.75);
    expect(raw.step).toBeGreaterThan(1);
    expect(raw.value).toBe(losses[raw.step - 1]);
    await shot('run-hover');

    // Smoothing 0.9: TensorBoard's debiased EMA at that step, and a different line.
    const before = await loss.getAttribute('data-signature');
    await page.locator('#chart-smoothing').fill('0.9');
    await expect.poll(() => loss.getAttribute('data-signature')).not.toBe(before);
    let ema = 0;
    for (let i = 0; i < raw.step; i++) ema = ema * 0.9 + 0.1 * (losses[i] as number);
    const smoothed = await hoverAt(0.75);
    expect(smoothed.step).toBe(raw.step);
    expect(smoothed.value).toBeCloseTo(ema / (1 - 0.9 ** raw.step), 9);
    expect(smoothed.value).not.toBe(raw.value);
    await shot('run-smoothed');
    await page.locator('#chart-smoothing').fill('0');

    // The log axis changes the y labels and the drawn line.
    const lr = page.locator('[data-chart="Learning rate"]');
    const linear = { ticks: await lr.getAttribute('data-y-ticks'), signature: await lr.getAttribute('data-signature') };
    await lr.locator('input[type="checkbox"]').check();
    await expect.poll(() => lr.getAttribute('data-y-ticks')).not.toBe(linear.ticks);
    expect(await lr.getAttribute('data-signature')).not.toBe(linear.signature);
    expect(await lr.getAttribute('data-log')).toBe('y');

    // Zoom: drag across the middle of the loss chart; fewer points drawn; a double-click shows them all again.
    await page.mouse.move(box.x + 48 + (box.width - 60) * 0.3, box.y + box.height / 2);
    await page.mouse.down();
    await page.mouse.move(box.x + 48 + (box.width - 60) * 0.6, box.y + box.height / 2, { steps: 5 });
    await page.mouse.up();
    await expect.poll(() => loss.getAttribute('data-zoomed')).toMatch(/^[\d.]+-[\d.]+$/);
    // The zoom range is state at once; the points drawn follow on the next animation frame.
    await expect.poll(async () => Number(await loss.getAttribute('data-drawn'))).toBeLessThan(14);
    expect(Number(await loss.getAttribute('data-drawn'))).toBeGreaterThan(0);
    await shot('run-zoomed');
    await canvas.dblclick();
    await expect.poll(() => loss.getAttribute('data-zoomed')).toBeNull();
    await expect.poll(() => loss.getAttribute('data-drawn')).toBe('14');
  });

  it('shows a second run live in the runs list, and filters the list', async () => {
    await visit('/');
    await expect.poll(() => page.locator('[data-testid="runs-table"] tbody tr').count()).toBe(1);
    const { models, datasets } = await gql<{ models: { nodes: { id: string }[] }; datasets: { nodes: { id: string; name: string }[] } }>(
      server.url,
      '{ models { nodes { id } } datasets { nodes { id name } } }',
    );
    const second = await gql<{ createRun: { run: { id: string } } }>(
      server.url,
      'mutation($i: CreateRunInput!) { createRun(input: $i) { run { id } } }',
      {
        i: {
          name: 'full, 16 steps',
          modelId: models.nodes[0]?.id,
          datasetId: datasets.nodes.find((d) => d.name === 'austen-e2e')?.id,
          strategy: 'full',
          // The retention check on, for the compare page's chart and column.
          hyperparameters: { maxSteps: 16, batchSize: 16, evalEvery: 8, learningRate: 1e-4, retention: { sampleSize: 8 } },
          maxLength: 32,
        },
      },
    );
    // The new run appears without a reload, then its progress moves (runChanged sends progress at most once a
    // second) and it succeeds, all through runChanged.
    const row = page.locator(`tr[data-run-id="${second.createRun.run.id}"]`);
    await row.waitFor();
    await expect.poll(() => row.locator('[data-testid="run-status"]').textContent(), { timeout: 120_000, interval: 100 }).toBe('SUCCEEDED');
    const steps = await page.evaluate(
      (id) => (window as unknown as { __steps: Record<string, string[]> }).__steps[id] ?? [],
      second.createRun.run.id,
    );
    expect(steps.filter((n) => Number(n) > 0 && Number(n) < 16).length, `steps seen: ${steps.join(', ')}`).toBeGreaterThan(0);
    expect(await row.locator('.run-progress').getAttribute('data-step')).toBe('16');

    await page.selectOption('select[aria-label="filter by strategy"]', 'lora');
    await expect.poll(() => page.locator('[data-testid="runs-table"] tbody tr').count()).toBe(1);
    await page.selectOption('select[aria-label="filter by strategy"]', '');
    await expect.poll(() => page.locator('[data-testid="runs-table"] tbody tr').count()).toBe(2);
    await shot('runs');
  }, 180_000);

  it('exports the adapter and its download link works', async () => {
    await visit(`/runs/view/?id=${runId}`);
    await page.click('text=Export adapter');
    const link = page.locator('a[data-artifact="ADAPTER"]');
    await link.waitFor();
    const href = (await link.getAttribute('href')) ?? '';
    expect(href).toMatch(/^\/artifacts\//);
    const res = await fetch(`${server.url}${href}`);
    expect(res.status).toBe(200);
    expect((await res.arrayBuffer()).byteLength).toBeGreaterThan(100);
    // And in the browser, as a user clicks it.
    const [download] = await Promise.all([page.waitForEvent('download'), link.click()]);
    expect(download.suggestedFilename()).toMatch(/adapter\.tar\.gz$/);
    expect(await download.failure()).toBeNull();
    await shot('run-exported');
  });

  it('predicts with the fine-tuned model next to its base in the playground', async () => {
    await visit(`/playground/?run=${runId}`);
    // A single-text classifier: no second text box; the run's whole name is readable.
    await page.waitForSelector('[data-testid="playground-run-details"]');
    expect(await page.locator('#playground-pair').count()).toBe(0);
    const picker = await page.locator('#playground-run').evaluate((el) => ({ width: el.clientWidth, text: el.scrollWidth }));
    expect(picker.text).toBeLessThanOrEqual(picker.width);
    expect(picker.width).toBeGreaterThan(600);
    await page.fill('#playground-text', 'Mr. Darcy bowed.\nEmma smiled.');
    await page.click('button:has-text("Predict")');
    await expect.poll(() => page.locator('[data-testid="prediction"]').count()).toBe(2);
    for (const which of ['fine-tuned', 'base-model']) {
      const rows = page.locator(`[data-testid="prediction"] [data-testid="prediction-${which}"] .bar-row`);
      expect(await rows.count()).toBe(12); // 6 labels x 2 inputs
    }
    await shot('playground');
  });

  it('compares the runs, and lists models, strategies and tokens', async () => {
    const { runs } = await gql<{ runs: { edges: { node: { id: string } }[] } }>(server.url, '{ runs { edges { node { id } } } }');
    await visit(`/compare/?ids=${runs.edges.map((e) => e.node.id).join(',')}`);
    await expect.poll(() => page.locator('[data-testid="compare-table"] tbody tr').count()).toBe(2);
    await page.waitForSelector('[data-chart="Training loss"]');
    await expect.poll(() => page.getAttribute('[data-chart="Training loss"]', 'data-points')).toBe('28');
    // Only the second run measured retention: its two evaluations are drawn, and its figure at the best step is listed.
    await expect.poll(() => page.getAttribute('[data-chart="Retention (1 = as the base model)"]', 'data-points')).toBe('2');
    const retention = await page.locator('[data-testid="compare-retention"]').allTextContents();
    expect(retention).toHaveLength(2);
    expect(retention.filter((t) => t === '—')).toHaveLength(1);
    expect(retention.filter((t) => /^[01](\.\d+)?$/.test(t))).toHaveLength(1);
    await shot('compare');

    // Without ids (the menu's link): the most recent finished runs are preselected.
    await visit('/compare/');
    await expect.poll(() => page.locator('[data-testid="compare-table"] tbody tr').count()).toBe(2);
    expect(new URL(page.url()).searchParams.get('ids')?.split(',').sort()).toEqual(runs.edges.map((e) => e.node.id).sort());
    await page.waitForSelector('[data-chart="Training loss"]');
    await shot('compare-default');

    await visit('/models/');
    await page.click('text=austen-bert-mini');
    await expect.poll(() => page.textContent('main')).toContain('sequence-classification');
    await shot('model');
    await visit('/models/');
    await shot('models');

    await visit('/strategies/');
    for (const id of ['full', 'partial', 'lora', 'bottleneck']) expect(await page.locator(`[data-strategy="${id}"]`).count()).toBe(1);
    expect(await page.inputValue('#schema-lora-r')).toBe('8');
    await shot('strategies');

    await visit('/tokens/');
    await page.fill('input[aria-label="token name"]', 'ci');
    await page.click('button:has-text("Create")');
    await expect.poll(() => page.textContent('[data-testid="token-secret"]')).toMatch(/\S{20,}/);
    await shot('tokens');

    expect(pageErrors).toEqual([]);
  });

  it('runs a query in the bundled GraphQL explorer, offline, and sends browsers from /graphql to it', async () => {
    // Nothing but the server may be reached: any other request (a CDN) is refused and recorded.
    const outside: string[] = [];
    await page.route('**/*', (route) => {
      const url = route.request().url();
      if (url.startsWith(server.url) || url.startsWith('data:') || url.startsWith('blob:')) return route.continue();
      outside.push(url);
      return route.abort();
    });
    // Apollo's CDN landing page is off: a browser's GET /graphql lands on the console's explorer; API clients get JSON.
    const html = await fetch(`${server.url}/graphql`, {
      headers: { accept: 'text/html,application/xhtml+xml,*/*;q=0.8' },
      redirect: 'manual',
    });
    expect(html.status).toBe(302);
    expect(html.headers.get('location')).toBe('/explorer/');
    const json = await fetch(`${server.url}/graphql?query=${encodeURIComponent('{ strategies { nodes { id } } }')}`, {
      headers: { accept: 'application/json', 'apollo-require-preflight': 'true' },
    });
    expect(((await json.json()) as { data: { strategies: { nodes: unknown[] } } }).data.strategies.nodes.length).toBeGreaterThan(3);

    // GraphiQL asks for the schema once it is mounted: a click before then can land before its handlers do.
    const introspected = page.waitForResponse(
      (r) => r.url().startsWith(`${server.url}/graphql`) && (r.request().postData() ?? '').includes('IntrospectionQuery'),
    );
    await page.goto(`${server.url}/graphql`);
    expect(new URL(page.url()).pathname).toBe('/explorer/');
    await page.waitForSelector('.graphiql-container .graphiql-execute-button');
    await introspected;
    // GraphiQL builds its schema from that answer before its run button does anything; on a busy machine that
    // takes a while after the answer arrives (longer as the schema grows), so a click that found no handler is
    // made again until the response shows.
    await expect
      .poll(
        async () => {
          const text = await page.textContent('.graphiql-response');
          if (!text?.includes('"runs"')) await page.click('.graphiql-execute-button');
          return text;
        },
        { timeout: 30_000, interval: 2_000 },
      )
      .toContain('"runs"');
    expect(await page.textContent('.graphiql-response')).toContain('"trainableParameters"');
    await shot('explorer');
    expect(outside).toEqual([]);
    expect(pageErrors).toEqual([]);
    await page.unroute('**/*');
  });
});
