import { type Kysely, sql } from 'kysely';

// Seals signed with a key kept outside the database (Ed25519): a superuser who rewrites events and recomputes
// every hash and seal cannot sign the new seals. Seals written before this migration stay unsigned.
export async function up(db: Kysely<unknown>): Promise<void> {
  await sql`ALTER TABLE seals ADD COLUMN key_id text, ADD COLUMN signature bytea`.execute(db);
  await sql`COMMENT ON COLUMN seals.key_id IS 'fingerprint of the Ed25519 public key that signed the seal'`.execute(
    db,
  );
  await sql`COMMENT ON COLUMN seals.signature IS 'Ed25519 signature of the seal''s canonical message (see anchors.ts)'`.execute(
    db,
  );
}

export async function down(db: Kysely<unknown>): Promise<void> {
  await sql`ALTER TABLE seals DROP COLUMN signature, DROP COLUMN key_id`.execute(db);
}
