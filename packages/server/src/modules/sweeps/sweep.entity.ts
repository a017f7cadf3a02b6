// A hyperparameter sweep: the base run, the space it varies, how trials are chosen and stopped, and which
// trial won. Its trials are runs (runs.sweep_id) numbered from 1.

import { Column, CreateDateColumn, Entity, Index, PrimaryGeneratedColumn } from 'typeorm';
import type { MedianStoppingRule } from './early-termination.ts';
import type { SweepAlgorithm } from './samplers.ts';
import type { Dimension } from './search-space.ts';

export const SWEEP_STATUSES = ['RUNNING', 'SUCCEEDED', 'FAILED', 'CANCELLED'] as const;
export type SweepStatusName = (typeof SWEEP_STATUSES)[number];

/** The run every trial starts from, as createRun takes it (camelCase hyperparameters, defaults applied). */
export interface SweepBaseRun {
  modelId: string;
  datasetId: string;
  task?: string;
  strategy: string;
  strategyConfig?: Record<string, unknown>;
  hyperparameters?: Record<string, unknown>;
  seed: number;
  device: string;
  maxLength: number;
}

@Entity('sweeps')
@Index(['createdAt', 'id'])
export class SweepEntity {
  @PrimaryGeneratedColumn('uuid')
  id!: string;

  @Column({ type: 'text' })
  name!: string;

  @Column({ type: 'uuid', name: 'model_id' })
  modelId!: string;

  @Column({ type: 'uuid', name: 'dataset_id' })
  datasetId!: string;

  @Column({ type: 'jsonb' })
  base!: SweepBaseRun;

  /** The dimensions, in the order given. */
  @Column({ type: 'jsonb' })
  parameters!: Dimension[];

  @Column({ type: 'text' })
  algorithm!: SweepAlgorithm;

  @Column({ type: 'integer', name: 'max_trials' })
  maxTrials!: number;

  /** Trials queued or running at once. */
  @Column({ type: 'integer' })
  parallelism!: number;

  /** The median stopping rule's settings; null: every trial runs to its end. */
  @Column({ type: 'jsonb', name: 'early_stopping', nullable: true })
  earlyStopping!: MedianStoppingRule | null;

  /** Seeds the samplers (the trials' own seed is the base run's). */
  @Column({ type: 'integer' })
  seed!: number;

  /** The objective: the trials' validation metric (the one that picks each run's best weights). */
  @Column({ type: 'text' })
  metric!: string;

  @Column({ type: 'boolean', name: 'greater_is_better' })
  greaterIsBetter!: boolean;

  @Column({ type: 'text' })
  status!: SweepStatusName;

  @Column({ type: 'text', name: 'error_code', nullable: true })
  errorCode!: string | null;

  @Column({ type: 'text', name: 'error_message', nullable: true })
  errorMessage!: string | null;

  /** The promoted trial's run. */
  @Column({ type: 'uuid', name: 'best_run_id', nullable: true })
  bestRunId!: string | null;

  @CreateDateColumn({ type: 'timestamptz', name: 'created_at' })
  createdAt!: Date;

  @Column({ type: 'timestamptz', name: 'finished_at', nullable: true })
  finishedAt!: Date | null;
}
