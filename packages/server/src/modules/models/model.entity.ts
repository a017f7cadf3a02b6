// A base model registered with the platform: a Hugging Face folder in the artifact store.

import { Column, CreateDateColumn, Entity, PrimaryGeneratedColumn } from 'typeorm';
import { bigintNumber } from '../../db/columns.ts';

@Entity('models')
export class ModelEntity {
  @PrimaryGeneratedColumn('uuid')
  id!: string;

  @Column({ type: 'text', unique: true })
  name!: string;

  /** config.json's model_type: bert, roberta, distilbert, gpt2, llama. */
  @Column({ type: 'text', name: 'model_type' })
  modelType!: string;

  /** config.json's first architecture class, e.g. BertForMaskedLM. */
  @Column({ type: 'text', nullable: true })
  architecture!: string | null;

  @Column({ type: 'bigint', name: 'parameter_count', transformer: bigintNumber })
  parameterCount!: number;

  @Column({ type: 'jsonb' })
  config!: Record<string, unknown>;

  @Column({ type: 'jsonb' })
  /** maxLength: the tokenizer's model_max_length or truncation length, when it declares one (models imported before it was read lack it). */
  tokenizer!: { type: string; vocabSize: number; maxLength?: number };

  @Column({ type: 'jsonb', name: 'supported_tasks' })
  supportedTasks!: string[];

  /** The folder, relative to the artifact store. */
  @Column({ type: 'text' })
  path!: string;

  @Column({ type: 'text' })
  source!: string;

  @CreateDateColumn({ type: 'timestamptz', name: 'created_at' })
  createdAt!: Date;
}
