import { createHash } from 'node:crypto';
import { type Kysely, sql } from 'kysely';

// A start brings the schema up to date (the migrations, then the read models' schemas), which costs a few
// hundred statements even when there is nothing to do: most of a CLI call's time on PGlite. Once that work
// has succeeded, a stamp records a fingerprint of what it made; a later start whose code has the same
// fingerprints (and whose read-model schemas all still exist) skips the work after one query. Any change (a
// new migration, another table or index in a read model, a folder made by an older version) changes a
// fingerprint, and the start does the work again as before.

/** The table holding one fingerprint per part ('migrations', 'read-models'); made by the first stamp. */
export const STAMP_TABLE = 'ledger_schema_stamp';

/** What one part of the schema preparation made, as its fingerprint. */
export interface StampPart {
  part: string;
  fingerprint: string;
}

/** A short hex digest of `texts`, in order. */
export function fingerprintOf(texts: Iterable<string>): string {
  const h = createHash('sha256');
  for (const t of texts) h.update(t).update('\u0000');
  return h.digest('hex').slice(0, 24);
}

/**
 * Answers whether every part is stamped with the same fingerprint and every schema in `schemas` exists: one
 * query. A database never stamped (no table yet) answers false.
 */
export async function stampsMatch(
  db: Kysely<unknown>,
  parts: readonly StampPart[],
  schemas: readonly string[],
): Promise<boolean> {
  if (parts.length === 0) return false;
  let rows: { part: string; fingerprint: string; present: number }[];
  try {
    ({ rows } = await sql<{ part: string; fingerprint: string; present: number }>`
      SELECT part, fingerprint,
             (SELECT count(*) FROM pg_namespace WHERE nspname = ANY(${[...schemas]}::text[]))::int AS present
      FROM ${sql.table(STAMP_TABLE)}`.execute(db));
  } catch {
    return false; // no stamp table: a database made before stamps, or never stamped
  }
  const stamped = new Map(rows.map((r) => [r.part, r.fingerprint]));
  if (parts.some((p) => stamped.get(p.part) !== p.fingerprint)) return false;
  return Number(rows[0]?.present ?? 0) === new Set(schemas).size;
}

/**
 * Records the parts' fingerprints after their work succeeded. A failure to record is ignored: the stamp only
 * saves time, and the next start does the work again.
 */
export async function writeStamps(db: Kysely<unknown>, parts: readonly StampPart[]): Promise<void> {
  if (parts.length === 0) return;
  try {
    await sql`CREATE TABLE IF NOT EXISTS ${sql.table(STAMP_TABLE)} (
      part        text PRIMARY KEY,
      fingerprint text NOT NULL,
      stamped_at  timestamptz NOT NULL DEFAULT now())`.execute(db);
    for (const p of parts)
      await sql`INSERT INTO ${sql.table(STAMP_TABLE)} (part, fingerprint) VALUES (${p.part}, ${p.fingerprint})
        ON CONFLICT (part) DO UPDATE SET fingerprint = EXCLUDED.fingerprint, stamped_at = now()`.execute(db);
  } catch {
    // see above
  }
}
