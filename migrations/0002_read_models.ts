import type { Kysely } from 'kysely';

// Read models used to be created here. They are owned by the projection code now (ensureReadModels in
// src/projections creates each live schema rm_<name> that is missing, and a runner rebuilds one whose
// recorded version differs from its code), so this migration does nothing. It keeps its name: databases
// that applied it keep their read-model schemas, which are taken as version 1 of each read model.
export async function up(_db: Kysely<unknown>): Promise<void> {}

export async function down(_db: Kysely<unknown>): Promise<void> {}
