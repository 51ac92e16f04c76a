import { sql } from 'kysely';
import type { EventMetadata, JsonObject } from '../../domain/event-store.ts';
import type { Database } from '../db/database.ts';

// Reads for the auditor: events with their stream predecessor, seals, the positions recorded in a period. Raw
// rows, hashes as hex, so that checks and exports see exactly what is stored.

/** A seal row as stored. */
export interface SealRow {
  sealNo: bigint;
  fromPosition: bigint;
  toPosition: bigint;
  eventCount: number;
  prevHash: string;
  hash: string;
  keyId: string | null;
  signature: string | null;
}

/** An event row as stored, with the position and hash of the version before it in its stream. */
export interface AuditRow {
  position: string;
  hospital_id: string;
  stream_id: string;
  stream_version: number;
  event_id: string;
  type: string;
  schema_version: number;
  data: JsonObject;
  metadata: EventMetadata;
  occurred_at: Date;
  recorded_at: Date;
  content_hash: string;
  hash: string;
  prev_position: string | null;
  prev_hash: string | null;
}

/** Events after a position, up to another, in position order, each with its stream predecessor's position and hash. */
export async function readEventsWithPredecessors(
  database: Database,
  after: bigint,
  to: bigint,
  limit: number,
): Promise<AuditRow[]> {
  const { rows } = await sql<AuditRow>`
    SELECT e.position::text, e.hospital_id, e.stream_id, e.stream_version, e.event_id::text, e.type, e.schema_version,
           e.data, e.metadata, e.occurred_at, e.recorded_at, encode(e.content_hash, 'hex') AS content_hash,
           encode(e.hash, 'hex') AS hash, p.position::text AS prev_position, encode(p.hash, 'hex') AS prev_hash
    FROM events e
    LEFT JOIN events p ON p.stream_id = e.stream_id AND p.stream_version = e.stream_version - 1
    WHERE e.position > ${after.toString()}::bigint AND e.position <= ${to.toString()}::bigint
    ORDER BY e.position LIMIT ${limit}`.execute(database.db);
  return rows;
}

export async function readSeals(database: Database): Promise<SealRow[]> {
  const { rows } = await sql<{
    seal_no: string;
    from_position: string;
    to_position: string;
    event_count: number;
    prev_hash: string;
    hash: string;
    key_id: string | null;
    signature: string | null;
  }>`SELECT seal_no::text, from_position::text, to_position::text, event_count,
            encode(prev_hash, 'hex') AS prev_hash, encode(hash, 'hex') AS hash, key_id,
            encode(signature, 'base64') AS signature
     FROM seals ORDER BY seal_no`.execute(database.db);
  return rows.map((r) => ({
    sealNo: BigInt(r.seal_no),
    fromPosition: BigInt(r.from_position),
    toPosition: BigInt(r.to_position),
    eventCount: r.event_count,
    prevHash: r.prev_hash,
    hash: r.hash,
    keyId: r.key_id,
    signature: r.signature?.replace(/\s+/g, '') ?? null,
  }));
}

/** The first and last positions recorded in [from, to); undefined when nothing was recorded then. */
export async function positionsRecordedBetween(
  database: Database,
  from: Date,
  to: Date,
): Promise<{ first: bigint; last: bigint } | undefined> {
  const { rows } = await sql<{ first: string | null; last: string | null }>`
    SELECT min(position)::text AS first, max(position)::text AS last FROM events
    WHERE recorded_at >= ${from} AND recorded_at < ${to}`.execute(database.db);
  const r = rows[0];
  return r?.first && r.last ? { first: BigInt(r.first), last: BigInt(r.last) } : undefined;
}
