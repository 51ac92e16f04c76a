import type { Kysely } from 'kysely';
import { sql } from 'kysely';

// Long work started by a request (a large statement upload) and polled by the caller: one row per job with
// its state and progress, kept after the process that ran it ends, so the answer survives a restart.
export async function up(db: Kysely<unknown>): Promise<void> {
  await sql`CREATE SCHEMA IF NOT EXISTS jobs`.execute(db);
  await sql`CREATE TABLE jobs.jobs (
    job_id text PRIMARY KEY,
    hospital_id text NOT NULL,
    kind text NOT NULL,
    state text NOT NULL CHECK (state IN ('running', 'succeeded', 'failed')),
    subject text,
    progress jsonb NOT NULL DEFAULT '{}'::jsonb,
    result jsonb,
    error jsonb,
    created_by text NOT NULL,
    created_at timestamptz NOT NULL DEFAULT now(),
    updated_at timestamptz NOT NULL DEFAULT now(),
    finished_at timestamptz
  )`.execute(db);
  await sql`COMMENT ON TABLE jobs.jobs IS 'Long work a request started (statement uploads): state, progress, outcome; polled at GET /v1/jobs/:id.'`.execute(
    db,
  );
  await sql`CREATE INDEX jobs_hospital_created ON jobs.jobs (hospital_id, created_at DESC)`.execute(db);
}

export async function down(db: Kysely<unknown>): Promise<void> {
  await sql`DROP SCHEMA IF EXISTS jobs CASCADE`.execute(db);
}
