// Manual match and unmatch as finance staff drive them: the match book decides (manual-match.ts), then each item
// records what became of it (matched, unmatched; a named difference raised or withdrawn). Every step after the
// book's event is idempotent, so repeating a call after an interruption finishes the work without doubling it.
import { handle } from '../../domain/command-handler.ts';
import { assertDayOpen } from '../../domain/reconciliation/day.ts';
import {
  type DiscrepancyState,
  discrepancyDecider,
  type MatchDiscrepancy,
  type UnmatchDiscrepancy,
} from '../../domain/reconciliation/discrepancy.ts';
import type { DifferenceName, MatchBookEvent } from '../../domain/reconciliation/match-events.ts';
import {
  type BookMatch,
  bookOfMatchId,
  DEFAULT_MATCH_POLICY,
  differenceFinding,
  type MatchBookCommand,
  type MatchBookState,
  type MatchCandidate,
  type MatchPolicy,
  matchBookDecider,
} from '../../domain/reconciliation/manual-match.ts';
import { refuse } from '../../domain/reconciliation/refusals.ts';
import { findMovementBySubject } from '../../projections/reconciliation/match-queries.ts';
import { catchUp, reconciliationReadModels } from './catch-up.ts';
import { loadMatchBook, readMatchBook } from './match-book.ts';
import { loadDay } from './days.ts';
import { discrepancyState } from './discrepancies.ts';
import { byStaffAt, type ReconciliationPorts, staff } from './ports.ts';
import { reconcileDay } from './reconcile-day.ts';

/** The threshold a deployment sets (LEDGER_MATCH_APPROVAL_THRESHOLD, yuan), else the default. */
export { loadMatchBook };

export function matchPolicyFrom(env: Readonly<Record<string, string | undefined>>): MatchPolicy {
  const t = env.LEDGER_MATCH_APPROVAL_THRESHOLD;
  return t !== undefined && /^\d{1,12}(\.\d{1,2})?$/.test(t)
    ? { approvalThreshold: t }
    : DEFAULT_MATCH_POLICY;
}

export interface MatchView {
  matchId: string;
  origin: 'manual' | 'rule';
  status: BookMatch['status'];
  channel: string;
  businessDate: string;
  items: BookMatch['items'];
  gross: string;
  difference: BookMatch['difference'];
  reason: string;
  by: string;
  approvedBy: string | null;
  pending: BookMatch['pending'];
  proposalId: string | null;
  rule: BookMatch['rule'] | null;
}

const view = (m: BookMatch, book: { channel: string; businessDate: string }): MatchView => ({
  matchId: m.matchId,
  origin: m.origin,
  status: m.status,
  channel: book.channel,
  businessDate: book.businessDate,
  items: m.items,
  gross: m.gross,
  difference: m.difference,
  reason: m.reason,
  by: m.by,
  approvedBy: m.approvedBy,
  pending: m.pending,
  proposalId: m.proposalId,
  rule: m.rule ?? null,
});

interface Who {
  hospitalId: string;
  by: string;
  at?: Date;
  /** The acting person's staff role (approvals need a supervisor). */
  role?: string;
}

const candidateOf = (s: DiscrepancyState): MatchCandidate => ({
  discrepancyId: s.discrepancyId,
  type: s.type!,
  channel: s.channel,
  businessDate: s.businessDate,
  subject: s.subject,
  amount: s.amount,
  status: s.status,
});

async function candidates(
  ports: Pick<ReconciliationPorts, 'store'>,
  hospitalId: string,
  ids: readonly string[],
): Promise<MatchCandidate[]> {
  const out: MatchCandidate[] = [];
  for (const id of ids) {
    const s = await discrepancyState(ports, hospitalId, id);
    if (s.status === 'none') throw refuse('DISCREPANCY_NOT_FOUND', { discrepancyId: id });
    // A closed day's items are final with it.
    assertDayOpen(
      await loadDay(ports.store, hospitalId, s.channel, s.businessDate),
      s.channel,
      s.businessDate,
    );
    out.push(candidateOf(s));
  }
  return out;
}

async function onBook(
  ports: Pick<ReconciliationPorts, 'store'>,
  w: Who,
  book: { channel: string; businessDate: string },
  command: DistributiveOmit<MatchBookCommand, 'hospitalId' | 'at' | 'actor' | 'channel' | 'businessDate'>,
): Promise<{ state: MatchBookState; events: MatchBookEvent[] }> {
  const r = await handle(ports.store, matchBookDecider, {
    ...command,
    ...byStaffAt(w),
    channel: book.channel,
    businessDate: book.businessDate,
  } as MatchBookCommand);
  return { state: r.state, events: r.events };
}
type DistributiveOmit<T, K extends PropertyKey> = T extends unknown ? Omit<T, K> : never;

/** Records a recorded match on its items and raises its named difference (idempotent). */
async function settleItems(ports: ReconciliationPorts, w: Who, m: BookMatch, book: BookRef2): Promise<void> {
  const base = byStaffAt(w);
  await markItems(ports, base, m, { type: 'MatchDiscrepancy', reason: m.reason, approvedBy: m.approvedBy });
  if (m.difference) {
    const sums = sides(m);
    const f = differenceFinding(
      { hospitalId: w.hospitalId, ...book, matchId: m.matchId },
      m.difference.as,
      sums.difference,
      sums,
    );
    await handle(ports.store, discrepancyDecider, {
      ...base,
      type: 'RaiseDiscrepancy',
      discrepancyId: m.difference.discrepancyId,
      finding: f,
      runId: m.matchId,
    });
  }
}
type BookRef2 = { channel: string; businessDate: string };

/** What a match, or its undoing, records on each of its items (the item and the match are added per item). */
type ItemMark =
  | Pick<MatchDiscrepancy, 'type' | 'reason' | 'approvedBy'>
  | Pick<UnmatchDiscrepancy, 'type' | 'reason'>;

/** Records `mark` on every item of the match, each on its own stream (idempotent per item). */
async function markItems(
  ports: ReconciliationPorts,
  base: ReturnType<typeof byStaffAt>,
  m: BookMatch,
  mark: ItemMark,
): Promise<void> {
  for (const i of m.items)
    await handle(ports.store, discrepancyDecider, {
      ...base,
      ...mark,
      discrepancyId: i.discrepancyId,
      matchId: m.matchId,
    });
}

function sides(m: BookMatch): { money: string; records: string; difference: string } {
  let money = 0n;
  let records = 0n;
  const cents = (a: string) => BigInt(a.replace('.', ''));
  for (const i of m.items)
    if (i.side === 'money') money += cents(i.amount);
    else records += cents(i.amount);
  const fmt = (c: bigint) => {
    const neg = c < 0n;
    const a = (neg ? -c : c).toString().padStart(3, '0');
    return `${neg ? '-' : ''}${a.slice(0, -2)}.${a.slice(-2)}`;
  };
  return { money: fmt(money), records: fmt(records), difference: fmt(money - records) };
}

/** Opens a match's items again and withdraws its difference; a rule-made pair is re-run apart. */
async function undoItems(ports: ReconciliationPorts, w: Who, m: BookMatch, book: BookRef2): Promise<void> {
  const base = byStaffAt(w);
  const reason = m.pending?.reason ?? 'unmatched';
  await markItems(ports, base, m, { type: 'UnmatchDiscrepancy', reason });
  if (m.difference)
    await handle(ports.store, discrepancyDecider, {
      ...base,
      type: 'WithdrawDiscrepancy',
      discrepancyId: m.difference.discrepancyId,
      matchId: m.matchId,
      reason,
    });
  if (m.origin === 'rule')
    await reconcileDay(ports, {
      hospitalId: w.hospitalId,
      channel: book.channel,
      businessDate: book.businessDate,
      actor: staff(w.by),
      ...(w.at ? { at: w.at } : {}),
    });
}

/** What the last book events mean for the items: settle a recorded match, undo an undone one. */
async function follow(
  ports: ReconciliationPorts,
  w: Who,
  book: BookRef2,
  state: MatchBookState,
  matchId: string,
): Promise<MatchView> {
  const m = state.matches[matchId]!;
  if (m.status === 'recorded' && !m.pending) await settleItems(ports, w, m, book);
  if (m.status === 'undone') {
    const reason = await lastUnmatchReason(ports, w.hospitalId, book, matchId);
    await undoItems(ports, w, { ...m, pending: { kind: 'unmatch', by: w.by, reason } }, book);
  }
  return view(m, book);
}

async function lastUnmatchReason(
  ports: Pick<ReconciliationPorts, 'store'>,
  hospitalId: string,
  book: BookRef2,
  matchId: string,
): Promise<string> {
  const events = await readMatchBook(ports, hospitalId, book.channel, book.businessDate);
  const asked = events.filter((e) => e.type === 'UnmatchRequested' && e.data.matchId === matchId).at(-1);
  return typeof asked?.data.reason === 'string' ? asked.data.reason : 'unmatched';
}

export interface MatchRequest extends Who {
  /** The open items paired (discrepancy ids), across parties; the first names the book. */
  discrepancyIds: readonly string[];
  reason: string;
  /** How a non-zero difference is named (fee, shortfall, surplus): it becomes its own discrepancy. */
  differenceAs?: DifferenceName;
  policy?: MatchPolicy;
  proposalId?: string;
}

/**
 * Pairs open items by hand. Below the approval threshold (and with no difference) it takes effect at once;
 * otherwise it waits for a supervisor other than the maker (approveMatchDecision).
 */
export async function matchItems(ports: ReconciliationPorts, o: MatchRequest): Promise<MatchView> {
  const items = await candidates(ports, o.hospitalId, o.discrepancyIds);
  const first = items[0];
  if (!first) throw refuse('MATCH_TOO_FEW_ITEMS', {});
  const book = { channel: first.channel, businessDate: first.businessDate };
  const r = await onBook(ports, o, book, {
    type: 'RequestMatch',
    items,
    reason: o.reason,
    policy: o.policy ?? DEFAULT_MATCH_POLICY,
    ...(o.differenceAs ? { differenceAs: o.differenceAs } : {}),
    ...(o.proposalId ? { proposalId: o.proposalId } : {}),
  });
  const requested = r.events.find((e) => e.type === 'ManualMatchRequested');
  const matchId = requested ? requested.data.matchId : '';
  return follow(ports, o, book, r.state, matchId);
}

function bookOf(matchId: string): BookRef2 {
  const b = bookOfMatchId(matchId);
  if (!b) throw refuse('MATCH_NOT_FOUND', { matchId });
  return b;
}

export async function showMatch(
  ports: Pick<ReconciliationPorts, 'store'>,
  hospitalId: string,
  matchId: string,
): Promise<MatchView> {
  const book = bookOf(matchId);
  const m = (await loadMatchBook(ports, hospitalId, book.channel, book.businessDate)).matches[matchId];
  if (!m) throw refuse('MATCH_NOT_FOUND', { matchId });
  return view(m, book);
}

/** The matches of a day and channel (manual ones and rule-made pairs undone), newest last. */
export async function listMatches(
  ports: Pick<ReconciliationPorts, 'store'>,
  hospitalId: string,
  channel: string,
  businessDate: string,
): Promise<MatchView[]> {
  const s = await loadMatchBook(ports, hospitalId, channel, businessDate);
  return Object.values(s.matches).map((m) => view(m, { channel, businessDate }));
}

/** The supervisor approves what waits on a match (the match itself, or its undoing). */
export async function approveMatchDecision(
  ports: ReconciliationPorts,
  o: Who & { matchId: string },
): Promise<MatchView> {
  const book = bookOf(o.matchId);
  const before = await loadMatchBook(ports, o.hospitalId, book.channel, book.businessDate);
  const m = before.matches[o.matchId];
  const items =
    m?.pending?.kind === 'match'
      ? await candidates(
          ports,
          o.hospitalId,
          m.items.map((i) => i.discrepancyId),
        )
      : undefined;
  const r = await onBook(ports, o, book, {
    type: 'ApproveMatchDecision',
    matchId: o.matchId,
    ...(o.role !== undefined ? { role: o.role } : {}),
    ...(items ? { items } : {}),
  });
  return follow(ports, o, book, r.state, o.matchId);
}

/** The supervisor refuses what waits on a match, with a reason: nothing changes on the items. */
export async function rejectMatchDecision(
  ports: ReconciliationPorts,
  o: Who & { matchId: string; reason: string },
): Promise<MatchView> {
  const book = bookOf(o.matchId);
  const r = await onBook(ports, o, book, {
    type: 'RejectMatchDecision',
    matchId: o.matchId,
    reason: o.reason,
    ...(o.role !== undefined ? { role: o.role } : {}),
  });
  return view(r.state.matches[o.matchId]!, book);
}

/** Undoes a manual match (at once below the threshold, else after a supervisor's approval). */
export async function unmatch(
  ports: ReconciliationPorts,
  o: Who & { matchId: string; reason: string; policy?: MatchPolicy },
): Promise<MatchView> {
  const book = bookOf(o.matchId);
  const s = await loadMatchBook(ports, o.hospitalId, book.channel, book.businessDate);
  const m = s.matches[o.matchId];
  if (!m) throw refuse('MATCH_NOT_FOUND', { matchId: o.matchId });
  assertDayOpen(
    await loadDay(ports.store, o.hospitalId, book.channel, book.businessDate),
    book.channel,
    book.businessDate,
  );
  const differenceStatus = m.difference
    ? (await discrepancyState(ports, o.hospitalId, m.difference.discrepancyId)).status
    : undefined;
  const r = await onBook(ports, o, book, {
    type: 'RequestUnmatch',
    matchId: o.matchId,
    reason: o.reason,
    policy: o.policy ?? DEFAULT_MATCH_POLICY,
    ...(differenceStatus !== undefined ? { differenceStatus } : {}),
  });
  return follow(ports, o, book, r.state, o.matchId);
}

/**
 * Undoes a pair the rules made (a payment or refund matched by its keys): from the next run on (one runs at once
 * when no approval is needed) both sides stand as one-sided items.
 */
export async function unmatchRule(
  ports: ReconciliationPorts,
  o: Who & { channel: string; businessDate: string; subject: string; reason: string; policy?: MatchPolicy },
): Promise<MatchView> {
  const book = { channel: o.channel, businessDate: o.businessDate };
  assertDayOpen(
    await loadDay(ports.store, o.hospitalId, o.channel, o.businessDate),
    o.channel,
    o.businessDate,
  );
  await catchUp(ports, reconciliationReadModels(ports.dateOptions));
  const mv = await findMovementBySubject(ports.db, o.hospitalId, o.channel, o.businessDate, o.subject);
  if (!mv) throw refuse('RULE_MATCH_NOT_FOUND', { subject: o.subject });
  const r = await onBook(ports, o, book, {
    type: 'RequestRuleUnmatch',
    rule: { subject: o.subject, kind: mv.kind, amount: mv.amount, platformRef: mv.ref },
    reason: o.reason,
    policy: o.policy ?? DEFAULT_MATCH_POLICY,
  });
  const requested = r.events.find((e) => e.type === 'UnmatchRequested');
  return follow(ports, o, book, r.state, requested ? requested.data.matchId : '');
}
