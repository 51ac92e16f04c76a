// Reconciliation events: statement imports, discrepancies, reconciliation days. A catalog of their own beside
// the ledger catalog in ../events.ts (which stays the order/deposit/settlement aggregates the ledger folds);
// ../events.ts `schemaVersionOf` answers for both. Data is JSON only: money as "12.50" strings.
import type { EventOf, JsonObject } from '../event-store.ts';
import type { MoneyString } from '../money.ts';
import type { StatementFormat, StatementLine, StatementParty, StatementSummary } from './statement-line.ts';
import type { ColumnBatch } from './line-columns.ts';
import type { MatchBookEvent } from './match-events.ts';
import type { CarriedIn, DiscrepancyType, Finding, PendingItem } from './types.ts';

/** Statement lines per StatementLinesImported event (one event stays well under LIMITS.maxEventBytes). */
export const MAX_LINES_PER_BATCH = 1_000;

// ---- statements: stream `<hospitalId>/statement/<sha256 prefix>` ----

/**
 * A line as stored: the normalized StatementLine without the fields every line of the statement shares
 * (party, source, format, hospitalId), which live in StatementImportStarted and are put back on read.
 */
export type StoredStatementLine = Omit<StatementLine, 'party' | 'source' | 'format' | 'hospitalId'>;

/** Legacy (v1): the normalized lines as objects. */
export type LegacyObjectBatch = {
  statementId: string;
  batch: number;
  lines: StoredStatementLine[] & JsonObject[];
};
/** Legacy (v1): a batch whose lines a parser derives from the raw rows (`wechat-raw/1`, statement adapters). */
export type LegacyRawBatch = { statementId: string; batch: number; codec: string };

/** Each statement event's type and its data (both persisted: never change either). */
type StatementEventData = {
  StatementImportStarted: {
    statementId: string;
    sha256: string;
    file: string;
    bytes: number;
    format: StatementFormat;
    party: StatementParty;
    /** Issuer as the parser names it: wechat, alipay, unionpay, allinpay, his, insurance. */
    source: string;
    /** The platform channel whose movements the statement reports (null for the HIS extract: one per line). */
    channel: string | null;
    merchantId: string | null;
    businessDate: string | null;
    /** Where the file came from (upload, sftp, api download …) and who imported it. */
    origin: string;
    /** Lines the verified summary announced (the marker repeats it). */
    lines: number;
  };
  /**
   * A batch of a statement's lines. Schema version 2 writes the columnar encoding (line-columns.ts, codec
   * `columns/1`): the normalized fields beside the raw rows, read back without a parser. Version 1 events hold
   * one of the legacy encodings, told apart by `codec`: the line objects (no codec) or `wechat-raw/1` (the WeChat
   * rows' raw text only, re-parsed on read by the statement adapters). Events are never rewritten: the v1 → v2
   * upcaster keeps a legacy batch as it is, and every reader takes the three encodings.
   */
  StatementLinesImported: ColumnBatch | LegacyObjectBatch | LegacyRawBatch;
  /** The completion marker: the statement's lines are visible to reconciliation only once it exists. */
  StatementImported: { statementId: string; batches: number; summary: StatementSummary & JsonObject };
};

export type StatementImportStarted = EventOf<StatementEventData, 'StatementImportStarted'>;
export type StatementLinesImported = EventOf<StatementEventData, 'StatementLinesImported'>;
export type StatementImported = EventOf<StatementEventData, 'StatementImported'>;
export type StatementEvent = EventOf<StatementEventData>;

// ---- discrepancies: stream `<hospitalId>/discrepancy/<discrepancyId>` ----

/** How finance staff resolve a discrepancy. */
export const RESOLUTION_ACTIONS = [
  'refund-patient',
  'repush-his',
  'adjusting-entry',
  'accept',
  'write-off',
] as const;
export type ResolutionAction = (typeof RESOLUTION_ACTIONS)[number];

/** Actions that move money and so need a second person's approval (maker-checker). */
export const MONEY_MOVING_ACTIONS: ReadonlySet<ResolutionAction> = new Set([
  'refund-patient',
  'adjusting-entry',
  'write-off',
]);

/** Rules that resolve a discrepancy without a person. */
export const AUTO_RESOLUTION_RULES = ['timing-cleared', 'his-synced', 'no-longer-found'] as const;
export type AutoResolutionRule = (typeof AUTO_RESOLUTION_RULES)[number];

/** An evidence file as attached: its bytes are stored by hash. */
export type EvidenceFile = {
  /** The match it was attached to, when attached to a match (one event on each of its items). */
  matchId: string | null;
  sha256: string;
  file: string;
  contentType: string;
  bytes: number;
  note: string;
};

/** Each discrepancy event's type and its data (both persisted: never change either). */
type DiscrepancyEventData = {
  DiscrepancyRaised: {
    discrepancyId: string;
    findingKey: string;
    type: DiscrepancyType;
    channel: string;
    businessDate: string;
    subject: string;
    amount: MoneyString;
    finding: Finding & JsonObject;
    /** The reconciliation run that found it. */
    runId: string;
  };
  DiscrepancyAutoResolved: { discrepancyId: string; rule: AutoResolutionRule; reason: string; runId: string };
  /** A difference a rule had resolved is found again by a later run: it is open again, for people to work. */
  DiscrepancyReopened: {
    discrepancyId: string;
    runId: string;
    amount: MoneyString;
    reason: string;
    /** The finding as found again (its amounts may differ); absent on events written before it was kept. */
    finding?: Finding & JsonObject;
  };
  DiscrepancyAssigned: { discrepancyId: string; assignee: string; by: string };
  DiscrepancyResolutionProposed: {
    discrepancyId: string;
    action: ResolutionAction;
    reason: string;
    by: string;
    amount: MoneyString;
  };
  DiscrepancyResolutionApproved: { discrepancyId: string; action: ResolutionAction; by: string };
  /** The checker sends a money-moving proposal back: the discrepancy is worked again (assigned, or open). */
  DiscrepancyResolutionRejected: {
    discrepancyId: string;
    action: ResolutionAction;
    reason: string;
    by: string;
    proposedBy: string;
  };
  /** A note on the discrepancy's file (what was checked, who was called); changes nothing else. */
  DiscrepancyCommented: { discrepancyId: string; text: string; by: string };
  DiscrepancyResolved: {
    discrepancyId: string;
    action: ResolutionAction;
    reason: string;
    /** Who proposed the resolution (the maker). */
    by: string;
    /** The checker, for money-moving actions; null otherwise. */
    approvedBy: string | null;
  };
  /**
   * A journal entry decided while resolving a discrepancy: one debit, one credit, the same amount (posted by
   * ledger/postings.ts). An adjusting entry parks the difference in suspense:unmatched; a write-off books it to
   * writeoff:gain / writeoff:loss. Events written before write-offs posted carry no `action`: adjusting entries.
   */
  AdjustingEntryPosted: {
    discrepancyId: string;
    action?: 'adjusting-entry' | 'write-off';
    channel: string;
    businessDate: string;
    debitAccount: string;
    creditAccount: string;
    amount: MoneyString;
    memo: string;
  };
  /** A person's match (manual-match.ts) explains the item: it is settled by the match, not resolved on its own. */
  DiscrepancyMatched: {
    discrepancyId: string;
    matchId: string;
    reason: string;
    by: string;
    approvedBy: string | null;
  };
  /** The match that settled the item is undone: the item is open again, as it was before the match. */
  DiscrepancyUnmatched: { discrepancyId: string; matchId: string; reason: string; by: string };
  /**
   * A difference a match named (fee, shortfall, surplus) is withdrawn with its match: it no longer counts among
   * the day's discrepancies, neither open nor resolved.
   */
  DiscrepancyWithdrawn: { discrepancyId: string; matchId: string; reason: string; by: string };
  /** An evidence file attached to the discrepancy (or to the match that settles it); its bytes are stored by hash. */
  EvidenceAttached: { discrepancyId: string } & EvidenceFile & { by: string };
};

export type DiscrepancyRaised = EventOf<DiscrepancyEventData, 'DiscrepancyRaised'>;
export type DiscrepancyResolved = EventOf<DiscrepancyEventData, 'DiscrepancyResolved'>;
export type AdjustingEntryPosted = EventOf<DiscrepancyEventData, 'AdjustingEntryPosted'>;
export type EvidenceAttached = EventOf<DiscrepancyEventData, 'EvidenceAttached'>;
export type DiscrepancyEvent = EventOf<DiscrepancyEventData>;

// ---- reconciliation days: stream `<hospitalId>/recon-day/<channel>:<businessDate>` ----

export interface CountAmount {
  count: number;
  amount: MoneyString;
}

/** What one run of reconciliation found for a day and channel. */
export interface DaySummary {
  matched: CountAmount;
  /** Matched across the date cut-off (the counterpart is on the neighbouring day). */
  timing: CountAmount;
  byType: Record<DiscrepancyType, CountAmount>;
  /** Per party: lines/movements considered and their gross amount. */
  parties: Record<string, CountAmount>;
  // Absent on runs recorded before pending items existed (read as none).
  /** Held pending (未达账项): counted apart, not discrepancies; carried forward to the next day. */
  pending?: CountAmount;
  pendingItems?: PendingItem[];
  /** Lines that failed at the channel (no money moved) and that no platform movement claims. */
  failed?: CountAmount;
  /** What became of the previous day's pending items. */
  carriedIn?: CarriedIn | null;
}

/** Each reconciliation day event's type and its data (both persisted: never change either). */
type ReconciliationDayEventData = {
  ReconciliationRun: {
    runId: string;
    channel: string;
    businessDate: string;
    summary: DaySummary & JsonObject;
    /** SHA-256 of every statement the run used (core and neighbouring days). */
    statements: string[];
    findings: number;
    /** Discrepancy ids open after the run. */
    open: string[];
    config: JsonObject;
  };
  DayClosed: {
    channel: string;
    businessDate: string;
    runId: string;
    summary: DaySummary & JsonObject;
    by: string;
  };
  DayReopened: { channel: string; businessDate: string; reason: string; by: string };
};

export type DayClosed = EventOf<ReconciliationDayEventData, 'DayClosed'>;
export type ReconciliationDayEvent = EventOf<ReconciliationDayEventData>;

export type ReconciliationEvent = StatementEvent | DiscrepancyEvent | ReconciliationDayEvent | MatchBookEvent;
export type ReconciliationEventType = ReconciliationEvent['type'];

/** Schema version written for each reconciliation event type (bump with an upcaster, as in ../events.ts). */
export const RECONCILIATION_SCHEMA_VERSION: Readonly<Record<ReconciliationEventType, number>> = {
  StatementImportStarted: 1,
  StatementLinesImported: 2,
  StatementImported: 1,
  DiscrepancyRaised: 1,
  DiscrepancyAutoResolved: 1,
  DiscrepancyReopened: 1,
  DiscrepancyAssigned: 1,
  DiscrepancyResolutionProposed: 1,
  DiscrepancyResolutionApproved: 1,
  DiscrepancyResolutionRejected: 1,
  DiscrepancyCommented: 1,
  DiscrepancyResolved: 1,
  AdjustingEntryPosted: 1,
  ReconciliationRun: 1,
  DayClosed: 1,
  DayReopened: 1,
  DiscrepancyMatched: 1,
  DiscrepancyUnmatched: 1,
  DiscrepancyWithdrawn: 1,
  EvidenceAttached: 1,
  ManualMatchRequested: 1,
  ManualMatchRecorded: 1,
  ManualMatchRejected: 1,
  UnmatchRequested: 1,
  UnmatchRejected: 1,
  MatchUndone: 1,
  ProposalRejected: 1,
};

export const RECONCILIATION_EVENT_CATEGORY: Readonly<
  Record<ReconciliationEventType, 'statement' | 'discrepancy' | 'recon-day' | 'match-book'>
> = {
  StatementImportStarted: 'statement',
  StatementLinesImported: 'statement',
  StatementImported: 'statement',
  DiscrepancyRaised: 'discrepancy',
  DiscrepancyAutoResolved: 'discrepancy',
  DiscrepancyReopened: 'discrepancy',
  DiscrepancyAssigned: 'discrepancy',
  DiscrepancyResolutionProposed: 'discrepancy',
  DiscrepancyResolutionApproved: 'discrepancy',
  DiscrepancyResolutionRejected: 'discrepancy',
  DiscrepancyCommented: 'discrepancy',
  DiscrepancyResolved: 'discrepancy',
  AdjustingEntryPosted: 'discrepancy',
  ReconciliationRun: 'recon-day',
  DayClosed: 'recon-day',
  DayReopened: 'recon-day',
  DiscrepancyMatched: 'discrepancy',
  DiscrepancyUnmatched: 'discrepancy',
  DiscrepancyWithdrawn: 'discrepancy',
  EvidenceAttached: 'discrepancy',
  ManualMatchRequested: 'match-book',
  ManualMatchRecorded: 'match-book',
  ManualMatchRejected: 'match-book',
  UnmatchRequested: 'match-book',
  UnmatchRejected: 'match-book',
  MatchUndone: 'match-book',
  ProposalRejected: 'match-book',
};

export function isReconciliationEventType(type: string): type is ReconciliationEventType {
  return Object.hasOwn(RECONCILIATION_SCHEMA_VERSION, type);
}
