import { type Kysely, sql } from 'kysely';

// his_sync_status gained `refunded`: a partial refund no longer ends "paid, not in HIS" (only a full one does,
// as the order aggregate says). Rows written before cannot be corrected in place, so the read model's schema
// is dropped; the projection code (which owns read-model schemas) creates it anew at position 0 and its runner
// replays the events. On a new database there is nothing to drop. The schema name is spelled out because a
// migration stays as it was written.
export async function up(db: Kysely<unknown>): Promise<void> {
  await sql`DROP SCHEMA IF EXISTS rm_his_sync CASCADE`.execute(db);
}

export async function down(_db: Kysely<unknown>): Promise<void> {
  // The table without `refunded` is not brought back: the projection's code defines it with the column.
}
