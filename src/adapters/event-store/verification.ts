import { sql } from 'kysely';
import type { Database } from '../db/database.ts';
import { type AuditRow, readEventsWithPredecessors, readSeals, type SealRow } from './audit-read.ts';
import { checkIdempotencyRows, checkStreamRows } from './derived-rows.ts';
import { chainHash, contentHash, genesisHash, sealStep } from './hashing.ts';

// The auditor's check of the whole store: every event against its own hash and its predecessor in the stream,
// every seal against the events of its range, every `streams` row against the events it summarises. Each check
// is local (an event and the row before it), so one tampered row shows as one break where it happened, and the
// check goes on to find the others instead of stopping at the first.

/** Events read per page. */
export const AUDIT_PAGE = 5_000;
/** Breaks kept in a report (the count goes on). */
export const MAX_BREAKS_LISTED = 1_000;
const ZERO_HASH = Buffer.alloc(32).toString('hex');

export type BreakKind =
  /** An event's content, or its stored hash, no longer matches. */
  | 'altered'
  /** Events are gone: a stream's versions jump, a seal covers fewer events, a stream row points past the events. */
  | 'missing'
  /** A stream's events are no longer in position order. */
  | 'reordered'
  /** Events that were never appended: past a stream row's head, in a seal's range, or between seals. */
  | 'inserted'
  /** A `streams` row disagrees with the events of its stream (version or last hash). */
  | 'stream-row-changed'
  /** A stream has events but no `streams` row (every append to it would then fail). */
  | 'stream-row-missing'
  /** An idempotency key's row points at events that are not the ones appended under it. */
  | 'idempotency-row-changed'
  /** Events were appended under an idempotency key that has no row (a retry would be applied twice). */
  | 'idempotency-row-missing'
  /** A seal row was changed or removed (numbering, chaining to the seal before). */
  | 'seal-changed'
  /** A seal carries no signature, or one that no known key verifies. */
  | 'seal-signature'
  /** A seal differs from the anchor written when it was made, or has none; or an anchor's seal is gone. */
  | 'anchor-mismatch';

export interface IntegrityBreak {
  kind: BreakKind;
  /** The first position where the stored history differs, when one can be named. */
  position: bigint | null;
  streamId?: string;
  sealNo?: bigint;
  detail: string;
}

export interface AuditVerifyOptions {
  /** First position checked (inclusive); widened to the start of the seal that covers it. */
  from?: bigint;
  /** Last position checked (inclusive); widened to the end of the seal that covers it. */
  to?: bigint;
  onProgress?: (p: { checked: number; position: bigint; target: bigint; phase: string }) => void;
  /** Checks seals against something kept outside the database (signatures, anchors): see anchors.ts. */
  sealWitness?: SealWitness;
}

export type { SealRow };

export interface SealWitness {
  /** Breaks for the seals given (every seal of the store when the check is not limited to a range). */
  check(
    seals: readonly SealRow[],
    wholeStore: boolean,
  ): Promise<{ breaks: IntegrityBreak[]; checked: number }>;
}

export interface AuditReport {
  ok: boolean;
  from: bigint;
  to: bigint;
  eventsChecked: number;
  streamRowsChecked: number;
  sealsChecked: number;
  witnessChecked: number;
  /** Every break found (at most MAX_BREAKS_LISTED), in position order; breaks a seal merely confirms left out. */
  breaks: IntegrityBreak[];
  breakCount: number;
  /** The break at the lowest position. */
  first?: IntegrityBreak;
  streamsAffected: string[];
}

/** Where checks put what they find. */
export interface BreakSink {
  add(b: IntegrityBreak): void;
}

class Findings implements BreakSink {
  readonly list: IntegrityBreak[] = [];
  /** Positions of breaks found on an event itself (not on a seal or a stream row). */
  readonly eventPositions: bigint[] = [];
  count = 0;
  add(b: IntegrityBreak): void {
    this.count++;
    if (this.list.length < MAX_BREAKS_LISTED) this.list.push(b);
  }
}

/** Checks the store between two positions (default: all of it); never stops at the first break. */
export async function auditVerify(
  database: Database,
  options: AuditVerifyOptions = {},
): Promise<AuditReport> {
  const db = database.db;
  const head = BigInt(
    (await sql<{ head: string }>`SELECT coalesce(max(position), 0)::text AS head FROM events`.execute(db))
      .rows[0]!.head,
  );
  const allSeals = await readSeals(database);
  let from = options.from ?? 1n;
  let to = options.to ?? head;
  // A seal can only be checked whole: widen the range to the seals it touches.
  for (const s of allSeals) {
    if (s.fromPosition <= from && from <= s.toPosition) from = s.fromPosition;
    if (s.fromPosition <= to && to <= s.toPosition) to = s.toPosition;
  }
  const wholeStore = from <= 1n && to >= head;
  const seals = allSeals.filter((s) => s.toPosition >= from && s.fromPosition <= to);
  const findings = new Findings();
  const progress = (checked: number, position: bigint, phase: string) =>
    options.onProgress?.({ checked, position, target: to, phase });

  checkSealLinks(allSeals, seals, findings);
  const eventsChecked = await checkEvents(database, from, to, seals, allSeals, findings, progress);
  const streamRowsChecked = await checkStreamRows(database, findings, progress);
  await checkIdempotencyRows(database, findings);
  let witnessChecked = 0;
  if (options.sealWitness) {
    const w = await options.sealWitness.check(wholeStore ? allSeals : seals, wholeStore);
    witnessChecked = w.checked;
    for (const b of w.breaks) findings.add(b);
  }

  const breaks = withoutConfirmations(findings).sort(byPosition);
  return {
    ok: findings.count === 0,
    from,
    to,
    eventsChecked,
    streamRowsChecked,
    sealsChecked: seals.length,
    witnessChecked,
    breaks,
    // Seal mismatches that only confirm a listed event break are not counted either.
    breakCount: findings.count - (findings.list.length - breaks.length),
    ...(breaks[0] ? { first: breaks[0] } : {}),
    streamsAffected: [...new Set(breaks.flatMap((b) => (b.streamId ? [b.streamId] : [])))].sort(),
  };
}

function byPosition(a: IntegrityBreak, b: IntegrityBreak): number {
  if (a.position === b.position) return 0;
  if (a.position === null) return 1;
  if (b.position === null) return -1;
  return a.position < b.position ? -1 : 1;
}

/**
 * A seal that no longer matches because of an event break inside its range only confirms that break: it is
 * left out of the list, so the first break named is the event that was touched, not the seal's first position.
 */
function withoutConfirmations(findings: Findings): IntegrityBreak[] {
  return findings.list.flatMap((b) => {
    const { range, ...rest } = b as SealBreak;
    if (range && findings.eventPositions.some((p) => p >= range[0] && p <= range[1])) return [];
    return [rest];
  });
}

interface SealBreak extends IntegrityBreak {
  range?: [bigint, bigint];
}

function checkSealLinks(all: readonly SealRow[], inRange: readonly SealRow[], findings: Findings): void {
  const checked = new Set(inRange.map((s) => s.sealNo));
  for (const [i, s] of all.entries()) {
    if (!checked.has(s.sealNo)) continue;
    const before = all[i - 1];
    const expectedNo = before ? before.sealNo + 1n : 1n;
    if (s.sealNo !== expectedNo)
      findings.add({
        kind: 'seal-changed',
        position: s.fromPosition,
        sealNo: s.sealNo,
        detail: `seal ${s.sealNo} follows seal ${before?.sealNo ?? 0}: seal ${expectedNo} is gone`,
      });
    if (s.prevHash !== (before?.hash ?? ZERO_HASH))
      findings.add({
        kind: 'seal-changed',
        position: s.fromPosition,
        sealNo: s.sealNo,
        detail: `seal ${s.sealNo} is not chained to the seal before it`,
      });
    if (before && s.fromPosition <= before.toPosition)
      findings.add({
        kind: 'seal-changed',
        position: s.fromPosition,
        sealNo: s.sealNo,
        detail: `seal ${s.sealNo} overlaps seal ${before.sealNo}`,
      });
  }
}

/** One pass in position order: each event against its content hash and its predecessor; seals folded as they go. */
async function checkEvents(
  database: Database,
  from: bigint,
  to: bigint,
  seals: readonly SealRow[],
  allSeals: readonly SealRow[],
  findings: Findings,
  progress: (checked: number, position: bigint, phase: string) => void,
): Promise<number> {
  const lastSealedTo = allSeals.at(-1)?.toPosition ?? 0n;
  let sealIndex = 0;
  let acc = '';
  let count = 0;
  const finishSeal = (s: SealRow) => {
    const matches = count === s.eventCount && acc === s.hash;
    if (!matches) {
      const kind: BreakKind =
        count < s.eventCount ? 'missing' : count > s.eventCount ? 'inserted' : 'altered';
      const b: SealBreak = {
        kind,
        position: s.fromPosition,
        sealNo: s.sealNo,
        range: [s.fromPosition, s.toPosition],
        detail:
          count === s.eventCount
            ? `the ${count} events of seal ${s.sealNo} (${s.fromPosition}–${s.toPosition}) no longer hash to it: an event was rewritten with its chain recomputed, or events were moved`
            : `seal ${s.sealNo} (${s.fromPosition}–${s.toPosition}) covered ${s.eventCount} events; ${count} are there`,
      };
      findings.add(b);
    }
    sealIndex++;
    acc = '';
    count = 0;
  };

  let after = from - 1n;
  let checked = 0;
  for (;;) {
    const rows = await readEventsWithPredecessors(database, after, to, AUDIT_PAGE);
    for (const r of rows) {
      const position = BigInt(r.position);
      checkEvent(r, position, findings);
      // Seals: every settled event up to the last seal lies in exactly one seal.
      while (seals[sealIndex] && seals[sealIndex]!.toPosition < position) finishSeal(seals[sealIndex]!);
      const seal = seals[sealIndex];
      if (seal && position >= seal.fromPosition) {
        if (count === 0) acc = seal.prevHash;
        acc = sealStep(Buffer.from(acc, 'hex'), position, Buffer.from(r.hash, 'hex')).toString('hex');
        count++;
        if (position === seal.toPosition) finishSeal(seal);
      } else if (position <= lastSealedTo) {
        findings.add({
          kind: 'inserted',
          position,
          streamId: r.stream_id,
          detail: `event at ${position} lies in no seal, though later events are sealed`,
        });
      }
      checked++;
    }
    if (rows.length > 0) {
      after = BigInt(rows.at(-1)!.position);
      progress(checked, after, 'events');
    }
    if (rows.length < AUDIT_PAGE) break;
  }
  while (seals[sealIndex]) finishSeal(seals[sealIndex]!);
  return checked;
}

function checkEvent(r: AuditRow, position: bigint, all: Findings): void {
  const at = { position, streamId: r.stream_id };
  const findings = {
    add(b: IntegrityBreak) {
      all.eventPositions.push(position);
      all.add(b);
    },
  };
  const content = contentHash({
    streamId: r.stream_id,
    eventId: r.event_id,
    type: r.type,
    schemaVersion: r.schema_version,
    occurredAt: r.occurred_at,
    data: r.data,
    metadata: r.metadata,
  });
  if (content.toString('hex') !== r.content_hash) {
    findings.add({ kind: 'altered', ...at, detail: `event content does not match its content hash` });
    return;
  }
  if (r.stream_version > 1 && r.prev_hash === null) {
    findings.add({
      kind: 'missing',
      ...at,
      detail: `version ${r.stream_version} of ${r.stream_id} has no version ${r.stream_version - 1} before it`,
    });
    return;
  }
  if (r.prev_position !== null && BigInt(r.prev_position) > position) {
    findings.add({
      kind: 'reordered',
      ...at,
      detail: `version ${r.stream_version} sits at ${position}, before version ${r.stream_version - 1} at ${r.prev_position}`,
    });
    return;
  }
  const previous = r.prev_hash === null ? genesisHash(r.stream_id) : Buffer.from(r.prev_hash, 'hex');
  if (chainHash(previous, r.stream_version, content).toString('hex') !== r.hash)
    findings.add({
      kind: 'altered',
      ...at,
      detail: `hash chain broken at version ${r.stream_version}: the stored hash does not follow the one before it`,
    });
}
