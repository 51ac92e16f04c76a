import type { Kysely } from 'kysely';
import { sql } from 'kysely';
import { createProjectionSchema, liveSchema } from '../src/projections/index.ts';
import { hisSyncProjection } from '../src/projections/read-models/his-sync.ts';

// his_sync_status gains `refunded`: a partial refund no longer ends "paid, not in HIS" (only a full one does, as
// the order aggregate says). Rows written before cannot be corrected in place, so the read model is created
// anew from the projection's table and its checkpoint starts at 0: the runner replays its events.
export async function up(db: Kysely<unknown>): Promise<void> {
  const schema = liveSchema(hisSyncProjection);
  await sql`DROP SCHEMA IF EXISTS ${sql.raw(schema)} CASCADE`.execute(db);
  // biome-ignore lint/suspicious/noExplicitAny: read-model schemas are addressed by name
  await createProjectionSchema(db as Kysely<any>, hisSyncProjection, schema);
}

export async function down(db: Kysely<unknown>): Promise<void> {
  // The table without `refunded` is not brought back: the projection's code defines it with the column.
  await sql`SELECT 1`.execute(db);
}
