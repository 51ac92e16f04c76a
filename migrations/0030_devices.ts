import type { Kysely } from 'kysely';
import { sql } from 'kysely';

// Kiosks and MIS-POS terminals: the registry (model, sealed per-device MAC key), the answers already given
// per (device, serial) so a resent request gets the same answer, and each device's last sign of life.
export async function up(db: Kysely<unknown>): Promise<void> {
  await sql`CREATE SCHEMA IF NOT EXISTS devices`.execute(db);
  await sql`CREATE TABLE devices.devices (
    device_id text PRIMARY KEY CHECK (device_id ~ '^[A-Za-z0-9_.:*/+-]{1,16}$'),
    hospital_id text NOT NULL,
    model text NOT NULL,
    channel text NOT NULL,
    sealed_key text NOT NULL,
    disabled boolean NOT NULL DEFAULT false,
    created_at timestamptz NOT NULL DEFAULT now(),
    updated_at timestamptz NOT NULL DEFAULT now()
  )`.execute(db);
  await sql`COMMENT ON TABLE devices.devices IS 'Kiosks and POS terminals: per-device HMAC keys, sealed, never plaintext.'`.execute(
    db,
  );
  await sql`CREATE INDEX devices_hospital ON devices.devices (hospital_id)`.execute(db);
  await sql`CREATE TABLE devices.exchanges (
    device_id text NOT NULL,
    serial text NOT NULL,
    request_hash text NOT NULL,
    request_type text NOT NULL,
    response jsonb NOT NULL,
    created_at timestamptz NOT NULL DEFAULT now(),
    PRIMARY KEY (device_id, serial)
  )`.execute(db);
  await sql`COMMENT ON TABLE devices.exchanges IS 'The answer given to each (device, serial): a resent request gets it again.'`.execute(
    db,
  );
  await sql`CREATE TABLE devices.status (
    device_id text PRIMARY KEY,
    hospital_id text NOT NULL,
    last_heartbeat_at timestamptz,
    last_seen_at timestamptz NOT NULL,
    last_transport text NOT NULL,
    device_state text,
    software_version text
  )`.execute(db);
}

export async function down(db: Kysely<unknown>): Promise<void> {
  await sql`DROP SCHEMA IF EXISTS devices CASCADE`.execute(db);
}
