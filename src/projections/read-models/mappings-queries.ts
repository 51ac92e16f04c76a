// Queries of the mappings read model (mappings.ts).
import type { Kysely } from 'kysely';
import type { ColumnMapping } from '../../domain/mappings/definition.ts';
import type { AnyDb } from '../projection.ts';
import { MAPPINGS_SCHEMA } from './mappings.ts';

/** Managed mappings one hospital may hold (a list answers them all). */
export const MAX_MAPPINGS_LISTED = 1_000;
/** Versions one `show` answers at most (the newest). */
export const MAX_VERSIONS_LISTED = 200;

interface MappingVersionsTable {
  hospital_id: string;
  name: string;
  version: number;
  status: string;
  party: string;
  format: string;
  definition: string;
  note: string | null;
  actor: string | null;
  recorded_at: Date;
  retired_reason: string | null;
  retired_at: Date | null;
}

export interface MappingVersionView {
  name: string;
  version: number;
  status: 'current' | 'superseded' | 'retired';
  party: string;
  format: string;
  definition: ColumnMapping;
  note: string | null;
  actor: string | null;
  recordedAt: string;
  retiredReason: string | null;
  retiredAt: string | null;
}

const table = (db: AnyDb, schema: string) =>
  (db as unknown as Kysely<{ mapping_versions: MappingVersionsTable }>).withSchema(schema);

function view(r: MappingVersionsTable): MappingVersionView {
  return {
    name: r.name,
    version: Number(r.version),
    status: r.status as MappingVersionView['status'],
    party: r.party,
    format: r.format,
    definition: JSON.parse(r.definition) as ColumnMapping,
    note: r.note,
    actor: r.actor,
    recordedAt: new Date(r.recorded_at).toISOString(),
    retiredReason: r.retired_reason,
    retiredAt: r.retired_at ? new Date(r.retired_at).toISOString() : null,
  };
}

/** The hospital's mapping versions, whole rows. */
const versionsOf = (db: AnyDb, schema: string, hospitalId: string) =>
  table(db, schema).selectFrom('mapping_versions').selectAll().where('hospital_id', '=', hospitalId);

/** Each mapping's newest version (current, or the one it was retired at), by name. */
export async function latestMappings(
  db: AnyDb,
  hospitalId: string,
  schema = MAPPINGS_SCHEMA,
): Promise<MappingVersionView[]> {
  const rows = await versionsOf(db, schema, hospitalId)
    .where('status', '<>', 'superseded')
    .orderBy('name')
    .limit(MAX_MAPPINGS_LISTED)
    .execute();
  return rows.map(view);
}

/** Every version of one mapping, newest first. */
export async function mappingVersions(
  db: AnyDb,
  hospitalId: string,
  name: string,
  schema = MAPPINGS_SCHEMA,
): Promise<MappingVersionView[]> {
  const rows = await versionsOf(db, schema, hospitalId)
    .where('name', '=', name)
    .orderBy('version', 'desc')
    .limit(MAX_VERSIONS_LISTED)
    .execute();
  return rows.map(view);
}
