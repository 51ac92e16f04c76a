import { sql } from 'kysely';
import type { Database } from '../db/database.ts';
import { sealStep } from './hashing.ts';
import type { SqlEventStore } from './sql-event-store.ts';
import { auditVerify } from './verification.ts';

/** Events one seal covers at most, so that verifying or re-sealing a range stays bounded. */
export const SEAL_MAX_EVENTS = 10_000;
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

/** The whole-store audit (verification.ts) summed up as its first break. */
export async function verifyEvents(
  database: Database,
  onProgress?: (checked: number, position: bigint) => void,
): Promise<VerifyReport> {
  const report = await auditVerify(database, {
    onProgress: (p) => {
      if (p.phase === 'events') onProgress?.(p.checked, p.position);
    },
  });
  const first = report.first;
  return {
    ok: report.ok,
    eventsChecked: report.eventsChecked,
    streamsChecked: report.streamRowsChecked,
    sealsChecked: report.sealsChecked,
    ...(first
      ? {
          problem: {
            position: first.position,
            ...(first.streamId ? { streamId: first.streamId } : {}),
            reason: `${first.kind}: ${first.detail}`,
          },
        }
      : {}),
  };
}
