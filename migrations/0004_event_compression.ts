import { type Kysely, sql } from 'kysely';

// Event payloads are compressed with lz4 where the server has it (PostgreSQL ≥ 14 built --with-lz4, as the
// Debian and official packages are). A statement's line batches are ~0.8 MB of JSON each: pglz, the default,
// spent about a quarter of an import's write pass compressing them; lz4 stores them as small, several times
// faster. Servers without lz4 (PGlite among them) keep pglz: the data is the same either way, only the bytes
// on disk differ, and values written before this migration stay as they were.
export async function up(db: Kysely<unknown>): Promise<void> {
  await sql`
    DO $$ BEGIN
      ALTER TABLE events ALTER COLUMN data SET COMPRESSION lz4, ALTER COLUMN metadata SET COMPRESSION lz4;
    EXCEPTION WHEN feature_not_supported THEN
      RAISE NOTICE 'lz4 is not available on this server: event payloads stay pglz-compressed';
    END $$`.execute(db);
}

export async function down(db: Kysely<unknown>): Promise<void> {
  await sql`
    ALTER TABLE events ALTER COLUMN data SET COMPRESSION default, ALTER COLUMN metadata SET COMPRESSION default`.execute(
    db,
  );
}
