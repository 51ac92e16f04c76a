// The lean read of a projection build: the columns of an event its facts need (EventFacts), and no more.
import { type RawBuilder, sql } from 'kysely';
import type { EventFacts, EventMetadata, JsonObject } from '../../domain/event-store.ts';
import type { UpcasterTable } from './upcasting.ts';

/** An events row as the lean read selects it. */
export interface FactsRow {
  position: string;
  hospital_id: string;
  type: string;
  schema_version: number;
  data: JsonObject;
  occurred_at: Date;
  /** Only for a row an upcaster will convert (upcasters are handed the metadata); null otherwise. */
  metadata: EventMetadata | null;
}

/**
 * The select list of the lean read. Metadata is read only for a row some upcaster takes (type@version), so
 * upcasting sees what it would on a full read; the rest of a row (ids, hash, recording time) is not read.
 */
export function factsColumns(upcasters: UpcasterTable): RawBuilder<unknown> {
  return sql`position::text AS position, hospital_id, type, schema_version, data, occurred_at,
    CASE WHEN type || '@' || schema_version = ANY(${upcasters.keys()}::text[]) THEN metadata END AS metadata`;
}

export function toFacts(upcasters: UpcasterTable, r: FactsRow): EventFacts {
  const { schemaVersion, data } = upcasters.apply(r.type, r.schema_version, r.data, r.metadata ?? {});
  return {
    position: BigInt(r.position),
    hospitalId: r.hospital_id,
    type: r.type,
    schemaVersion,
    data,
    occurredAt: r.occurred_at,
  };
}
