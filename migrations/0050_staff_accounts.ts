import { type Kysely, sql } from 'kysely';

// Staff accounts: a copy of each user's stream state (kept only if newer, so it always ends at the latest
// version), the argon2id password hash (never in an event: the log is immutable and exported), and sessions
// by the SHA-256 of their bearer token. Plus an index for the auditor's list of staff actions.
export async function up(db: Kysely<unknown>): Promise<void> {
  await sql`
    CREATE TABLE staff_accounts (
      hospital_id    text NOT NULL,
      username       text NOT NULL,
      display_name   text NOT NULL,
      role           text NOT NULL,
      disabled       boolean NOT NULL,
      failures       integer NOT NULL,
      locked_until   timestamptz,
      last_sign_in_at timestamptz,
      password_hash  text,
      password_changed_at timestamptz,
      created_at     timestamptz NOT NULL,
      updated_at     timestamptz NOT NULL,
      version        integer NOT NULL,
      PRIMARY KEY (hospital_id, username)
    )`.execute(db);
  await sql`COMMENT ON TABLE staff_accounts IS 'Staff users: the state of each <hospital>/staff-user/<username> stream at version, plus the argon2id password hash'`.execute(
    db,
  );
  await sql`
    CREATE TABLE staff_sessions (
      token_hash     text PRIMARY KEY,
      session_id     text NOT NULL UNIQUE,
      hospital_id    text NOT NULL,
      username       text NOT NULL,
      address        text NOT NULL,
      created_at     timestamptz NOT NULL,
      last_seen_at   timestamptz NOT NULL,
      expires_at     timestamptz NOT NULL,
      idle_ms        bigint NOT NULL,
      revoked_at     timestamptz,
      revoked_reason text,
      FOREIGN KEY (hospital_id, username) REFERENCES staff_accounts (hospital_id, username)
    )`.execute(db);
  await sql`CREATE INDEX staff_sessions_user ON staff_sessions (hospital_id, username) WHERE revoked_at IS NULL`.execute(
    db,
  );
  await sql`COMMENT ON TABLE staff_sessions IS 'Staff sign-in sessions, keyed by the hex SHA-256 of the bearer token (the token is never stored)'`.execute(
    db,
  );
  // Staff actions by hospital and actor, in position order (GET /v1/audit/staff-actions).
  await sql`
    CREATE INDEX events_staff_actions ON events (hospital_id, (metadata->>'actor'), position)
    WHERE metadata->>'actor' LIKE 'staff:%'`.execute(db);
  await sql`CREATE INDEX events_staff_actions_all ON events (hospital_id, position)
    WHERE metadata->>'actor' LIKE 'staff:%'`.execute(db);
}

export async function down(db: Kysely<unknown>): Promise<void> {
  await sql`DROP INDEX IF EXISTS events_staff_actions_all`.execute(db);
  await sql`DROP INDEX IF EXISTS events_staff_actions`.execute(db);
  await sql`DROP TABLE IF EXISTS staff_sessions`.execute(db);
  await sql`DROP TABLE IF EXISTS staff_accounts`.execute(db);
}
