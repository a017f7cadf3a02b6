// The first schema: models, uploads, datasets, runs and their events, artifacts, API tokens.

import type { MigrationInterface, QueryRunner } from 'typeorm';

export class Initial1764000000001 implements MigrationInterface {
  name = 'Initial1764000000001';

  async up(q: QueryRunner): Promise<void> {
    await q.query(`
      CREATE TABLE models (
        id uuid PRIMARY KEY DEFAULT gen_random_uuid(),
        name text NOT NULL UNIQUE,
        model_type text NOT NULL,
        architecture text,
        parameter_count bigint NOT NULL,
        config jsonb NOT NULL,
        tokenizer jsonb NOT NULL,
        supported_tasks jsonb NOT NULL,
        path text NOT NULL,
        source text NOT NULL,
        created_at timestamptz NOT NULL DEFAULT now()
      );
      CREATE TABLE uploads (
        id uuid PRIMARY KEY DEFAULT gen_random_uuid(),
        filename text NOT NULL,
        bytes bigint NOT NULL,
        sha256 text NOT NULL,
        path text NOT NULL,
        created_at timestamptz NOT NULL DEFAULT now()
      );
      CREATE TABLE datasets (
        id uuid PRIMARY KEY DEFAULT gen_random_uuid(),
        name text NOT NULL UNIQUE,
        task text NOT NULL,
        format text NOT NULL,
        columns jsonb NOT NULL,
        labels jsonb,
        filename text NOT NULL,
        path text NOT NULL,
        bytes bigint NOT NULL,
        row_count integer NOT NULL,
        stats jsonb NOT NULL,
        created_at timestamptz NOT NULL DEFAULT now()
      );
      CREATE TABLE runs (
        id uuid PRIMARY KEY DEFAULT gen_random_uuid(),
        name text NOT NULL,
        model_id uuid NOT NULL REFERENCES models(id),
        dataset_id uuid NOT NULL REFERENCES datasets(id),
        task text NOT NULL,
        strategy_id text NOT NULL,
        strategy_config jsonb NOT NULL,
        hyperparameters jsonb NOT NULL,
        seed integer NOT NULL,
        device text NOT NULL,
        max_length integer NOT NULL,
        status text NOT NULL CHECK (status IN ('QUEUED', 'RUNNING', 'SUCCEEDED', 'FAILED', 'CANCELLED')),
        error_code text,
        error_message text,
        attempt integer NOT NULL DEFAULT 0,
        worker_id text,
        cancel_requested boolean NOT NULL DEFAULT false,
        last_seq integer NOT NULL DEFAULT 0,
        progress jsonb,
        best jsonb,
        test_results jsonb,
        trainable_parameters integer,
        total_parameters integer,
        created_at timestamptz NOT NULL DEFAULT now(),
        started_at timestamptz,
        finished_at timestamptz
      );
      CREATE INDEX runs_status_created ON runs (status, created_at);
      CREATE INDEX runs_created ON runs (created_at, id);
      CREATE TABLE run_events (
        run_id uuid NOT NULL REFERENCES runs(id) ON DELETE CASCADE,
        seq integer NOT NULL,
        type text NOT NULL,
        step integer NOT NULL,
        epoch double precision NOT NULL,
        time timestamptz NOT NULL,
        values jsonb NOT NULL,
        message text,
        attempt integer NOT NULL,
        PRIMARY KEY (run_id, seq)
      );
      -- A resumed attempt replays the steps after its checkpoint: each step is recorded once.
      CREATE UNIQUE INDEX run_events_once ON run_events (run_id, type, step) WHERE type IN ('step', 'eval', 'checkpoint', 'test');
      CREATE TABLE artifacts (
        id uuid PRIMARY KEY DEFAULT gen_random_uuid(),
        run_id uuid NOT NULL REFERENCES runs(id) ON DELETE CASCADE,
        kind text NOT NULL,
        path text NOT NULL,
        bytes bigint NOT NULL,
        sha256 text NOT NULL,
        created_at timestamptz NOT NULL DEFAULT now()
      );
      CREATE TABLE api_tokens (
        id uuid PRIMARY KEY DEFAULT gen_random_uuid(),
        name text NOT NULL,
        prefix text NOT NULL,
        hash text NOT NULL UNIQUE,
        scopes jsonb NOT NULL,
        created_at timestamptz NOT NULL DEFAULT now(),
        last_used_at timestamptz,
        revoked_at timestamptz
      );
    `);
  }

  async down(q: QueryRunner): Promise<void> {
    await q.query('DROP TABLE api_tokens, artifacts, run_events, runs, datasets, uploads, models');
  }
}
