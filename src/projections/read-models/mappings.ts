// The mappings read model: every version of every managed mapping per hospital, which one is current, which
// were superseded and which mapping is retired. Its queries: mappings-queries.ts.
import type { RecordedEvent } from '../../domain/event-store.ts';
import type { MappingVersionData } from '../../domain/mappings/decide.ts';
import { column, keyedProjection, liveSchema, type Row, tenantTable } from '../projection.ts';

export const mappingVersionsTable = tenantTable({
  table: 'mapping_versions',
  comment: "Every version of a hospital's managed statement mappings (bank, HIS extract, insurance file).",
  key: ['name', 'version'],
  indexes: ['hospital_id, status'],
  columns: {
    name: column.text('Mapping name: stream <hospital>/mapping/<name>.'),
    version: column.integer('Version, 1 for the mapping as added.'),
    status: column.text(
      'current | superseded (a later version exists) | retired (the mapping was retired at it).',
    ),
    party: column.text('bank | his | insurance.'),
    format: column.text('Format its lines carry: bank:<name>, his:<name>, insurance.'),
    definition: column.text('The validated mapping, JSON.'),
    note: column.optionalText('Why this version was written.'),
    actor: column.optionalText('Who wrote it (kind:id).'),
    recorded_at: column.time('When it was written (business time).'),
    retired_reason: column.optionalText('Why the mapping was retired (on its last version).'),
    retired_at: column.optionalTime('When it was retired.'),
  },
});

function versionRow(event: RecordedEvent, d: MappingVersionData): Row {
  return {
    hospital_id: event.hospitalId,
    name: d.name,
    version: d.version,
    status: 'current',
    party: d.definition.party,
    format: d.definition.format,
    definition: JSON.stringify(d.definition),
    note: d.note,
    actor: event.metadata.actor ?? null,
    recorded_at: event.occurredAt.toISOString(),
    retired_reason: null,
    retired_at: null,
  };
}

export const mappingsProjection = keyedProjection({
  name: 'mappings',
  version: 1,
  description: 'Managed statement mappings per hospital: every version, the current one, retirements.',
  handles: ['MappingAdded', 'MappingRevised', 'MappingRetired'],
  table: mappingVersionsTable,
  changes(event) {
    const h = event.hospitalId;
    if (event.type === 'MappingAdded' || event.type === 'MappingRevised') {
      const d = event.data as unknown as MappingVersionData;
      const added = { key: [h, d.name, String(d.version)], update: () => versionRow(event, d) };
      if (d.version === 1) return [added];
      return [
        {
          key: [h, d.name, String(d.version - 1)],
          update: (r) => (r ? { ...r, status: 'superseded' } : undefined),
        },
        added,
      ];
    }
    if (event.type === 'MappingRetired') {
      const d = event.data as { name: string; version: number; reason: string };
      return [
        {
          key: [h, d.name, String(d.version)],
          update: (r) =>
            r
              ? {
                  ...r,
                  status: 'retired',
                  retired_reason: d.reason,
                  retired_at: event.occurredAt.toISOString(),
                }
              : undefined,
        },
      ];
    }
    return [];
  },
});

export const MAPPINGS_SCHEMA = liveSchema(mappingsProjection);
