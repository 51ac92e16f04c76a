import { sql } from 'kysely';
import type { RecordedEvent } from '../domain/event-store.ts';
import { type AnyDb, type AnyTrx, checkIdentifier, type Projection, qualified } from './projection.ts';

/**
 * Each projection schema carries its own checkpoint row, so the position travels with the data: swapping a
 * rebuilt schema in for the live one swaps the position too.
 */
export async function createProjectionSchema(
  db: AnyDb | AnyTrx,
  projection: Projection,
  schema: string,
): Promise<void> {
  const create = async (trx: AnyDb | AnyTrx) => {
    await sql`CREATE SCHEMA IF NOT EXISTS ${sql.raw(checkIdentifier(schema))}`.execute(trx);
    await sql`CREATE TABLE IF NOT EXISTS ${qualified(schema, 'projection_checkpoint')} (
      projection text PRIMARY KEY,
      position   bigint NOT NULL,
      updated_at timestamptz NOT NULL DEFAULT now())`.execute(trx);
    await sql`INSERT INTO ${qualified(schema, 'projection_checkpoint')} (projection, position)
      VALUES (${projection.name}, 0) ON CONFLICT DO NOTHING`.execute(trx);
    await projection.createTables(trx, schema);
  };
  // Inside a migration the caller's transaction already holds everything together.
  if (db.isTransaction) await create(db);
  else await db.transaction().execute(create);
}

export async function readCheckpoint(db: AnyDb | AnyTrx, schema: string): Promise<bigint | undefined> {
  const exists = await sql<{ ok: boolean }>`
    SELECT to_regclass(${`${checkIdentifier(schema)}.projection_checkpoint`}) IS NOT NULL AS ok`.execute(db);
  if (!exists.rows[0]?.ok) return undefined;
  const { rows } = await sql<{ position: string }>`
    SELECT position::text FROM ${qualified(schema, 'projection_checkpoint')} LIMIT 1`.execute(db);
  return rows[0] ? BigInt(rows[0].position) : undefined;
}

/**
 * Applies a batch and moves the checkpoint in one transaction, only if the checkpoint is still where the
 * caller read it (compare-and-set): a second runner, or a schema swapped in meanwhile, makes it answer
 * false and change nothing. That, not the leadership lease, is what rules out double application.
 */
export async function applyBatch(
  db: AnyDb,
  projection: Projection,
  schema: string,
  events: readonly RecordedEvent[],
  expected: bigint,
  /** Where the checkpoint moves to (default: the last event): a filtered read may have scanned further. */
  upTo: bigint = events.at(-1)?.position ?? expected,
): Promise<boolean> {
  if (upTo <= expected && events.length === 0) return true;
  const relevant = events.filter((e) => projection.handles.has(e.type));
  return db.transaction().execute(async (trx) => {
    const { rows } = await sql<{ position: string }>`
      SELECT position::text FROM ${qualified(schema, 'projection_checkpoint')} FOR UPDATE`.execute(trx);
    if (!rows[0] || BigInt(rows[0].position) !== expected) return false;
    if (relevant.length > 0) await projection.apply(trx, schema, relevant);
    await sql`UPDATE ${qualified(schema, 'projection_checkpoint')}
      SET position = ${upTo.toString()}::bigint, updated_at = now()`.execute(trx);
    return true;
  });
}
