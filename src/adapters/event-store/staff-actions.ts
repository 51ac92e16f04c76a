// What staff did, read from the events themselves: every event whose actor is a staff user, in position order
// (table staff_actions, filled by a trigger on events: migration 0140). Events are the record; nothing here can be edited.
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
    SELECT e.position::text, e.stream_id, e.type, e.metadata, e.occurred_at, e.recorded_at, e.data
    FROM staff_actions s JOIN events e ON e.position = s.position
    WHERE s.hospital_id = ${q.hospitalId}
      ${q.user !== undefined ? sql`AND s.actor = ${`staff:${q.user}`}` : sql``}
      ${q.from ? sql`AND e.recorded_at >= ${q.from}` : sql``}
      ${q.to ? sql`AND e.recorded_at < ${q.to}` : sql``}
      ${q.after !== undefined ? sql`AND s.position > ${q.after.toString()}::bigint` : sql``}
    ORDER BY s.position LIMIT ${q.limit}`.execute(db);
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
