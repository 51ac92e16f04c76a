// What staff did, read from the events themselves: every event whose actor is a staff user, in position order
// (index events_staff_actions, migration 0050). Events are the record; nothing here can be edited.
import { sql } from 'kysely';
import type { EventMetadata, JsonObject } from '../../domain/event-store.ts';
import type { AnyDb } from '../../projections/projection.ts';

export interface StaffActionQuery {
  hospitalId: string;
  /** Only this staff user's actions (the actor id: a username, or `<role>:<name>` for a static test token). */
  user?: string;
  /** Recorded at or after. */
  from?: Date;
  /** Recorded before. */
  to?: Date;
  /** Positions after this one (the cursor). */
  after?: bigint;
  limit: number;
}

export interface StaffActionRow {
  position: bigint;
  streamId: string;
  type: string;
  user: string;
  address: string | null;
  correlationId: string | null;
  occurredAt: Date;
  recordedAt: Date;
  data: JsonObject;
}

export async function findStaffActions(db: AnyDb, q: StaffActionQuery): Promise<StaffActionRow[]> {
  const { rows } = await sql<{
    position: string;
    stream_id: string;
    type: string;
    metadata: EventMetadata;
    occurred_at: Date;
    recorded_at: Date;
    data: JsonObject;
  }>`
    SELECT position::text, stream_id, type, metadata, occurred_at, recorded_at, data FROM events
    WHERE hospital_id = ${q.hospitalId} AND metadata->>'actor' LIKE 'staff:%'
      ${q.user !== undefined ? sql`AND metadata->>'actor' = ${`staff:${q.user}`}` : sql``}
      ${q.from ? sql`AND recorded_at >= ${q.from}` : sql``}
      ${q.to ? sql`AND recorded_at < ${q.to}` : sql``}
      ${q.after !== undefined ? sql`AND position > ${q.after.toString()}::bigint` : sql``}
    ORDER BY events.position LIMIT ${q.limit}`.execute(db);
  return rows.map((r) => ({
    position: BigInt(r.position),
    streamId: r.stream_id,
    type: r.type,
    user: (r.metadata.actor ?? '').slice('staff:'.length),
    address: r.metadata.address ?? null,
    correlationId: r.metadata.correlationId ?? null,
    occurredAt: new Date(r.occurred_at),
    recordedAt: new Date(r.recorded_at),
    data: r.data,
  }));
}
