import type { Kysely } from 'kysely';
import { sql } from 'kysely';

// Evidence files (a bank receipt, a channel ticket) attached to a discrepancy or a manual match, stored by the
// SHA-256 of their bytes: the same file attached twice is stored once. A bytea table serves PostgreSQL and the
// embedded PGlite alike; what was attached, to what and by whom is an event (EvidenceAttached), not a row.
export async function up(db: Kysely<unknown>): Promise<void> {
  await sql`CREATE SCHEMA IF NOT EXISTS evidence`.execute(db);
  await sql`CREATE TABLE evidence.blobs (
    hospital_id text NOT NULL,
    sha256 text NOT NULL CHECK (sha256 ~ '^[0-9a-f]{64}$'),
    content_type text NOT NULL CHECK (content_type IN ('application/pdf', 'image/png', 'image/jpeg', 'text/csv')),
    bytes integer NOT NULL CHECK (bytes > 0),
    content bytea NOT NULL,
    stored_at timestamptz NOT NULL DEFAULT now(),
    PRIMARY KEY (hospital_id, sha256)
  )`.execute(db);
  await sql`COMMENT ON TABLE evidence.blobs IS 'Evidence file contents by SHA-256 (PDF, PNG, JPEG, CSV); attachments are EvidenceAttached events.'`.execute(
    db,
  );
}

export async function down(db: Kysely<unknown>): Promise<void> {
  await sql`DROP SCHEMA IF EXISTS evidence CASCADE`.execute(db);
}
