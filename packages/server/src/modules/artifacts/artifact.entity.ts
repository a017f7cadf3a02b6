// A downloadable export of a run: an adapter, a merged model or an ONNX model, as one .tar.gz.

import { Column, CreateDateColumn, Entity, PrimaryGeneratedColumn } from 'typeorm';
import { bigintNumber } from '../../db/columns.ts';

@Entity('artifacts')
export class ArtifactEntity {
  @PrimaryGeneratedColumn('uuid')
  id!: string;

  @Column({ type: 'uuid', name: 'run_id' })
  runId!: string;

  @Column({ type: 'text' })
  kind!: string;

  /** The archive, relative to the artifact store. */
  @Column({ type: 'text' })
  path!: string;

  @Column({ type: 'bigint', transformer: bigintNumber })
  bytes!: number;

  @Column({ type: 'text' })
  sha256!: string;

  @CreateDateColumn({ type: 'timestamptz', name: 'created_at' })
  createdAt!: Date;
}
