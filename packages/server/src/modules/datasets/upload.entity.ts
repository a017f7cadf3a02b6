// A file received on the upload endpoint, waiting to become a dataset or a model.

import { Column, CreateDateColumn, Entity, PrimaryGeneratedColumn } from 'typeorm';
import { bigintNumber } from '../../db/columns.ts';

@Entity('uploads')
export class UploadEntity {
  @PrimaryGeneratedColumn('uuid')
  id!: string;

  @Column({ type: 'text' })
  filename!: string;

  @Column({ type: 'bigint', transformer: bigintNumber })
  bytes!: number;

  @Column({ type: 'text' })
  sha256!: string;

  /** The file, relative to the artifact store. */
  @Column({ type: 'text' })
  path!: string;

  /** When a dataset or model was first made from it; unused uploads are deleted after the retention period. */
  @Column({ type: 'timestamptz', name: 'used_at', nullable: true })
  usedAt!: Date | null;

  @CreateDateColumn({ type: 'timestamptz', name: 'created_at' })
  createdAt!: Date;
}
