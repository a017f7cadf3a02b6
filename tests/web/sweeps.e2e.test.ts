// The console's sweep pages in a real browser (Debian's Chromium through playwright-core) against a real server
// with two in-process workers: a two-trial grid sweep made through the API is listed, its page shows the
// parallel-coordinates plot of both trials against the objective, the trials with the promoted one marked, and
// their curves; the runs list links each trial to its sweep. Screenshots go to tests/web/screenshots/.
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
});
