import type { Kysely } from 'kysely';
import { sql } from 'kysely';
import { allProjections, createProjectionSchema, liveSchema } from '../src/projections/index.ts';

// Read models: each projection's live schema rm_<name> with its tables (defined beside the projection, so
// rebuilds and as-of builds create the very same tables elsewhere) and its checkpoint row.
export async function up(db: Kysely<unknown>): Promise<void> {
  // biome-ignore lint/suspicious/noExplicitAny: read-model schemas are addressed by name
  for (const p of allProjections()) await createProjectionSchema(db as Kysely<any>, p, liveSchema(p));
}

export async function down(db: Kysely<unknown>): Promise<void> {
  for (const p of allProjections())
    await sql`DROP SCHEMA IF EXISTS ${sql.raw(liveSchema(p))} CASCADE`.execute(db);
}
