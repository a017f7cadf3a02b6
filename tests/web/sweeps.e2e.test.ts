// The console's sweep pages in a real browser (Debian's Chromium through playwright-core) against a real server
// with two in-process workers: a two-trial grid sweep made through the API is listed, its page shows the
// parallel-coordinates plot of both trials against the objective, the trials with the promoted one marked, and
// their curves; the runs list links each trial to its sweep; a sweep made with the New sweep form (problems marked
// at their field) shows its trials on its page. Screenshots go to tests/web/screenshots/.
// Needs the console's static build: pnpm --filter @tuneql/web build.

import { join } from 'node:path';
import type { Browser, Page } from 'playwright-core';
import { afterAll, afterEach, beforeAll, describe, expect, it, vi } from 'vitest';
import { austenDataset, gql, startServer, type TestServer } from '../server/harness.ts';
import { launchBrowser, SHOTS } from './browser.ts';

let server: TestServer;
let browser: Browser;
let page: Page;
let sweepId: string;
const pageErrors: string[] = [];

describe('the console sweep pages', () => {
  beforeAll(async () => {
    vi.setConfig({ expect: { poll: { timeout: 20_000 } } });
    [server, browser] = await Promise.all([startServer({ workers: 2 }), launchBrowser()]);
    page = await browser.newPage({ viewport: { width: 1280, height: 900 } });
    page.setDefaultTimeout(30_000);
    page.on('pageerror', (e) => pageErrors.push(e.message));

    const datasetId = await austenDataset(server.url, 'austen-sweep-page', 10);
    const { models } = await gql<{ models: { nodes: { id: string; name: string }[] } }>(server.url, '{ models { nodes { id name } } }');
    const { createSweep } = await gql<{ createSweep: { sweep: { id: string } } }>(
      server.url,
      'mutation($i: CreateSweepInput!) { createSweep(input: $i) { sweep { id } } }',
      {
        i: {
          name: 'page sweep',
          run: {
            modelId: models.nodes.find((m) => m.name === 'austen-bert-mini')?.id,
            datasetId,
            strategy: 'lora',
            strategyConfig: { r: 4, alpha: 8 },
            hyperparameters: { epochs: 1, batchSize: 8, evalEvery: 3, metric: 'loss' },
            maxLength: 32,
          },
          algorithm: 'GRID',
          parameters: [{ name: 'learningRate', values: [3e-3, 1e-2] }],
          parallelism: 2,
        },
      },
    );
    sweepId = createSweep.sweep.id;
  }, 120_000);

  afterEach(async ({ task }) => {
    if (task.result?.state === 'fail' && page) await page.screenshot({ path: join(SHOTS, 'failed-sweep-pages.png'), fullPage: true });
  });

  afterAll(async () => {
    await browser?.close();
    await server?.stop();
  });

  it('lists the sweep, and its page follows it to the end with the plot, the trials and their curves', async () => {
    await page.goto(`${server.url}/sweeps/view/?id=${sweepId}`);
    // Live: the page moves to SUCCEEDED without a reload.
    await expect.poll(() => page.textContent('[data-testid="sweep-status"]'), { timeout: 150_000, interval: 250 }).toBe('SUCCEEDED');
    const plot = page.locator('[data-testid="parallel-coordinates"]');
    await expect.poll(() => plot.getAttribute('data-trials')).toBe('2');
    expect(await plot.getAttribute('data-axes')).toBe('learningRate,loss');
    // Both trials succeeded: two solid lines, one of them the promoted trial's (thick).
    await expect.poll(() => plot.locator('path[data-trial]').count()).toBe(2);
    const widths = await plot.locator('path[data-trial]').evaluateAll((paths) => paths.map((p) => p.getAttribute('stroke-width')));
    expect(widths.filter((w) => w === '4')).toHaveLength(1);
    const rows = page.locator('[data-testid="trials-table"] tbody tr');
    expect(await rows.count()).toBe(2);
    expect(await rows.locator('.badge').allTextContents()).toEqual(['SUCCEEDED', 'SUCCEEDED']);
    expect(await page.locator('[data-testid="trials-table"] tr.promoted').count()).toBe(1);
    // Each trial's curves: one line per trial in the validation chart, with its evaluations (3 steps of 6: two each).
    await expect.poll(() => page.getAttribute('[data-chart="Validation loss"]', 'data-points')).toBe('4');
    await page.screenshot({ path: join(SHOTS, 'sweep.png'), fullPage: true });

    await page.goto(`${server.url}/sweeps/`);
    await page.waitForSelector(`tr[data-sweep-id="${sweepId}"]`);
    expect(await page.textContent(`tr[data-sweep-id="${sweepId}"]`)).toMatch(/page sweep.*SUCCEEDED.*GRID over learningRate.*2 \/ 2 done/);
    await page.screenshot({ path: join(SHOTS, 'sweeps.png'), fullPage: true });

    // The runs list says which runs are trials, and of which sweep.
    await page.goto(`${server.url}/`);
    await page.waitForSelector('[data-testid="runs-table"]');
    const trialLinks = page.locator(`[data-testid="runs-table"] a[href*="sweeps/view"][href*="${sweepId}"]`);
    await expect.poll(() => trialLinks.count()).toBe(2);
    expect(await page.textContent('[data-testid="runs-table"]')).toContain('★ best');
    expect(pageErrors).toEqual([]);
  }, 240_000);

  it('creates a sweep from the New sweep form, problems marked at their field, and shows its trials on its page', async () => {
    await page.goto(`${server.url}/sweeps/`);
    await page.click('[data-testid="new-sweep"]');
    await page.waitForURL(/\/sweeps\/new\/?$/);
    // The New run page's form, reused: model, dataset, strategy, its options and the trainer settings.
    const datasetOption = await page.locator('#run-dataset option', { hasText: 'austen-sweep-page' }).getAttribute('value');
    await page.selectOption('#run-dataset', datasetOption ?? '');
    await page.selectOption('#run-strategy', 'lora');
    await page.fill('#cfg-r', '4');
    await page.fill('#cfg-alpha', '8');
    await page.fill('#hp-epochs', '1');
    await page.fill('#hp-batchSize', '8');
    await page.fill('#hp-evalEvery', '3');
    await page.fill('#hp-maxLength', '32');
    await page.fill('#run-name', 'form sweep');
    // The first row is the learning rate, log-uniform; a range from 0 is marked before anything is sent.
    expect(await page.inputValue('#space-0-name')).toBe('learningRate');
    expect(await page.inputValue('#space-0-kind')).toBe('log-uniform');
    await page.fill('#space-0-min', '0');
    await page.fill('#space-0-max', '1e-2');
    await expect.poll(() => page.textContent('[data-row="0"] .field-error')).toContain('needs min > 0');
    expect(await page.isDisabled('text=Create sweep')).toBe(true);
    await page.fill('#space-0-min', '1e-3');
    // A second parameter: LoRA's rank, with a value only the server refuses (LoRA's own schema says r >= 1).
    await page.click('text=Add parameter');
    await page.selectOption('#space-1-name', 'strategyConfig.r');
    await page.selectOption('#space-1-kind', 'choice');
    await page.fill('#space-1-values', '4, -1');
    await page.selectOption('#sweep-algorithm', 'RANDOM');
    await page.fill('#sweep-max-trials', '2');
    await page.fill('#sweep-parallelism', '2');
    await expect.poll(() => page.isDisabled('text=Create sweep')).toBe(false);
    await page.click('text=Create sweep');
    await expect.poll(() => page.textContent('[data-row="1"] .field-error')).toMatch(/SWEEP_PARAMETER_INVALID|strategyConfig\.r = -1/);
    expect(await page.textContent('[data-row="1"] .field-error')).toContain('strategyConfig.r = -1 would be refused');
    await page.screenshot({ path: join(SHOTS, 'new-sweep-error.png'), fullPage: true });
    await page.fill('#space-1-values', '4, 8');
    await expect.poll(() => page.isDisabled('text=Create sweep')).toBe(false);
    await page.screenshot({ path: join(SHOTS, 'new-sweep.png'), fullPage: true });
    await page.click('text=Create sweep');

    // The sweep's page, with its trials as they are queued and run.
    await page.waitForURL(/\/sweeps\/view\/?\?id=/);
    const id = new URL(page.url()).searchParams.get('id') as string;
    await expect.poll(() => page.locator('[data-testid="trials-table"] tbody tr').count(), { timeout: 30_000 }).toBe(2);
    const { sweep } = await gql<{
      sweep: {
        name: string;
        algorithm: string;
        maxTrials: number;
        parallelism: number;
        base: Record<string, unknown>;
        parameters: { name: string; values: unknown[] | null; min: number | null; max: number | null; log: boolean }[];
        trials: { nodes: { number: number; params: Record<string, number> }[] };
      };
    }>(
      server.url,
      'query($id: ID!) { sweep(id: $id) { name algorithm maxTrials parallelism base parameters { name values min max log } trials { nodes { number params } } } }',
      { id },
    );
    expect(sweep).toMatchObject({ name: 'form sweep', algorithm: 'RANDOM', maxTrials: 2, parallelism: 2 });
    expect(sweep.parameters).toEqual([
      { name: 'learningRate', values: null, min: 1e-3, max: 1e-2, log: true },
      { name: 'strategyConfig.r', values: [4, 8], min: null, max: null, log: false },
    ]);
    expect(sweep.base).toMatchObject({ strategy: 'lora', strategyConfig: { r: 4, alpha: 8 }, maxLength: 32 });
    expect(sweep.base.hyperparameters).toMatchObject({ epochs: 1, batchSize: 8, evalEvery: 3 });
    for (const t of sweep.trials.nodes) {
      expect(t.params.learningRate).toBeGreaterThanOrEqual(1e-3);
      expect(t.params.learningRate).toBeLessThanOrEqual(1e-2);
      expect([4, 8]).toContain(t.params['strategyConfig.r']);
    }
    expect(await page.textContent('[data-testid="trials-table"]')).toContain(String(sweep.trials.nodes[0]?.params['strategyConfig.r']));
    await page.screenshot({ path: join(SHOTS, 'new-sweep-created.png'), fullPage: true });
    await gql(server.url, 'mutation($i: CancelSweepInput!) { cancelSweep(input: $i) { sweep { id } } }', { i: { id } });
    expect(pageErrors).toEqual([]);
  }, 120_000);
});
