// Where a run's objects live in storage: one prefix per run, one per attempt (its checkpoints, each a
// published tree with its event journal), and the exports of the attempt that succeeded.

/** Everything of a run; deleting the run removes this prefix. */
export function runKey(runId: string): string {
  return `runs/${runId}`;
}

/** One attempt's checkpoints: `step-…` trees, each visible once its manifest is written. */
export function checkpointsKey(runId: string, attempt: number): string {
  return `runs/${runId}/attempts/${attempt}/checkpoints`;
}

/** The exports of a run that succeeded: `model` and, for strategies with files of their own, `adapter` (each a published tree). */
export function runExportKey(runId: string, folder: 'model' | 'adapter'): string {
  return `runs/${runId}/export/${folder}`;
}

/** A built export archive (.tar.gz) of the kind asked for. */
export function runArchiveKey(runId: string, kind: string): string {
  return `runs/${runId}/artifacts/${kind.toLowerCase()}.tar.gz`;
}
