// Hyperparameter sweeps, and the runs that are their trials (numbered once per sweep; the winner promoted).

import type { MigrationInterface, QueryRunner } from 'typeorm';

export class Sweeps1764000000006 implements MigrationInterface {
  name = 'Sweeps1764000000006';

  async up(q: QueryRunner): Promise<void> {
    await q.query(`
      CREATE TABLE sweeps (
        id uuid PRIMARY KEY DEFAULT gen_random_uuid(),
        name text NOT NULL,
        model_id uuid NOT NULL REFERENCES models(id),
        dataset_id uuid NOT NULL REFERENCES datasets(id),
        base jsonb NOT NULL,
        parameters jsonb NOT NULL,
        algorithm text NOT NULL CHECK (algorithm IN ('grid', 'random', 'tpe')),
        max_trials integer NOT NULL,
        parallelism integer NOT NULL,
        early_stopping jsonb,
        seed integer NOT NULL,
        metric text NOT NULL,
        greater_is_better boolean NOT NULL,
        status text NOT NULL CHECK (status IN ('RUNNING', 'SUCCEEDED', 'FAILED', 'CANCELLED')),
        error_code text,
        error_message text,
        best_run_id uuid REFERENCES runs(id) ON DELETE SET NULL,
        created_at timestamptz NOT NULL DEFAULT now(),
        finished_at timestamptz
      );
      CREATE INDEX sweeps_created ON sweeps (created_at, id);
      ALTER TABLE runs ADD COLUMN sweep_id uuid REFERENCES sweeps(id) ON DELETE SET NULL;
      ALTER TABLE runs ADD COLUMN sweep_trial integer;
      ALTER TABLE runs ADD COLUMN sweep_params jsonb;
      ALTER TABLE runs ADD COLUMN promoted boolean NOT NULL DEFAULT false;
      -- Two processes advancing a sweep at once cannot both create its next trial.
      CREATE UNIQUE INDEX runs_sweep_trial ON runs (sweep_id, sweep_trial) WHERE sweep_id IS NOT NULL;
    `);
  }

  async down(q: QueryRunner): Promise<void> {
    await q.query(`
      DROP INDEX runs_sweep_trial;
      ALTER TABLE runs DROP COLUMN promoted, DROP COLUMN sweep_params, DROP COLUMN sweep_trial, DROP COLUMN sweep_id;
      DROP TABLE sweeps;
    `);
  }
}
