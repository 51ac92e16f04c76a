import { sql } from 'kysely';
import type { Database } from '../db/database.ts';
import { sealStep } from './hashing.ts';
import type { SqlEventStore } from './sql-event-store.ts';
import { type AnchorDir, type SealSigner, verifySeal } from './anchors.ts';
import { readSeals } from './audit-read.ts';
import { auditVerify } from './verification.ts';

/** Events one seal covers at most, so that verifying or re-sealing a range stays bounded. */
export const SEAL_MAX_EVENTS = 10_000;
const ZERO_HASH: Buffer = Buffer.alloc(32);

export interface SealAnchoring {
  signer: SealSigner;
  anchors: AnchorDir;
}

/** Anchors the signed seals that have no anchor yet (a run that stopped between its insert and its anchor). */
async function anchorSignedSeals(store: SqlEventStore, anchoring: SealAnchoring): Promise<void> {
  const anchored = new Set(anchoring.anchors.anchors().map((a) => a.sealNo));
  const keys = anchoring.anchors.keys();
  for (const s of await readSeals(store.database)) {
    if (s.signature === null || s.keyId === null || anchored.has(s.sealNo.toString())) continue;
    const key = keys.get(s.keyId);
    // Only a seal this deployment's keys signed is anchored: a forged row must stay unanchored, and be reported.
    if (key && verifySeal(s, s.signature, key.publicKeyPem))
      anchoring.anchors.appendAnchor(s, s.keyId, s.signature);
  }
}

export interface SealResult {
  sealsWritten: number;
  lastSealedPosition: bigint;
}

/**
 * Seals every settled event not sealed yet, in ranges of at most SEAL_MAX_EVENTS. A seal hashes the
 * (position, event hash) pairs of its range and the previous seal's hash, so deleting, inserting or
 * reordering events anywhere before the last seal changes a seal.
 */
export async function sealEvents(store: SqlEventStore, anchoring?: SealAnchoring): Promise<SealResult> {
  const db = store.database.db;
  if (anchoring) await anchorSignedSeals(store, anchoring);
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
    const facts = {
      sealNo,
      fromPosition: events[0]!.position,
      toPosition: events.at(-1)!.position,
      eventCount: events.length,
      prevHash: prev.toString('hex'),
      hash: acc.toString('hex'),
    };
    const signature = anchoring?.signer.sign(facts) ?? null;
    await sql`INSERT INTO seals (seal_no, from_position, to_position, event_count, prev_hash, hash, key_id, signature)
      VALUES (${sealNo.toString()}::bigint, ${facts.fromPosition.toString()}::bigint,
              ${facts.toPosition.toString()}::bigint, ${facts.eventCount}, decode(${facts.prevHash}, 'hex'),
              decode(${facts.hash}, 'hex'), ${anchoring?.signer.keyId ?? null},
              decode(${signature}, 'base64'))`.execute(db);
    // Anchored once the seal is committed; a crash in between is repaired by the next run (anchorSignedSeals).
    if (anchoring && signature) anchoring.anchors.appendAnchor(facts, anchoring.signer.keyId, signature);
    const to = facts.toPosition;
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
