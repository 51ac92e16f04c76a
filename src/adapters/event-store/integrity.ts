import { sql } from 'kysely';
import type { EventMetadata, JsonObject } from '../../domain/event-store.ts';
import type { Database } from '../db/database.ts';
import { chainHash, contentHash, genesisHash, sealStep } from './hashing.ts';
import type { SqlEventStore } from './sql-event-store.ts';

/** Events one seal covers at most, so that verifying or re-sealing a range stays bounded. */
export const SEAL_MAX_EVENTS = 10_000;
const VERIFY_PAGE = 5_000;
const ZERO_HASH: Buffer = Buffer.alloc(32);

export interface SealResult {
  sealsWritten: number;
  lastSealedPosition: bigint;
}

/**
 * Seals every settled event not sealed yet, in ranges of at most SEAL_MAX_EVENTS. A seal hashes the
 * (position, event hash) pairs of its range and the previous seal's hash, so deleting, inserting or
 * reordering events anywhere before the last seal changes a seal.
 */
export async function sealEvents(store: SqlEventStore): Promise<SealResult> {
  const db = store.database.db;
  const last = (
    await sql<{ seal_no: string; to_position: string; hash: Buffer | Uint8Array }>`
      SELECT seal_no::text, to_position::text, hash FROM seals ORDER BY seal_no DESC LIMIT 1`.execute(db)
  ).rows[0];
  let sealNo = last ? BigInt(last.seal_no) : 0n;
  let after = last ? BigInt(last.to_position) : 0n;
  let prev: Buffer = last ? Buffer.from(last.hash) : ZERO_HASH;
  let written = 0;
  for (;;) {
    // readAll only returns settled events: a seal never covers a range a late commit could still change.
    const events = await store.readAll({ after, maxCount: SEAL_MAX_EVENTS });
    if (events.length === 0) break;
    let acc = prev;
    for (const e of events) acc = sealStep(acc, e.position, Buffer.from(e.hash, 'hex'));
    sealNo++;
    const from = events[0]!.position;
    const to = events.at(-1)!.position;
    await sql`INSERT INTO seals (seal_no, from_position, to_position, event_count, prev_hash, hash)
      VALUES (${sealNo.toString()}::bigint, ${from.toString()}::bigint, ${to.toString()}::bigint, ${events.length},
              decode(${prev.toString('hex')}, 'hex'), decode(${acc.toString('hex')}, 'hex'))`.execute(db);
    prev = acc;
    after = to;
    written++;
    if (events.length < SEAL_MAX_EVENTS) break;
  }
  return { sealsWritten: written, lastSealedPosition: after };
}

export interface VerifyProblem {
  /** The first position whose stored facts do not match (or the seal's first position). */
  position: bigint | null;
  streamId?: string;
  reason: string;
}

export interface VerifyReport {
  ok: boolean;
  eventsChecked: number;
  streamsChecked: number;
  sealsChecked: number;
  problem?: VerifyProblem;
}

interface VerifyRow {
  position: string;
  stream_id: string;
  stream_version: number;
  event_id: string;
  type: string;
  schema_version: number;
  data: JsonObject;
  metadata: EventMetadata;
  occurred_at: Date;
  content_hash: string;
  hash: string;
}

/**
 * Recomputes every event's content hash and every stream's chain from the stored facts, every seal from
 * the events it covers, and every stream head; stops at the first mismatch and names its position.
 */
export async function verifyEvents(
  database: Database,
  onProgress?: (checked: number, position: bigint) => void,
): Promise<VerifyReport> {
  const db = database.db;
  const seals = (
    await sql<{
      seal_no: string;
      from_position: string;
      to_position: string;
      event_count: number;
      prev_hash: string;
      hash: string;
    }>`
      SELECT seal_no::text, from_position::text, to_position::text, event_count,
             encode(prev_hash, 'hex') AS prev_hash, encode(hash, 'hex') AS hash
      FROM seals ORDER BY seal_no`.execute(db)
  ).rows;
  const streams = new Map<string, { version: number; hash: Buffer }>();
  let checked = 0;
  let sealIndex = 0;
  let sealAcc: Buffer = ZERO_HASH;
  let sealCount = 0;
  let previousSealHash: Buffer = ZERO_HASH;
  let after = 0n;
  const fail = (problem: VerifyProblem): VerifyReport => ({
    ok: false,
    eventsChecked: checked,
    streamsChecked: streams.size,
    sealsChecked: sealIndex,
    problem,
  });

  for (;;) {
    const { rows } = await sql<VerifyRow>`
      SELECT position::text, stream_id, stream_version, event_id::text, type, schema_version, data, metadata,
             occurred_at, encode(content_hash, 'hex') AS content_hash, encode(hash, 'hex') AS hash
      FROM events WHERE events.position > ${after.toString()}::bigint ORDER BY events.position LIMIT ${VERIFY_PAGE}`.execute(
      db,
    );
    for (const r of rows) {
      const position = BigInt(r.position);
      const content = contentHash({
        streamId: r.stream_id,
        eventId: r.event_id,
        type: r.type,
        schemaVersion: r.schema_version,
        occurredAt: r.occurred_at,
        data: r.data,
        metadata: r.metadata,
      });
      if (content.toString('hex') !== r.content_hash)
        return fail({ position, streamId: r.stream_id, reason: 'event content does not match its hash' });
      const head = streams.get(r.stream_id) ?? { version: 0, hash: genesisHash(r.stream_id) };
      if (r.stream_version !== head.version + 1)
        return fail({
          position,
          streamId: r.stream_id,
          reason: `stream version ${r.stream_version} follows ${head.version}: an event is missing or moved`,
        });
      const chained = chainHash(head.hash, r.stream_version, content);
      if (chained.toString('hex') !== r.hash)
        return fail({ position, streamId: r.stream_id, reason: 'hash chain broken' });
      streams.set(r.stream_id, { version: r.stream_version, hash: chained });

      const seal = seals[sealIndex];
      if (seal) {
        const from = BigInt(seal.from_position);
        const to = BigInt(seal.to_position);
        if (position < from)
          return fail({
            position,
            streamId: r.stream_id,
            reason: `event lies between seals (before seal ${seal.seal_no})`,
          });
        if (position <= to) {
          if (sealCount === 0) {
            if (seal.prev_hash !== previousSealHash.toString('hex'))
              return fail({
                position: from,
                reason: `seal ${seal.seal_no} is not chained to the seal before it`,
              });
            sealAcc = previousSealHash;
          }
          sealAcc = sealStep(sealAcc, position, chained);
          sealCount++;
          if (position === to) {
            if (sealCount !== seal.event_count || sealAcc.toString('hex') !== seal.hash)
              return fail({
                position: from,
                reason: `seal ${seal.seal_no} (${seal.from_position}–${seal.to_position}) does not match its events`,
              });
            previousSealHash = sealAcc;
            sealIndex++;
            sealCount = 0;
          }
        } else {
          return fail({
            position: from,
            reason: `seal ${seal.seal_no} ends at ${seal.to_position}, which holds no event`,
          });
        }
      }
      checked++;
    }
    if (rows.length > 0) {
      after = BigInt(rows.at(-1)!.position);
      onProgress?.(checked, after);
    }
    if (rows.length < VERIFY_PAGE) break;
  }
  const open = seals[sealIndex];
  if (open)
    return fail({
      position: BigInt(open.from_position),
      reason: `seal ${open.seal_no} covers events that are gone`,
    });

  const heads = (
    await sql<{ stream_id: string; version: number; last_hash: string }>`
      SELECT stream_id, version, encode(last_hash, 'hex') AS last_hash FROM streams`.execute(db)
  ).rows;
  for (const h of heads) {
    const seen = streams.get(h.stream_id);
    const version = seen?.version ?? 0;
    const hash = seen?.hash ?? genesisHash(h.stream_id);
    if (version !== h.version || hash.toString('hex') !== h.last_hash)
      return fail({
        position: null,
        streamId: h.stream_id,
        reason: `stream head says version ${h.version} but the events end at ${version}: events are missing`,
      });
  }
  return { ok: true, eventsChecked: checked, streamsChecked: streams.size, sealsChecked: sealIndex };
}
