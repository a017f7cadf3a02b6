// `tuneql serve` stopped by SIGTERM (an orchestrator, Ctrl-C, a container stop): it checkpoints the
// run its in-process worker holds, says it stopped, exits 0, and the next start resumes the run.

import { expect, it } from 'vitest';
import { austenDataset, gql, smallLoraRun, startServer, waitForStatus } from './harness.ts';

it('one SIGTERM checkpoints the running run, exits 0, and the next start finishes it', async () => {
  const first = await startServer({ workers: 1 });
  const datasetId = await austenDataset(first.url, 'shutdown', 20);
  const runId = await smallLoraRun(first.url, datasetId, { epochs: 40, maxSteps: 60 });
  // Wait for a few steps, so there is completed work to keep.
  for (;;) {
    const run = await waitForStatus(first.url, runId, ['RUNNING', 'SUCCEEDED', 'FAILED']);
    expect(run.status).toBe('RUNNING');
    if (((run.progress as { step?: number } | null)?.step ?? 0) >= 3) break;
    await new Promise((r) => setTimeout(r, 200));
  }
  await first.stop('SIGTERM');
  expect(await first.exited).toBe(0);
  expect(first.output()).toMatch(/"msg":"stopped"/);

  const second = await startServer({ workers: 1, dataDir: first.dataDir });
  try {
    const { run } = await gql<{ run: { checkpoints: { nodes: { step: number }[] } } }>(
      second.url,
      'query($id: ID!) { run(id: $id) { checkpoints { nodes { step } } } }',
      { id: runId },
    );
    // The drain wrote a checkpoint at the step it stopped on; the resumed attempt starts there.
    expect(run.checkpoints.nodes.length).toBeGreaterThan(0);
    expect(Math.max(...run.checkpoints.nodes.map((c) => c.step))).toBeGreaterThanOrEqual(3);
    const done = await waitForStatus(second.url, runId, ['SUCCEEDED', 'FAILED'], 240_000);
    expect(done.status).toBe('SUCCEEDED');
    expect(done.attempt).toBe(2);
  } finally {
    await second.stop();
  }
}, 480_000);
