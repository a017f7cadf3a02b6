// API tokens that expire, and uploads that remember whether a dataset or model was made from them (unused
// ones are deleted after TUNEQL_UPLOAD_RETENTION_HOURS).

import type { MigrationInterface, QueryRunner } from 'typeorm';

export class TokenExpiryUploadUse1764000000005 implements MigrationInterface {
  name = 'TokenExpiryUploadUse1764000000005';

  async up(q: QueryRunner): Promise<void> {
    await q.query('ALTER TABLE api_tokens ADD COLUMN expires_at timestamptz');
    await q.query('ALTER TABLE uploads ADD COLUMN used_at timestamptz');
    await q.query('CREATE INDEX uploads_unused_created_at ON uploads (created_at) WHERE used_at IS NULL');
  }

  async down(q: QueryRunner): Promise<void> {
    await q.query('DROP INDEX uploads_unused_created_at');
    await q.query('ALTER TABLE uploads DROP COLUMN used_at');
    await q.query('ALTER TABLE api_tokens DROP COLUMN expires_at');
  }
}
