// A validated dataset: the uploaded file, its task and column mapping, and what validation measured.

import { Column, CreateDateColumn, Entity, PrimaryGeneratedColumn } from 'typeorm';
import { bigintNumber } from '../../db/columns.ts';

export interface DatasetStatsRecord {
  rows: number;
  splits: { train: number; validation: number; test: number };
  labels: Record<string, number> | null;
  /** Characters per example text (token lengths depend on the model; the run reports them). */
  textLength: { min: number; p50: number; p95: number; max: number };
}

@Entity('datasets')
export class DatasetEntity {
  @PrimaryGeneratedColumn('uuid')
  id!: string;

  @Column({ type: 'text', unique: true })
  name!: string;

  @Column({ type: 'text' })
  task!: string;

  @Column({ type: 'text' })
  format!: string;

  @Column({ type: 'jsonb' })
  columns!: Record<string, string>;

  @Column({ type: 'jsonb', nullable: true })
  labels!: string[] | null;

  @Column({ type: 'text' })
  filename!: string;

  /** The file, relative to the artifact store. */
  @Column({ type: 'text' })
  path!: string;

  @Column({ type: 'bigint', transformer: bigintNumber })
  bytes!: number;

  @Column({ type: 'integer', name: 'row_count' })
  rowCount!: number;

  @Column({ type: 'jsonb' })
  stats!: DatasetStatsRecord;

  @CreateDateColumn({ type: 'timestamptz', name: 'created_at' })
  createdAt!: Date;
}
