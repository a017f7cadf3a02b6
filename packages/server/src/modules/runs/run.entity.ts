// A fine-tuning run: what to train, its state machine, and what the worker reported.

import { Column, CreateDateColumn, Entity, Index, PrimaryGeneratedColumn, type Repository } from 'typeorm';
import { bigintNumber } from '../../db/columns.ts';

export const RUN_STATUSES = ['QUEUED', 'RUNNING', 'SUCCEEDED', 'FAILED', 'CANCELLED'] as const;
export type RunStatusName = (typeof RUN_STATUSES)[number];

export interface RunProgressRecord {
  step: number;
  totalSteps: number;
  epoch: number;
  /** Seconds to the end, from the recent step rate. */
  etaSeconds: number | null;
  updatedAt: string;
}

@Entity('runs')
@Index(['status', 'createdAt'])
export class RunEntity {
  @PrimaryGeneratedColumn('uuid')
  id!: string;

  @Column({ type: 'text' })
  name!: string;

  @Column({ type: 'uuid', name: 'model_id' })
  modelId!: string;

  @Column({ type: 'uuid', name: 'dataset_id' })
  datasetId!: string;

  @Column({ type: 'text' })
  task!: string;

  @Column({ type: 'text', name: 'strategy_id' })
  strategyId!: string;

  @Column({ type: 'jsonb', name: 'strategy_config' })
  strategyConfig!: Record<string, unknown>;

  /** The trainer settings (RunSpec.training), defaults filled in. */
  @Column({ type: 'jsonb' })
  hyperparameters!: Record<string, unknown>;

  @Column({ type: 'integer' })
  seed!: number;

  @Column({ type: 'text' })
  device!: string;

  @Column({ type: 'integer', name: 'max_length' })
  maxLength!: number;

  @Column({ type: 'text' })
  status!: RunStatusName;

  @Column({ type: 'text', name: 'error_code', nullable: true })
  errorCode!: string | null;

  @Column({ type: 'text', name: 'error_message', nullable: true })
  errorMessage!: string | null;

  /** Raised by every claim: the fencing token a worker's writes must carry. */
  @Column({ type: 'integer' })
  attempt!: number;

  @Column({ type: 'text', name: 'worker_id', nullable: true })
  workerId!: string | null;

  @Column({ type: 'boolean', name: 'cancel_requested' })
  cancelRequested!: boolean;

  /** The last event's sequence number. */
  @Column({ type: 'integer', name: 'last_seq' })
  lastSeq!: number;

  @Column({ type: 'jsonb', nullable: true })
  progress!: RunProgressRecord | null;

  @Column({ type: 'jsonb', nullable: true })
  best!: { metric: string; value: number; step: number } | null;

  @Column({ type: 'jsonb', name: 'test_results', nullable: true })
  testResults!: Record<string, number> | null;

  @Column({ type: 'bigint', name: 'trainable_parameters', nullable: true, transformer: bigintNumber })
  trainableParameters!: number | null;

  @Column({ type: 'bigint', name: 'total_parameters', nullable: true, transformer: bigintNumber })
  totalParameters!: number | null;

  /** Mean wall-clock time of an optimizer step, evaluations excluded. */
  @Column({ type: 'double precision', name: 'mean_step_seconds', nullable: true })
  meanStepSeconds!: number | null;

  /** The worker process's largest resident memory while it trained this run. */
  @Column({ type: 'double precision', name: 'peak_memory_bytes', nullable: true })
  peakMemoryBytes!: number | null;

  /** The sweep this run is a trial of; null for a run of its own. */
  @Column({ type: 'uuid', name: 'sweep_id', nullable: true })
  sweepId!: string | null;

  /** The trial's number in its sweep, from 1. */
  @Column({ type: 'integer', name: 'sweep_trial', nullable: true })
  sweepTrial!: number | null;

  /** The point of the sweep's space this trial tries (parameter name -> value). */
  @Column({ type: 'jsonb', name: 'sweep_params', nullable: true })
  sweepParams!: Record<string, unknown> | null;

  /** The best trial of its sweep. */
  @Column({ type: 'boolean' })
  promoted!: boolean;

  @CreateDateColumn({ type: 'timestamptz', name: 'created_at' })
  createdAt!: Date;

  @Column({ type: 'timestamptz', name: 'started_at', nullable: true })
  startedAt!: Date | null;

  @Column({ type: 'timestamptz', name: 'finished_at', nullable: true })
  finishedAt!: Date | null;
}

/** The fields an UPDATE of a run may set. */
export type RunUpdate = Parameters<Repository<RunEntity>['update']>[1];
