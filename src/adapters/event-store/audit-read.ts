import { sql } from 'kysely';
import type { EventMetadata, JsonObject } from '../../domain/event-store.ts';
import type { Database } from '../db/database.ts';
import type { EventStoreTables } from '../../projections/database.ts';

// Reads for the auditor: events with their stream predecessor, seals, the positions recorded in a period. Raw
// rows, hashes as hex, so that checks and exports see exactly what is stored.

/** What a seal says: its range, its count and its hashes (what a signature covers). */
export interface SealFacts {
  sealNo: bigint;
  fromPosition: bigint;
  toPosition: bigint;
  eventCount: number;
  /** Hex. */
  prevHash: string;
  /** Hex. */
  hash: string;
}

/** A seal row as stored. */
export interface SealRow extends SealFacts {
  keyId: string | null;
  signature: string | null;
}

/** An event row as stored (hashes in hex), with the position and hash of the version before it in its stream. */
export interface AuditRow
  extends Pick<
    EventStoreTables['events'],
    'stream_id' | 'hospital_id' | 'stream_version' | 'event_id' | 'type' | 'schema_version'
  > {
  position: string;
  data: JsonObject;
  metadata: EventMetadata;
  occurred_at: Date;
  recorded_at: Date;
  hash: string;
  content_hash: string;
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

/** Every seal in order, or with `lastOnly` the latest one alone. */
export async function readSeals(database: Database, { lastOnly = false } = {}): Promise<SealRow[]> {
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
     FROM seals ORDER BY ${sql.raw(lastOnly ? 'seal_no DESC LIMIT 1' : 'seal_no')}`.execute(database.db);
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

/**
 * The first and last positions recorded in [from, to) (of one hospital's events, when given); undefined when
 * nothing was recorded then.
 */
export async function positionsRecordedBetween(
  database: Database,
  from: Date,
  to: Date,
  hospitalId?: string,
): Promise<{ first: bigint; last: bigint } | undefined> {
  const { rows } = await sql<{ first: string | null; last: string | null }>`
    SELECT min(position)::text AS first, max(position)::text AS last FROM events
    WHERE recorded_at >= ${from} AND recorded_at < ${to}
      AND (${hospitalId ?? null}::text IS NULL OR hospital_id = ${hospitalId ?? null})`.execute(database.db);
  const r = rows[0];
  return r?.first && r.last ? { first: BigInt(r.first), last: BigInt(r.last) } : undefined;
}

/** Events one trace reads at most (a trace is one order's story, not a history). */
export const MAX_TRACE_EVENTS = 10_000;

/** `%` and `_` in an id are literal in a LIKE pattern. */
function likePrefix(id: string): string {
  return `${id.replace(/[\\%_]/g, (c) => `\\${c}`)}:%`;
}

export interface TraceHit {
  streamId: string;
  position: bigint;
}

/**
 * Events that name one of the ids: as their stream's id (order, deposit, discrepancy, audit export), or in their
 * data as an order, channel transaction, refund, channel refund, discrepancy or staff session id. A scan of the events: an audit query.
 */
export async function findEventsMentioning(
  database: Database,
  ids: readonly string[],
  hospitalId?: string,
): Promise<TraceHit[]> {
  if (ids.length === 0) return [];
  const list = [...ids];
  const { rows } = await sql<{ stream_id: string; position: string }>`
    SELECT stream_id, position::text FROM events
    WHERE (${hospitalId ?? null}::text IS NULL OR hospital_id = ${hospitalId ?? null})
      AND ((split_part(stream_id, '/', 2) IN ('order', 'deposit', 'discrepancy', 'audit-export')
            AND split_part(stream_id, '/', 3) = ANY(${list}::text[]))
        OR data->>'orderId' = ANY(${list}::text[]) OR data->>'channelTxnId' = ANY(${list}::text[])
        OR data->>'refundId' = ANY(${list}::text[]) OR data->>'channelRefundId' = ANY(${list}::text[])
        OR data->>'discrepancyId' = ANY(${list}::text[]) OR data->>'sessionId' = ANY(${list}::text[]))
    ORDER BY position LIMIT ${MAX_TRACE_EVENTS}`.execute(database.db);
  return rows.map((r) => ({ streamId: r.stream_id, position: BigInt(r.position) }));
}

/**
 * Discrepancy streams whose finding names one of the ids as its subject (`<id>`, `dup:<id>`, `fee:<id>`,
 * `txn:<id>`, `his:<id>`, `<id>:<txn>`) or one of the statement lines among its sources.
 */
export async function findDiscrepanciesMentioning(
  database: Database,
  ids: readonly string[],
  lineRefs: readonly string[],
  hospitalId?: string,
): Promise<string[]> {
  if (ids.length === 0 && lineRefs.length === 0) return [];
  const subjects = ids.flatMap((id) => [id, `dup:${id}`, `fee:${id}`, `txn:${id}`, `his:${id}`]);
  const prefixes = ids.map(likePrefix);
  const { rows } = await sql<{ stream_id: string }>`
    SELECT DISTINCT stream_id FROM events
    WHERE type IN ('DiscrepancyRaised', 'DiscrepancyReopened')
      AND (${hospitalId ?? null}::text IS NULL OR hospital_id = ${hospitalId ?? null})
      AND (data->>'subject' = ANY(${subjects}::text[]) OR data->>'subject' LIKE ANY(${prefixes}::text[])
        OR data->'finding'->>'subject' = ANY(${subjects}::text[])
        OR EXISTS (SELECT 1 FROM jsonb_array_elements(coalesce(data->'finding'->'sources', '[]'::jsonb)) s
                   WHERE s->>'ref' = ANY(${[...lineRefs]}::text[])))
    ORDER BY stream_id LIMIT ${MAX_TRACE_EVENTS}`.execute(database.db);
  return rows.map((r) => r.stream_id);
}

export interface FoundStatementLine {
  streamId: string;
  statementId: string;
  line: JsonObject;
}

/** Imported statement lines that carry one of the ids as a key, or are the line `<statement id prefix>:<line no>`. */
export async function findStatementLines(
  database: Database,
  ids: readonly string[],
  lineRefs: readonly string[],
  hospitalId?: string,
): Promise<FoundStatementLine[]> {
  if (ids.length === 0 && lineRefs.length === 0) return [];
  const { rows } = await sql<{ stream_id: string; statement_id: string; line: JsonObject }>`
    SELECT e.stream_id, e.data->>'statementId' AS statement_id, l.line
    FROM events e, LATERAL jsonb_array_elements(e.data->'lines') AS l(line)
    WHERE e.type = 'StatementLinesImported'
      AND (${hospitalId ?? null}::text IS NULL OR e.hospital_id = ${hospitalId ?? null})
      AND (l.line->>'merchantOrderNo' = ANY(${[...ids]}::text[]) OR l.line->>'refundNo' = ANY(${[...ids]}::text[])
        OR l.line->>'channelTxnId' = ANY(${[...ids]}::text[]) OR l.line->>'channelRefundId' = ANY(${[...ids]}::text[])
        OR left(e.data->>'statementId', 12) || ':' || (l.line->>'lineNo') = ANY(${[...lineRefs]}::text[]))
    ORDER BY e.position LIMIT ${MAX_TRACE_EVENTS}`.execute(database.db);
  return rows.map((r) => ({ streamId: r.stream_id, statementId: r.statement_id, line: r.line }));
}
