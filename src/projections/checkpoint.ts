import { sql } from 'kysely';
import type { EventFacts } from '../domain/event-store.ts';
import { typed } from './database.ts';
import {
  type AnyDb,
  type AnyTrx,
  checkIdentifier,
  type Projection,
  qualified,
  type TableOptions,
} from './projection.ts';

/**
 * Each projection schema carries its own checkpoint row, so the position travels with the data: swapping a
 * rebuilt schema in for the live one swaps the position too. The row also records which code version built
 * the tables. Answers that stored version: when it differs from `projection.version` the tables are left as
 * they are (their shape may differ from what the code would create) and the caller rebuilds.
 */
export async function createProjectionSchema(
  db: AnyDb | AnyTrx,
  projection: Projection,
  schema: string,
  /** How the tables are made (a fresh build leaves secondary indexes for its end). */
  tables: TableOptions = {},
): Promise<number> {
  const create = async (trx: AnyDb | AnyTrx) => {
    await sql`CREATE SCHEMA IF NOT EXISTS ${sql.raw(checkIdentifier(schema))}`.execute(trx);
    await sql`CREATE TABLE IF NOT EXISTS ${qualified(schema, 'projection_checkpoint')} (
      projection text PRIMARY KEY,
      position   bigint NOT NULL,
      version    integer NOT NULL,
      updated_at timestamptz NOT NULL DEFAULT now())`.execute(trx);
    // Schemas made before versions were recorded hold version 1 of their read model. (Checked first: ALTER
    // TABLE would lock out the live runner's batches even when the column is there.)
    const { rows } = await sql`SELECT 1 FROM information_schema.columns
      WHERE table_schema = ${schema} AND table_name = 'projection_checkpoint' AND column_name = 'version'`.execute(
      trx,
    );
    if (rows.length === 0)
      await sql`ALTER TABLE ${qualified(schema, 'projection_checkpoint')}
        ADD COLUMN version integer NOT NULL DEFAULT ${sql.lit(LEGACY_VERSION)}`.execute(trx);
    await sql`INSERT INTO ${qualified(schema, 'projection_checkpoint')} (projection, position, version)
      VALUES (${projection.name}, 0, ${projection.version}) ON CONFLICT DO NOTHING`.execute(trx);
    const stored = await checkpointRow(trx, schema);
    if (stored?.version === projection.version) await projection.createTables(trx, schema, tables);
    return stored?.version ?? projection.version;
  };
  // Inside a migration the caller's transaction already holds everything together.
  if (db.isTransaction) return create(db);
  return db.transaction().execute(create);
}

/** The version a projection schema made before versions were recorded is taken to hold. */
export const LEGACY_VERSION = 1;

export interface CheckpointRow {
  position: bigint;
  version: number;
  updatedAt: Date;
}

async function checkpointRow(db: AnyDb | AnyTrx, schema: string): Promise<CheckpointRow | undefined> {
  const row = await typed(db)
    .withSchema(checkIdentifier(schema))
    .selectFrom('projection_checkpoint')
    .select(['position', 'version', 'updated_at'])
    .limit(1)
    .executeTakeFirst();
  return row && { position: BigInt(row.position), version: row.version, updatedAt: row.updated_at };
}

/** The checkpoint of a projection schema (position, code version), or undefined when there is none. */
export async function readCheckpointRow(
  db: AnyDb | AnyTrx,
  schema: string,
): Promise<CheckpointRow | undefined> {
  const exists = await sql<{ ok: boolean }>`
    SELECT to_regclass(${`${checkIdentifier(schema)}.projection_checkpoint`}) IS NOT NULL AS ok`.execute(db);
  if (!exists.rows[0]?.ok) return undefined;
  return checkpointRow(db, schema);
}

export async function readCheckpoint(db: AnyDb | AnyTrx, schema: string): Promise<bigint | undefined> {
  return (await readCheckpointRow(db, schema))?.position;
}

/**
 * Applies a batch and moves the checkpoint in one transaction, only if the checkpoint is still where the
 * caller read it (compare-and-set): a second runner, or a schema swapped in meanwhile, makes it answer
 * false and change nothing. That, not the leadership lease, is what rules out double application.
 */
export async function applyBatch<E extends EventFacts>(
  db: AnyDb,
  /** A projection, or its handled types with how it applies the events read (applyFacts for facts). */
  projection: Pick<Projection, 'handles'> & {
    apply(trx: AnyTrx, schema: string, events: readonly E[]): Promise<void>;
  },
  schema: string,
  events: readonly E[],
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
