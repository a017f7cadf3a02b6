// What the run feature refuses, and why a run failed.

export const RunErrorCode = {
  RUN_NOT_FOUND: 'RUN_NOT_FOUND',
  RUN_INVALID_STATE: 'RUN_INVALID_STATE',
  RUN_INVALID_INPUT: 'RUN_INVALID_INPUT',
  /** The run's memory estimate (every example at maxLength) exceeds what a run may use (TUNEQL_RUN_MEMORY_BYTES). */
  RUN_TOO_LARGE: 'RUN_TOO_LARGE',
  /** A worker whose claim lapsed tried to write to a newer attempt. */
  RUN_CLAIM_LOST: 'RUN_CLAIM_LOST',
  /** Set on a run that failed. */
  TRAINING_FAILED: 'TRAINING_FAILED',
  WORKER_LOST: 'WORKER_LOST',
  EXPORT_UNAVAILABLE: 'EXPORT_UNAVAILABLE',
  /** Set on a run whose checkpoints or exports could not be written to storage (after retries). */
  STORAGE_UNAVAILABLE: 'STORAGE_UNAVAILABLE',
} as const;

/** Thrown to a worker whose claim on a run has passed to another attempt: it must stop writing. */
export class ClaimLostError extends Error {
  override name = 'ClaimLostError';
  constructor(runId: string, attempt: number) {
    super(`run ${runId}: attempt ${attempt} no longer holds the run (another worker claimed it, or it was deleted)`);
  }
}
