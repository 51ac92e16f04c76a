import { sql } from 'kysely';
import type { EventMetadata, JsonObject, RecordedEvent } from '../../domain/event-store.ts';
import { pick } from '../../domain/pick.ts';
import type { Database } from '../db/database.ts';
import { chainHash, contentHash, genesisHash, sealStep } from './hashing.ts';
import type { SqlEventStore } from './sql-event-store.ts';
import { type AnchorDir, type SealSigner, verifySeal } from './anchors.ts';
import { readSeals, type SealFacts } from './audit-read.ts';
import { auditVerify } from './verification.ts';

/** Events one seal covers at most, so that verifying or re-sealing a range stays bounded. */
export const SEAL_MAX_EVENTS = 10_000;
const ZERO_HASH: Buffer = Buffer.alloc(32);

export interface SealResult {
  sealsWritten: number;
  lastSealedPosition: bigint;
}

/** One seal: the hash over the (position, event hash) pairs of its range, chained to the seal before it. */
export type Seal = SealFacts;

/** Where a store keeps its seals (a table on SQL, a stream on KurrentDB). */
export interface SealLog {
  last(): Promise<Seal | undefined>;
  /** `signed`: the Ed25519 signature of the seal's facts (base64) and the key that made it. */
  append(seal: Seal, signed?: { keyId: string; signature: string }): Promise<void>;
  /** Every seal, in seal number order. */
  all(): Promise<Seal[]>;
}

/** What sealing reads: settled events only, so a seal never covers a range a late commit could still change. */
export interface SealSource {
  readAll(options: { after: bigint; maxCount: number }): Promise<RecordedEvent[]>;
}

/**
 * Seals every settled event not sealed yet, in ranges of at most SEAL_MAX_EVENTS. A seal hashes the
 * (position, event hash) pairs of its range and the previous seal's hash, so deleting, inserting or
 * reordering events anywhere before the last seal changes a seal.
 */
export async function sealEvents(store: SqlEventStore, anchoring?: SealAnchoring): Promise<SealResult> {
  if (anchoring) await anchorSignedSeals(store, anchoring);
  return sealInto(store, sqlSealLog(store.database), anchoring);
}

/** A key outside the database signs each seal, and each signed seal is also written outside it. */
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

export async function sealInto(
  source: SealSource,
  log: SealLog,
  anchoring?: SealAnchoring,
): Promise<SealResult> {
  const last = await log.last();
  let sealNo = last?.sealNo ?? 0n;
  let after = last?.toPosition ?? 0n;
  let prev: Buffer = last ? Buffer.from(last.hash, 'hex') : ZERO_HASH;
  let written = 0;
  for (;;) {
    const events = await source.readAll({ after, maxCount: SEAL_MAX_EVENTS });
    if (events.length === 0) break;
    let acc = prev;
    for (const e of events) acc = sealStep(acc, e.position, Buffer.from(e.hash, 'hex'));
    sealNo++;
    const to = events.at(-1)!.position;
    const facts: Seal = {
      sealNo,
      fromPosition: events[0]!.position,
      toPosition: to,
      eventCount: events.length,
      prevHash: prev.toString('hex'),
      hash: acc.toString('hex'),
    };
    const signature = anchoring?.signer.sign(facts);
    await log.append(facts, signature ? { keyId: anchoring!.signer.keyId, signature } : undefined);
    // Anchored once the seal is committed; a crash in between is repaired by the next run (anchorSignedSeals).
    if (anchoring && signature) anchoring.anchors.appendAnchor(facts, anchoring.signer.keyId, signature);
    prev = acc;
    after = to;
    written++;
    if (events.length < SEAL_MAX_EVENTS) break;
  }
  return { sealsWritten: written, lastSealedPosition: after };
}

/** The seals table of the SQL stores. */
export function sqlSealLog(database: Database): SealLog {
  const db = database.db;
  return {
    async last() {
      return (await readSeals(database, { lastOnly: true }))[0];
    },
    async append(s, signed) {
      await sql`INSERT INTO seals (seal_no, from_position, to_position, event_count, prev_hash, hash, key_id, signature)
        VALUES (${s.sealNo.toString()}::bigint, ${s.fromPosition.toString()}::bigint, ${s.toPosition.toString()}::bigint,
                ${s.eventCount}, decode(${s.prevHash}, 'hex'), decode(${s.hash}, 'hex'),
                ${signed?.keyId ?? null}, decode(${signed?.signature ?? null}, 'base64'))`.execute(db);
    },
    all: () => readSeals(database),
  };
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

/** An event as stored, in position order: what verification recomputes from. */
export interface StoredEvent {
  position: bigint;
  streamId: string;
  streamVersion: number;
  eventId: string;
  type: string;
  /** As stored, before any upcasting. */
  schemaVersion: number;
  data: JsonObject;
  metadata: EventMetadata;
  occurredAt: Date;
  /** Hex, when the store keeps the content hash apart from the chained one (SQL does). */
  contentHash?: string;
  /** Hex: the chained hash. */
  hash: string;
}

/**
 * Recomputes, event by event in position order, every content hash, every stream's chain and every seal;
 * stops at the first mismatch and names its position. Stores feed it their events and seals.
 */
export class HistoryVerifier {
  readonly streams = new Map<string, { version: number; hash: Buffer }>();
  private checked = 0;
  private sealIndex = 0;
  private sealAcc: Buffer = ZERO_HASH;
  private sealCount = 0;
  private previousSealHash: Buffer = ZERO_HASH;
  private problem: VerifyProblem | undefined;

  constructor(private readonly seals: readonly Seal[]) {}

  /** Checks the next event; false once a problem was found (then report() names it). */
  check(e: StoredEvent): boolean {
    if (this.problem) return false;
    const problem = this.checkEvent(e);
    if (problem) {
      this.problem = problem;
      return false;
    }
    this.checked++;
    return true;
  }

  private checkEvent(e: StoredEvent): VerifyProblem | undefined {
    const { position, streamId } = e;
    const content = contentHash(e);
    if (e.contentHash !== undefined && content.toString('hex') !== e.contentHash)
      return { position, streamId, reason: 'event content does not match its hash' };
    const head = this.streams.get(streamId) ?? { version: 0, hash: genesisHash(streamId) };
    if (e.streamVersion !== head.version + 1)
      return {
        position,
        streamId,
        reason: `stream version ${e.streamVersion} follows ${head.version}: an event is missing or moved`,
      };
    const chained = chainHash(head.hash, e.streamVersion, content);
    if (chained.toString('hex') !== e.hash)
      return {
        position,
        streamId,
        reason:
          e.contentHash === undefined ? 'event content or hash chain does not match' : 'hash chain broken',
      };
    this.streams.set(streamId, { version: e.streamVersion, hash: chained });

    const seal = this.seals[this.sealIndex];
    if (!seal) return undefined;
    if (position < seal.fromPosition)
      return { position, streamId, reason: `event lies between seals (before seal ${seal.sealNo})` };
    if (position > seal.toPosition)
      return {
        position: seal.fromPosition,
        reason: `seal ${seal.sealNo} ends at ${seal.toPosition}, which holds no event`,
      };
    if (this.sealCount === 0) {
      if (seal.prevHash !== this.previousSealHash.toString('hex'))
        return {
          position: seal.fromPosition,
          reason: `seal ${seal.sealNo} is not chained to the seal before it`,
        };
      this.sealAcc = this.previousSealHash;
    }
    this.sealAcc = sealStep(this.sealAcc, position, chained);
    this.sealCount++;
    if (position === seal.toPosition) {
      if (this.sealCount !== seal.eventCount || this.sealAcc.toString('hex') !== seal.hash)
        return {
          position: seal.fromPosition,
          reason: `seal ${seal.sealNo} (${seal.fromPosition}–${seal.toPosition}) does not match its events`,
        };
      this.previousSealHash = this.sealAcc;
      this.sealIndex++;
      this.sealCount = 0;
    }
    return undefined;
  }

  get eventsChecked(): number {
    return this.checked;
  }

  /** The report once every event was fed: a seal still open covers events that are gone. */
  report(extra?: VerifyProblem): VerifyReport {
    const open = this.seals[this.sealIndex];
    const problem =
      this.problem ??
      (open
        ? { position: open.fromPosition, reason: `seal ${open.sealNo} covers events that are gone` }
        : extra);
    return {
      ok: problem === undefined,
      eventsChecked: this.checked,
      streamsChecked: this.streams.size,
      sealsChecked: this.sealIndex,
      ...(problem ? { problem } : {}),
    };
  }
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
    ...pick(report, 'ok', 'eventsChecked'),
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
