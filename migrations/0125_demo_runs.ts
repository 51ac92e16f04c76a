import type { Kysely } from 'kysely';
import { sql } from 'kysely';

// Which simulated day `ledger demo` put into this store (hospital, date, orders, anomalies, seed). A demo run on a
// store that holds anything else is refused: its reconciliation would count the other data as discrepancies.
export async function up(db: Kysely<unknown>): Promise<void> {
  await sql`CREATE TABLE demo_runs (
    scenario text PRIMARY KEY,
    config jsonb NOT NULL,
    first_run_at timestamptz NOT NULL DEFAULT now()
  )`.execute(db);
}

export async function down(db: Kysely<unknown>): Promise<void> {
  await sql`DROP TABLE demo_runs`.execute(db);
}
