// Warning events carry a code (CHECKPOINT_DAMAGED, DROPOUT_CHANGED) that programs can act on.

import type { MigrationInterface, QueryRunner } from 'typeorm';

export class RunEventCodes1764000000004 implements MigrationInterface {
  name = 'RunEventCodes1764000000004';

  async up(q: QueryRunner): Promise<void> {
    await q.query('ALTER TABLE run_events ADD COLUMN code text');
  }

  async down(q: QueryRunner): Promise<void> {
    await q.query('ALTER TABLE run_events DROP COLUMN code');
  }
}
