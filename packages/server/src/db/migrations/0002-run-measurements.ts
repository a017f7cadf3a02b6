// Run measurements for comparing strategies: the mean optimizer step time and the worker's peak memory.

import type { MigrationInterface, QueryRunner } from 'typeorm';

export class RunMeasurements1764000000002 implements MigrationInterface {
  name = 'RunMeasurements1764000000002';

  async up(q: QueryRunner): Promise<void> {
    await q.query('ALTER TABLE runs ADD COLUMN mean_step_seconds double precision, ADD COLUMN peak_memory_bytes double precision');
  }

  async down(q: QueryRunner): Promise<void> {
    await q.query('ALTER TABLE runs DROP COLUMN mean_step_seconds, DROP COLUMN peak_memory_bytes');
  }
}
