// The match book's events: stream `<hospitalId>/match-book/<channel>:<businessDate>`, one per day and channel
// (the day of the match's first item). It holds what people decided about pairing items the rules left apart
// (manual matches), about pairs the rules made (undone), and about proposals (rejected ones are remembered).
// Data is JSON only: money as "12.50" strings.
import type { EventOf } from '../event-store.ts';
import type { MoneyString } from '../money.ts';

/** Which side of a match an item stands on: money seen at a counter-party, or a record of the platform. */
export type MatchSide = 'money' | 'records';

/** How a match's non-zero difference is named: it becomes a discrepancy of its own. */
export const DIFFERENCE_NAMES = ['fee', 'shortfall', 'surplus'] as const;
export type DifferenceName = (typeof DIFFERENCE_NAMES)[number];

/** One item of a match, as it stood when the match was requested. */
export type MatchItemRef = {
  discrepancyId: string;
  type: string;
  channel: string;
  businessDate: string;
  subject: string;
  amount: MoneyString;
  side: MatchSide;
};

/** Each match-book event's type and its data (both persisted: never change either). */
type MatchBookEventData = {
  ManualMatchRequested: {
    matchId: string;
    items: MatchItemRef[];
    /** Σ of the money side and of the records side. */
    money: MoneyString;
    records: MoneyString;
    /** money − records, named; null when the sides conserve. */
    difference: { as: DifferenceName; amount: MoneyString; discrepancyId: string } | null;
    reason: string;
    by: string;
    /** Whether a supervisor must approve before the match takes effect. */
    needsApproval: boolean;
    /** The proposal this match confirms, when it came from one. */
    proposalId: string | null;
  };
  /** The match takes effect: its items are matched (and its difference raised). */
  ManualMatchRecorded: { matchId: string; approvedBy: string | null };
  /** The supervisor refuses the match: nothing changes on its items. */
  ManualMatchRejected: { matchId: string; by: string; reason: string };
  /**
   * Someone asks to undo a match: a manual one by its id, or a pair the rules made (origin `rule`, its id
   * `rule:<subject>`, recorded here with what it paired).
   */
  UnmatchRequested: {
    matchId: string;
    origin: 'manual' | 'rule';
    reason: string;
    by: string;
    needsApproval: boolean;
    /** For a rule-made pair: the movement the rules matched (subject, kind, amount, the platform reference). */
    rule?: { subject: string; kind: 'payment' | 'refund'; amount: MoneyString; platformRef: string };
  };
  UnmatchRejected: { matchId: string; by: string; reason: string };
  /** The match is undone: its items are open again (a rule-made pair is kept apart by every later run). */
  MatchUndone: { matchId: string; approvedBy: string | null };
  /** A person rejects a proposal: the same set of items is never proposed again. */
  ProposalRejected: { proposalId: string; items: string[]; reason: string; by: string };
};

export type UnmatchRequested = EventOf<MatchBookEventData, 'UnmatchRequested'>;
export type MatchBookEvent = EventOf<MatchBookEventData>;
