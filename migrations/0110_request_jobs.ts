import type { Kysely } from 'kysely';
import { sql } from 'kysely';

// Jobs a request starts (a large statement upload, a projection rebuild, a large report) run on a worker, not in
// the process that took the request: the job is recorded `queued` with what it needs (its parameters and its
// input file) so any worker on any machine can run it, and a worker that dies leaves a job another takes up.
//   - jobs.jobs gains the `queued` state, the job's parameters, its attempts, the lease of whoever runs it
//     (renewed while it progresses) and when it was handed to the queue (null: still to be handed over, e.g.
//     Redis was away when the request came);
//   - jobs.files holds a job's input (the uploaded statement) and its result (the report's file), in chunks of
//     jobs.file_chunks, so a worker on another machine reads what the bus received.
export async function up(db: Kysely<unknown>): Promise<void> {
  await sql`ALTER TABLE jobs.jobs DROP CONSTRAINT IF EXISTS jobs_state_check`.execute(db);
  await sql`ALTER TABLE jobs.jobs ADD CONSTRAINT jobs_state_check
    CHECK (state IN ('queued', 'running', 'succeeded', 'failed'))`.execute(db);
  await sql`ALTER TABLE jobs.jobs
    ADD COLUMN payload jsonb NOT NULL DEFAULT '{}'::jsonb,
    ADD COLUMN attempts integer NOT NULL DEFAULT 0,
    ADD COLUMN started_at timestamptz,
    ADD COLUMN lease_until timestamptz,
    ADD COLUMN runner text,
    ADD COLUMN enqueued_at timestamptz`.execute(db);
  await sql`CREATE INDEX jobs_unfinished ON jobs.jobs (created_at) WHERE state IN ('queued', 'running')`.execute(
    db,
  );
  await sql`CREATE TABLE jobs.files (
    job_id text NOT NULL REFERENCES jobs.jobs (job_id) ON DELETE CASCADE,
    role text NOT NULL CHECK (role IN ('input', 'result')),
    name text NOT NULL,
    content_type text NOT NULL,
    bytes bigint NOT NULL CHECK (bytes >= 0),
    chunks integer NOT NULL CHECK (chunks >= 0),
    sha256 text NOT NULL,
    created_at timestamptz NOT NULL DEFAULT now(),
    PRIMARY KEY (job_id, role)
  )`.execute(db);
  await sql`CREATE TABLE jobs.file_chunks (
    job_id text NOT NULL,
    role text NOT NULL,
    seq integer NOT NULL CHECK (seq >= 0),
    data bytea NOT NULL,
    PRIMARY KEY (job_id, role, seq),
    FOREIGN KEY (job_id, role) REFERENCES jobs.files (job_id, role) ON DELETE CASCADE
  )`.execute(db);
  await sql`COMMENT ON TABLE jobs.files IS 'A job''s input (uploaded statement) and result (report file), stored in jobs.file_chunks so any worker can read it.'`.execute(
    db,
  );
}

export async function down(db: Kysely<unknown>): Promise<void> {
  await sql`DROP TABLE IF EXISTS jobs.file_chunks`.execute(db);
  await sql`DROP TABLE IF EXISTS jobs.files`.execute(db);
  await sql`DROP INDEX IF EXISTS jobs.jobs_unfinished`.execute(db);
  await sql`ALTER TABLE jobs.jobs DROP COLUMN payload, DROP COLUMN attempts, DROP COLUMN started_at,
    DROP COLUMN lease_until, DROP COLUMN runner, DROP COLUMN enqueued_at`.execute(db);
  await sql`DELETE FROM jobs.jobs WHERE state = 'queued'`.execute(db);
  await sql`ALTER TABLE jobs.jobs DROP CONSTRAINT IF EXISTS jobs_state_check`.execute(db);
  await sql`ALTER TABLE jobs.jobs ADD CONSTRAINT jobs_state_check
    CHECK (state IN ('running', 'succeeded', 'failed'))`.execute(db);
}
