// Manual matching, decided: a person pairs items the rules left apart (one to one, one to many, many to one,
// across parties), undoes a pair (theirs or the rules'), and rejects proposals. Pure: the items' current states,
// the policy (approval threshold) and the actor come in the command; ids derive from the content (SHA-256).
//
//   requested ─┬─ recorded (at once below the threshold; else approved by a supervisor, not the maker)
//              └─ rejected (by the supervisor)
//   recorded ─ unmatch requested ─┬─ undone (at once below the threshold; else approved)
//                                 └─ unmatch rejected (the match stays)
//
// Conservation: Σ money side = Σ records side, or the difference is named (fee, shortfall, surplus) and is
// raised as a discrepancy of its own (FEE_MISMATCH, SETTLEMENT_SHORTFALL, CHANNEL_ONLY) for the usual work.
import { createHash } from 'node:crypto';
import { Decimal } from 'decimal.js';
import { type CommandBase, type Decider, decider } from '../decider.ts';
import { CHECKER_ROLE, discrepancyIdOf } from './discrepancy.ts';
import type {
  DifferenceName,
  MatchBookEvent,
  MatchItemRef,
  MatchSide,
  UnmatchRequested,
} from './match-events.ts';
import { refuse } from './refusals.ts';
import type { DiscrepancyItem, DiscrepancyType, Finding } from './types.ts';

/** Most items one match pairs (a lump sum over a day's batch); bounds the work and the event's size. */
export const MAX_MATCH_ITEMS = 64;
/** Longest reason kept on a match, an unmatch or a rejection. */
export const MAX_MATCH_REASON_LENGTH = 500;
/** Hex digits of a match id's hash. */
const MATCH_ID_HEX = 24;

/** What a deployment sets: the gross amount from which a match or an unmatch waits for a supervisor. */
export interface MatchPolicy {
  /** A match (or unmatch) of this gross amount or more needs a supervisor's approval; so does any difference. */
  approvalThreshold: string;
}

export const DEFAULT_MATCH_POLICY: MatchPolicy = { approvalThreshold: '1000.00' };

/**
 * The side each matchable type stands on. Money seen at the channel, the bank or the HIS that the platform
 * does not record; records of the platform the other party does not show. Other types (mismatches, duplicates,
 * fees, shortfalls) are not one-sided items: they are resolved, not matched.
 */
export const MATCH_SIDES: Readonly<Partial<Record<DiscrepancyType, MatchSide>>> = {
  CHANNEL_ONLY: 'money',
  HIS_ONLY: 'money',
  PLATFORM_ONLY: 'records',
  HIS_MISSING: 'records',
};

/** An open item as the match reads it (from the discrepancy's state). */
export interface MatchCandidate extends DiscrepancyItem {
  /** The discrepancy's status: only open or assigned items can be matched. */
  status: string;
}

export type MatchStatus = 'awaiting-approval' | 'recorded' | 'rejected' | 'undone';

export interface BookMatch {
  matchId: string;
  origin: 'manual' | 'rule';
  status: MatchStatus;
  items: MatchItemRef[];
  gross: string;
  difference: { as: DifferenceName; amount: string; discrepancyId: string } | null;
  reason: string;
  by: string;
  approvedBy: string | null;
  /** What waits for a supervisor: the match itself, or its undoing. */
  pending: { kind: 'match' | 'unmatch'; by: string; reason: string } | null;
  rule?: NonNullable<UnmatchRequested['data']['rule']>;
  proposalId: string | null;
}

export interface MatchBookState {
  matches: Record<string, BookMatch>;
  /** Rejected proposal ids: never proposed again. */
  rejectedProposals: Record<string, { by: string; reason: string }>;
  /** Subjects of rule-made pairs undone (kept apart by every later run of the day). */
  keptApart: Record<string, NonNullable<UnmatchRequested['data']['rule']>>;
}

export const initialMatchBookState = (): MatchBookState => ({
  matches: {},
  rejectedProposals: {},
  keptApart: {},
});

interface BookCommandBase extends CommandBase {
  channel: string;
  businessDate: string;
}

export interface RequestMatch extends BookCommandBase {
  type: 'RequestMatch';
  items: MatchCandidate[];
  differenceAs?: DifferenceName;
  reason: string;
  policy: MatchPolicy;
  proposalId?: string;
}
export interface ApproveMatchDecision extends BookCommandBase {
  type: 'ApproveMatchDecision';
  matchId: string;
  /** The approver's staff role (absent: a trusted caller). */
  role?: string;
  /** The items' states now: a match approved later must still find them open. */
  items?: MatchCandidate[];
}
export interface RejectMatchDecision extends BookCommandBase {
  type: 'RejectMatchDecision';
  matchId: string;
  reason: string;
  role?: string;
}
export interface RequestUnmatch extends BookCommandBase {
  type: 'RequestUnmatch';
  matchId: string;
  reason: string;
  policy: MatchPolicy;
  /** The state of the difference discrepancy the match raised, if any: settled work blocks the unmatch. */
  differenceStatus?: string;
}
export interface RequestRuleUnmatch extends BookCommandBase {
  type: 'RequestRuleUnmatch';
  rule: { subject: string; kind: 'payment' | 'refund'; amount: string; platformRef: string };
  reason: string;
  policy: MatchPolicy;
}
export interface RejectProposal extends BookCommandBase {
  type: 'RejectProposal';
  proposalId: string;
  items: string[];
  reason: string;
}

export type MatchBookCommand =
  | RequestMatch
  | ApproveMatchDecision
  | RejectMatchDecision
  | RequestUnmatch
  | RequestRuleUnmatch
  | RejectProposal;

const OPEN_FOR_MATCH: ReadonlySet<string> = new Set(['open', 'assigned']);

function reasonOf(text: string): string {
  const r = text.trim();
  if (r.length === 0 || r.length > MAX_MATCH_REASON_LENGTH)
    throw refuse('MATCH_REASON_REQUIRED', { maxLength: MAX_MATCH_REASON_LENGTH });
  return r;
}

const money2 = (d: Decimal) => d.toFixed(2);

/** Σ per side and the difference (money − records). */
export function conservationOf(items: readonly Pick<MatchItemRef, 'amount' | 'side'>[]): {
  money: string;
  records: string;
  difference: string;
} {
  let money = new Decimal(0);
  let records = new Decimal(0);
  for (const i of items)
    if (i.side === 'money') money = money.plus(i.amount);
    else records = records.plus(i.amount);
  return { money: money2(money), records: money2(records), difference: money2(money.minus(records)) };
}

/** The finding a named difference raises: its own discrepancy, worked like any other. */
export function differenceFinding(
  o: { hospitalId: string; channel: string; businessDate: string; matchId: string },
  as: DifferenceName,
  difference: string,
  sides: { money: string; records: string },
): Finding {
  const amount = new Decimal(difference).abs().toFixed(2);
  const type: DiscrepancyType =
    as === 'fee' ? 'FEE_MISMATCH' : as === 'shortfall' ? 'SETTLEMENT_SHORTFALL' : 'CHANNEL_ONLY';
  return {
    type,
    hospitalId: o.hospitalId,
    channel: o.channel,
    businessDate: o.businessDate,
    subject: `match:${o.matchId}`,
    amount,
    amounts: { channel: sides.money, platform: sides.records },
    reason: `manual match ${o.matchId}: ${as} of ${amount} between ${sides.money} seen and ${sides.records} recorded`,
    sources: [{ party: 'platform', ref: `match:${o.matchId}` }],
  };
}

/**
 * A match id names its book (`M-<channel>-<yyyymmdd>-<hash>`): the hash of the sorted item ids and how many
 * matches the book holds (a re-match after an unmatch differs). A rule-made pair undone is `R-…` of its subject.
 */
export function matchIdOf(book: BookRef, itemIds: readonly string[], seq: number): string {
  const h = createHash('sha256')
    .update(`${[...itemIds].sort().join(',')}#${seq}`)
    .digest('hex');
  return `M-${book.channel}-${book.businessDate.replaceAll('-', '')}-${h.slice(0, MATCH_ID_HEX)}`;
}

export function ruleMatchIdOf(book: BookRef, subject: string): string {
  const h = createHash('sha256').update(subject).digest('hex');
  return `R-${book.channel}-${book.businessDate.replaceAll('-', '')}-${h.slice(0, MATCH_ID_HEX)}`;
}

export interface BookRef {
  channel: string;
  businessDate: string;
}

const MATCH_ID = /^[MR]-([a-z][a-z0-9-]{0,31})-(\d{4})(\d{2})(\d{2})-[0-9a-f]{24}$/;

/** The book a match id names (null when it is not a match id). */
export function bookOfMatchId(matchId: string): BookRef | null {
  const m = MATCH_ID.exec(matchId);
  return m ? { channel: m[1]!, businessDate: `${m[2]}-${m[3]}-${m[4]}` } : null;
}

/** Items locked by matches awaiting approval (a second match of them is refused until decided). */
function lockedItems(state: MatchBookState): Set<string> {
  const out = new Set<string>();
  for (const m of Object.values(state.matches))
    if (m.status === 'awaiting-approval') for (const i of m.items) out.add(i.discrepancyId);
  return out;
}

function assertItemsOpen(items: readonly MatchCandidate[]): void {
  for (const i of items)
    if (!OPEN_FOR_MATCH.has(i.status))
      throw refuse('MATCH_ITEM_NOT_OPEN', { discrepancyId: i.discrepancyId, status: i.status });
}

const needsApproval = (gross: string, difference: string, policy: MatchPolicy): boolean =>
  !new Decimal(difference).isZero() || new Decimal(gross).gte(policy.approvalThreshold);

/** The checker of a pending decision: a supervisor, not the person who asked. */
function pendingToCheck(
  command: ApproveMatchDecision | RejectMatchDecision,
  state: MatchBookState,
): BookMatch & { pending: NonNullable<BookMatch['pending']> } {
  const m = state.matches[command.matchId];
  if (!m) throw refuse('MATCH_NOT_FOUND', { matchId: command.matchId });
  if (!m.pending) throw refuse('MATCH_NOT_AWAITING_APPROVAL', { matchId: command.matchId });
  if (command.actor.id === m.pending.by) throw refuse('APPROVAL_BY_MAKER', { by: m.pending.by });
  if (command.role !== undefined && command.role !== CHECKER_ROLE)
    throw refuse('APPROVER_NOT_SUPERVISOR', { role: command.role, needs: CHECKER_ROLE });
  return m as BookMatch & { pending: NonNullable<BookMatch['pending']> };
}

function decideRequestMatch(c: RequestMatch, state: MatchBookState): MatchBookEvent[] {
  const reason = reasonOf(c.reason);
  const ids = new Set(c.items.map((i) => i.discrepancyId));
  if (ids.size !== c.items.length) throw refuse('MATCH_TOO_FEW_ITEMS', { reason: 'an item is listed twice' });
  if (c.items.length > MAX_MATCH_ITEMS) throw refuse('MATCH_TOO_MANY_ITEMS', { max: MAX_MATCH_ITEMS });
  const refs: MatchItemRef[] = c.items.map((i) => {
    const side = MATCH_SIDES[i.type];
    if (!side) throw refuse('MATCH_ITEM_NOT_MATCHABLE', { discrepancyId: i.discrepancyId, type: i.type });
    return {
      discrepancyId: i.discrepancyId,
      type: i.type,
      channel: i.channel,
      businessDate: i.businessDate,
      subject: i.subject,
      amount: new Decimal(i.amount).toFixed(2),
      side,
    };
  });
  if (!refs.some((r) => r.side === 'money') || !refs.some((r) => r.side === 'records'))
    throw refuse('MATCH_TOO_FEW_ITEMS', { sides: [...new Set(refs.map((r) => r.side))].join(',') });
  assertItemsOpen(c.items);
  const locked = lockedItems(state);
  for (const i of c.items)
    if (locked.has(i.discrepancyId)) throw refuse('MATCH_ITEM_IN_MATCH', { discrepancyId: i.discrepancyId });
  if (c.proposalId && state.rejectedProposals[c.proposalId])
    throw refuse('PROPOSAL_ALREADY_REJECTED', { proposalId: c.proposalId });

  const sums = conservationOf(refs);
  const diff = new Decimal(sums.difference);
  const matchId = matchIdOf(c, [...ids], Object.keys(state.matches).length);
  let difference: ManualDifference = null;
  if (!diff.isZero()) {
    if (!c.differenceAs) throw refuse('MATCH_NOT_CONSERVED', sums);
    // A fee or a shortfall is money short of the records; a surplus is money beyond them.
    const wrongWay = c.differenceAs === 'surplus' ? diff.isNegative() : diff.isPositive();
    if (wrongWay) throw refuse('MATCH_DIFFERENCE_WRONG_WAY', { ...sums, as: c.differenceAs });
    const f = differenceFinding(
      { hospitalId: c.hospitalId, channel: c.channel, businessDate: c.businessDate, matchId },
      c.differenceAs,
      sums.difference,
      sums,
    );
    difference = { as: c.differenceAs, amount: f.amount, discrepancyId: discrepancyIdOf(f) };
  }
  const gross = Decimal.max(sums.money, sums.records).toFixed(2);
  const approval = needsApproval(gross, sums.difference, c.policy);
  const events: MatchBookEvent[] = [
    {
      type: 'ManualMatchRequested',
      data: {
        matchId,
        items: refs,
        money: sums.money,
        records: sums.records,
        difference,
        reason,
        by: c.actor.id,
        needsApproval: approval,
        proposalId: c.proposalId ?? null,
      },
    },
  ];
  if (!approval) events.push({ type: 'ManualMatchRecorded', data: { matchId, approvedBy: null } });
  return events;
}

type ManualDifference = BookMatch['difference'];

export function decideMatchBook(c: MatchBookCommand, state: MatchBookState): MatchBookEvent[] {
  switch (c.type) {
    case 'RequestMatch':
      return decideRequestMatch(c, state);
    case 'ApproveMatchDecision': {
      const m = pendingToCheck(c, state);
      if (m.pending.kind === 'match') {
        if (c.items) assertItemsOpen(c.items);
        return [{ type: 'ManualMatchRecorded', data: { matchId: m.matchId, approvedBy: c.actor.id } }];
      }
      return [{ type: 'MatchUndone', data: { matchId: m.matchId, approvedBy: c.actor.id } }];
    }
    case 'RejectMatchDecision': {
      const m = pendingToCheck(c, state);
      const reason = reasonOf(c.reason);
      return m.pending.kind === 'match'
        ? [{ type: 'ManualMatchRejected', data: { matchId: m.matchId, by: c.actor.id, reason } }]
        : [{ type: 'UnmatchRejected', data: { matchId: m.matchId, by: c.actor.id, reason } }];
    }
    case 'RequestUnmatch': {
      const m = state.matches[c.matchId];
      if (!m) throw refuse('MATCH_NOT_FOUND', { matchId: c.matchId });
      if (m.status !== 'recorded' || m.pending)
        throw refuse('MATCH_NOT_ACTIVE', { matchId: c.matchId, status: m.status });
      const reason = reasonOf(c.reason);
      // Work begun on the named difference (a proposal, a resolution) is money decided: it must be undone first.
      if (m.difference && c.differenceStatus !== undefined && !OPEN_FOR_MATCH.has(c.differenceStatus))
        if (c.differenceStatus !== 'withdrawn')
          throw refuse('MATCH_DIFFERENCE_SETTLED', { matchId: c.matchId, status: c.differenceStatus });
      const approval = needsApproval(m.gross, '0', c.policy);
      const events: MatchBookEvent[] = [
        {
          type: 'UnmatchRequested',
          data: { matchId: m.matchId, origin: 'manual', reason, by: c.actor.id, needsApproval: approval },
        },
      ];
      if (!approval) events.push({ type: 'MatchUndone', data: { matchId: m.matchId, approvedBy: null } });
      return events;
    }
    case 'RequestRuleUnmatch': {
      const reason = reasonOf(c.reason);
      const matchId = ruleMatchIdOf(c, c.rule.subject);
      const m = state.matches[matchId];
      if (m && (m.status === 'undone' || m.pending))
        throw refuse('RULE_MATCH_ALREADY_UNDONE', { subject: c.rule.subject });
      const rule = { ...c.rule, amount: new Decimal(c.rule.amount).toFixed(2) };
      const approval = needsApproval(rule.amount, '0', c.policy);
      const events: MatchBookEvent[] = [
        {
          type: 'UnmatchRequested',
          data: { matchId, origin: 'rule', reason, by: c.actor.id, needsApproval: approval, rule },
        },
      ];
      if (!approval) events.push({ type: 'MatchUndone', data: { matchId, approvedBy: null } });
      return events;
    }
    case 'RejectProposal': {
      if (state.rejectedProposals[c.proposalId]) return [];
      const reason = reasonOf(c.reason);
      return [
        {
          type: 'ProposalRejected',
          data: { proposalId: c.proposalId, items: [...c.items].sort(), reason, by: c.actor.id },
        },
      ];
    }
    default: {
      const never: never = c;
      return never;
    }
  }
}

export function evolveMatchBook(state: MatchBookState, e: MatchBookEvent): MatchBookState {
  const put = (m: BookMatch): MatchBookState => ({ ...state, matches: { ...state.matches, [m.matchId]: m } });
  switch (e.type) {
    case 'ManualMatchRequested': {
      const d = e.data;
      return put({
        matchId: d.matchId,
        origin: 'manual',
        status: 'awaiting-approval',
        items: d.items,
        gross: Decimal.max(d.money, d.records).toFixed(2),
        difference: d.difference,
        reason: d.reason,
        by: d.by,
        approvedBy: null,
        pending: { kind: 'match', by: d.by, reason: d.reason },
        proposalId: d.proposalId,
      });
    }
    case 'ManualMatchRecorded': {
      const m = state.matches[e.data.matchId];
      if (!m) return state;
      return put({ ...m, status: 'recorded', pending: null, approvedBy: e.data.approvedBy });
    }
    case 'ManualMatchRejected': {
      const m = state.matches[e.data.matchId];
      if (!m) return state;
      return put({ ...m, status: 'rejected', pending: null });
    }
    case 'UnmatchRequested': {
      const d = e.data;
      const m: BookMatch = state.matches[d.matchId] ?? {
        matchId: d.matchId,
        origin: d.origin,
        status: 'recorded',
        items: [],
        gross: d.rule?.amount ?? '0.00',
        difference: null,
        reason: 'matched by the rules',
        by: 'system:reconciliation',
        approvedBy: null,
        pending: null,
        proposalId: null,
        ...(d.rule ? { rule: d.rule } : {}),
      };
      return put({ ...m, status: 'recorded', pending: { kind: 'unmatch', by: d.by, reason: d.reason } });
    }
    case 'UnmatchRejected': {
      const m = state.matches[e.data.matchId];
      if (!m) return state;
      return put({ ...m, pending: null });
    }
    case 'MatchUndone': {
      const m = state.matches[e.data.matchId];
      if (!m) return state;
      const next = put({ ...m, status: 'undone', pending: null });
      return m.rule ? { ...next, keptApart: { ...next.keptApart, [m.rule.subject]: m.rule } } : next;
    }
    case 'ProposalRejected':
      return {
        ...state,
        rejectedProposals: {
          ...state.rejectedProposals,
          [e.data.proposalId]: { by: e.data.by, reason: e.data.reason },
        },
      };
    default:
      return state;
  }
}

/** The book's stream key: the channel and business date it belongs to. */
export const matchBookKey = (channel: string, businessDate: string): string => `${channel}:${businessDate}`;

export const matchBookDecider: Decider<MatchBookCommand, MatchBookEvent, MatchBookState> = decider(
  'match-book',
  (c) => matchBookKey(c.channel, c.businessDate),
  { initialState: initialMatchBookState, decide: decideMatchBook, evolve: evolveMatchBook },
);
