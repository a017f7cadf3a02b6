// One trainer event of a run, numbered per run so that a subscriber can resume after its last one.

import { Column, Entity, PrimaryColumn } from 'typeorm';

@Entity('run_events')
export class RunEventEntity {
  @PrimaryColumn({ type: 'uuid', name: 'run_id' })
  runId!: string;

  @PrimaryColumn({ type: 'integer' })
  seq!: number;

  @Column({ type: 'text' })
  type!: string;

  @Column({ type: 'integer' })
  step!: number;

  @Column({ type: 'double precision' })
  epoch!: number;

  @Column({ type: 'timestamptz' })
  time!: Date;

  @Column({ type: 'jsonb' })
  values!: Record<string, number>;

  @Column({ type: 'text', nullable: true })
  message!: string | null;

  /** A warning's code (the engine's WARNING_CODES); null for other events. */
  @Column({ type: 'text', nullable: true })
  code!: string | null;

  /** The claim that wrote it. */
  @Column({ type: 'integer' })
  attempt!: number;
}
