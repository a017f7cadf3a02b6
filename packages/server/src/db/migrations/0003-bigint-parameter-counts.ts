// Parameter counts of a run as bigint: a 7-billion-parameter model does not fit an integer column.

import type { MigrationInterface, QueryRunner } from 'typeorm';

export class BigintParameterCounts1764000000003 implements MigrationInterface {
  name = 'BigintParameterCounts1764000000003';

  async up(q: QueryRunner): Promise<void> {
    await q.query('ALTER TABLE runs ALTER COLUMN trainable_parameters TYPE bigint, ALTER COLUMN total_parameters TYPE bigint');
  }

  async down(q: QueryRunner): Promise<void> {
    await q.query('ALTER TABLE runs ALTER COLUMN trainable_parameters TYPE integer, ALTER COLUMN total_parameters TYPE integer');
  }
}
