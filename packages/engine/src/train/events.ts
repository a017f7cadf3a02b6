// Everything a training run reports, as one stream of events with a run-wide sequence number: the
// command writes them to metrics.jsonl and the server streams exactly these.

export type TrainEventType =
  | 'started'
  | 'step'
  | 'eval'
  | 'checkpoint'
  | 'warning'
  | 'early_stop'
  | 'finished'
  | 'failed'
  | 'cancelled'
  | 'test';

/**
 * What a `warning` event is about: CHECKPOINT_DAMAGED (a damaged checkpoint was skipped on resume, an older
 * one used), DROPOUT_CHANGED (the checkpoint's engine drew dropout masks with another function),
 * RETENTION_LOW (the tuned backbone's retention fell below the threshold), RETENTION_HEAD_MISSING (the base
 * checkpoint lacks its language-modelling head, so retention is measured from hidden states instead).
 */
export const WARNING_CODES = ['CHECKPOINT_DAMAGED', 'DROPOUT_CHANGED', 'RETENTION_LOW', 'RETENTION_HEAD_MISSING'] as const;
export type WarningCode = (typeof WARNING_CODES)[number];

export interface TrainEvent {
  /** Increases by one per event over the whole run, across resumes. */
  seq: number;
  type: TrainEventType;
  /** Optimizer steps completed. */
  step: number;
  /** Fractional epoch: completed epochs plus the part of the current one. */
  epoch: number;
  /** Wall-clock time, ISO 8601. */
  time: string;
  /** Figures: loss, learning_rate, grad_norm, tokens_per_s (steps); eval_* metrics (evaluations). */
  values: Record<string, number>;
  /** What happened, for events that are not only figures (a failure's reason, a checkpoint's path). */
  message?: string;
  /** A warning's code (WARNING_CODES), for programs that act on it. */
  code?: WarningCode;
}

export type EventSink = (event: TrainEvent) => void;
