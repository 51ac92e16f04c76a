import type { Kysely } from 'kysely';
import { sql } from 'kysely';

// What each bus client may read: `own` (orders and deposits it took part in) or `hospital` (every one of its
// hospital, and the lists served from read models); patient ids `masked` or `full`. Clients registered before
// this migration keep what they could do for the HIS (it owns the patients) and get `own`/`masked` otherwise.
export async function up(db: Kysely<unknown>): Promise<void> {
  await sql`ALTER TABLE bus.clients
    ADD COLUMN read_scope text NOT NULL DEFAULT 'own' CHECK (read_scope IN ('own', 'hospital')),
    ADD COLUMN patient_ids text NOT NULL DEFAULT 'masked' CHECK (patient_ids IN ('masked', 'full'))`.execute(
    db,
  );
  await sql`UPDATE bus.clients SET read_scope = 'hospital', patient_ids = 'full' WHERE kind = 'his'`.execute(
    db,
  );
}

export async function down(db: Kysely<unknown>): Promise<void> {
  await sql`ALTER TABLE bus.clients DROP COLUMN read_scope, DROP COLUMN patient_ids`.execute(db);
}
