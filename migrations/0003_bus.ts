import type { Kysely } from 'kysely';
import { sql } from 'kysely';

// The bus-client registry: one credential per channel, kiosk fleet or HIS. Secrets are sealed (AES-256-GCM
// under LEDGER_MASTER_KEY, bound to the client id); the table never holds a usable secret.
export async function up(db: Kysely<unknown>): Promise<void> {
  await sql`CREATE SCHEMA IF NOT EXISTS bus`.execute(db);
  await sql`CREATE TABLE bus.clients (
    client_id text PRIMARY KEY CHECK (client_id ~ '^[A-Za-z0-9_.:-]{1,64}$'),
    hospital_id text NOT NULL,
    kind text NOT NULL CHECK (kind IN ('channel', 'kiosk-fleet', 'window', 'his')),
    channel_id text,
    sealed_secret text NOT NULL,
    disabled boolean NOT NULL DEFAULT false,
    created_at timestamptz NOT NULL DEFAULT now(),
    updated_at timestamptz NOT NULL DEFAULT now()
  )`.execute(db);
  await sql`COMMENT ON TABLE bus.clients IS 'Bus clients (kiosk fleets, channel apps, windows, the HIS): sealed HMAC secrets, never plaintext.'`.execute(
    db,
  );
  await sql`CREATE INDEX clients_hospital ON bus.clients (hospital_id)`.execute(db);
}

export async function down(db: Kysely<unknown>): Promise<void> {
  await sql`DROP SCHEMA IF EXISTS bus CASCADE`.execute(db);
}
