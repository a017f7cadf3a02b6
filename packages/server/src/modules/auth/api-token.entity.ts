// An API token: only its SHA-256 is stored; the secret is shown once, when it is created.

import { Column, CreateDateColumn, Entity, PrimaryGeneratedColumn } from 'typeorm';

@Entity('api_tokens')
export class ApiTokenEntity {
  @PrimaryGeneratedColumn('uuid')
  id!: string;

  @Column({ type: 'text' })
  name!: string;

  /** The token's first characters, to tell tokens apart in lists. */
  @Column({ type: 'text' })
  prefix!: string;

  @Column({ type: 'text', unique: true })
  hash!: string;

  @Column({ type: 'jsonb' })
  scopes!: string[];

  @CreateDateColumn({ type: 'timestamptz', name: 'created_at' })
  createdAt!: Date;

  @Column({ type: 'timestamptz', name: 'last_used_at', nullable: true })
  lastUsedAt!: Date | null;

  @Column({ type: 'timestamptz', name: 'revoked_at', nullable: true })
  revokedAt!: Date | null;

  /** After this the token is refused, as if revoked; null: it does not expire. */
  @Column({ type: 'timestamptz', name: 'expires_at', nullable: true })
  expiresAt!: Date | null;
}
