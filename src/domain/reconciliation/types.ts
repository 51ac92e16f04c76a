// Reconciliation vocabulary shared by the matching engine, the discrepancy lifecycle, the scenario generator
// and its answer key (DESIGN §6, STATEMENT-FORMATS §5). Pure types and helpers.

/**
 * What a difference between the parties is. Display labels follow the finance (cash) view: 长款 = money
 * at the channel the records lack, 短款 = records the channel's money does not back.
 */
export const DISCREPANCY_TYPES = [
  /** 长款 / 渠道单边: the channel has a movement the platform does not. */
  'CHANNEL_ONLY',
  /** 短款 / 平台单边: the platform has a movement the channel does not (after the cross-day window). */
  'PLATFORM_ONLY',
  /** 掉单: paid at the channel and on the platform, missing from the HIS extract (not written back). */
  'HIS_MISSING',
  /** The HIS charged something no platform movement paid for. */
  'HIS_ONLY',
  /** The same movement with different amounts at two parties. */
  'AMOUNT_MISMATCH',
  /** The parties disagree on what happened (e.g. refunded at the channel only). */
  'STATUS_MISMATCH',
  /** One movement appears twice on a statement. */
  'DUPLICATE',
  /** The channel charged a fee other than the agreed rate gives. */
  'FEE_MISMATCH',
  /** The bank received less than the channel owed for the day (net of fees). */
  'SETTLEMENT_SHORTFALL',
] as const;
export type DiscrepancyType = (typeof DISCREPANCY_TYPES)[number];

export const DISCREPANCY_LABELS: Readonly<Record<DiscrepancyType, { zh: string; en: string }>> = {
  CHANNEL_ONLY: { zh: '长款（渠道单边）', en: 'Channel only (long)' },
  PLATFORM_ONLY: { zh: '短款（平台单边）', en: 'Platform only (short)' },
  HIS_MISSING: { zh: 'HIS 未写回（掉单）', en: 'Paid, not in HIS' },
  HIS_ONLY: { zh: 'HIS 单边', en: 'HIS only' },
  AMOUNT_MISMATCH: { zh: '金额不符', en: 'Amount mismatch' },
  STATUS_MISMATCH: { zh: '状态不符', en: 'Status mismatch' },
  DUPLICATE: { zh: '重复记录', en: 'Duplicate' },
  FEE_MISMATCH: { zh: '手续费不符', en: 'Fee mismatch' },
  SETTLEMENT_SHORTFALL: { zh: '结算短款', en: 'Settlement shortfall' },
};

/** A money movement as the platform ledger knows it (from the order and deposit events). */
export interface PlatformMovement {
  hospitalId: string;
  channel: string;
  kind: 'payment' | 'refund';
  /** 商户订单号 (the platform order id). */
  merchantOrderNo: string;
  /** 商户退款单号 on refunds. */
  refundNo?: string;
  channelTxnId?: string;
  /** The channel's refund id (微信退款单号) on refunds, when the platform knows it. */
  channelRefundId?: string;
  /** Positive, two decimals. */
  amount: string;
  /** ISO-8601 UTC. */
  occurredAt: string;
  businessDate: string;
  /** registration | outpatient | deposit | surplus */
  businessType: string;
}

/** Where a finding came from, for the audit trail: a statement line or a platform event. */
export interface FindingSource {
  party: 'platform' | 'channel' | 'his' | 'bank';
  /** Statement SHA-256 and line number, or the event position. */
  ref: string;
}

/** One difference found by reconciliation; becomes a discrepancy entity. */
export interface Finding {
  type: DiscrepancyType;
  hospitalId: string;
  channel: string;
  businessDate: string;
  /**
   * The identity of what differs, stable across re-runs (the discrepancy id derives from it):
   * the refund no for refunds, the merchant order no for payments, `fee:<order no>`, `settlement:<date>`,
   * `his:<kind>:<his no>` for HIS-only lines, `dup:<key>` for duplicate lines.
   *
   * Refined by the matching engine (matching.ts) — the generator's answer key uses the same:
   * - a platform surplus payment (DuplicatePaymentReceived) is `<order no>:<channel txn id>`;
   * - CHANNEL_ONLY: the line's order no (payments) / refund no (refunds); a line without one is
   *   `txn:<channel txn id>` (refunds: `txn:<channel refund id>`), and a line with no key at all
   *   `line:<statement sha256 first 12>:<line no>`; a second channel-only line on the same order no gets
   *   `<order no>:<channel txn id>`;
   * - PLATFORM_ONLY, AMOUNT_MISMATCH (channel vs platform), HIS_MISSING: the platform movement's subject;
   * - AMOUNT_MISMATCH between the HIS and the platform: `his:payment:<his no>`;
   * - HIS_ONLY: `his:payment:<his no>`, `his:refund:<his no>:<refund no>` (a charge and its refund may share
   *   a HIS no; without one, the refund no / order no stands for it);
   * - a finding whose key another finding already holds (a third copy of a line…) gets `#<its first source>`
   *   appended: no finding replaces another;
   * - STATUS_MISMATCH (refunded at the channel only): the refund no on the channel line;
   * - DUPLICATE: `dup:<subject of the movement>` (`dup:<order no>`, `dup:<refund no>`), amount = the extra line's;
   * - FEE_MISMATCH: `fee:<order no>` on payments, `fee:<refund no>` on refunds; amount = |printed − expected|
   *   with expected = round_half_up(amount × agreed rate, 2), negated on refunds;
   * - SETTLEMENT_SHORTFALL: `settlement:<business date>`; amount = day net (Σpay − Σrefund − Σfee) − Σsettled.
   */
  subject: string;
  /** The money at stake: for mismatches the difference; otherwise the movement's amount. Positive, 2 decimals. */
  amount: string;
  /** What each party says, where it says anything (two decimals; fees as printed). */
  amounts: Partial<Record<'platform' | 'channel' | 'his' | 'bank' | 'expected', string>>;
  reason: string;
  sources: FindingSource[];
}

/**
 * What a pending item (未达账项) waits for: the neighbouring day's statement (a movement inside the cut-off
 * window the channel may book on that day), the platform's own next-day window (a channel line at the very end
 * of the day whose platform record may still come), or the outcome of a line the channel still processes.
 */
export const PENDING_REASONS = [
  'next-statement',
  'previous-statement',
  'platform-next-day',
  'in-flight',
] as const;
export type PendingReason = (typeof PENDING_REASONS)[number];

/**
 * A movement held, not raised: visible and counted apart in the day summary, carried forward to the next day,
 * and raised as `finding` (its real type) once `deadline` passes without its counterpart.
 */
export interface PendingItem {
  awaiting: PendingReason;
  kind: 'payment' | 'refund';
  /** ISO-8601 UTC instant after which the item is raised as its finding. */
  deadline: string;
  /** What it is raised as at the deadline (its business date is the day it was found on). */
  finding: Finding;
}

/** What became of the pending items a day carried in from the previous day's last run. */
export interface CarriedIn {
  from: string;
  count: number;
  /** Counterpart found (a timing difference, or the in-flight movement completed). */
  cleared: number;
  /** Deadline passed: raised with their real type. */
  raised: number;
  /** Still waiting (listed among this day's pending items). */
  pending: number;
}

/** What the scenario generator injected: reconciliation must find exactly these. */
export interface AnswerKeyEntry {
  type: DiscrepancyType;
  channel: string;
  businessDate: string;
  subject: string;
  amount: string;
}

/**
 * What the generator says must become of an injected case that is not (or not yet) an open discrepancy:
 * `pending` while the neighbouring statement is missing (and, with it imported, `resolved` as a timing
 * difference), `matched` when the engine must pair it without any finding (groups, failed lines).
 */
export interface AnswerKeyCase {
  /** The generator's anomaly kind (docs/reconciliation.md lists them). */
  case: string;
  channel: string;
  businessDate: string;
  subject: string;
  amount: string;
  /** Without the next day's statements imported. */
  withoutNextDay: 'pending' | 'open' | 'matched';
  /** With them imported. */
  withNextDay: 'resolved' | 'pending' | 'open' | 'matched';
  awaiting?: PendingReason;
}

export function findingKey(f: Pick<Finding, 'type' | 'channel' | 'businessDate' | 'subject'>): string {
  return `${f.type}|${f.channel}|${f.businessDate}|${f.subject}`;
}

export interface AnswerKeyComparison {
  /** Injected anomalies not found (recall misses). */
  missing: AnswerKeyEntry[];
  /** Findings that were not injected (precision misses). */
  unexpected: Finding[];
  /** Found with the right type and subject but another amount. */
  wrongAmount: { expected: AnswerKeyEntry; found: Finding }[];
  precision: number;
  recall: number;
}

/** Compares findings with an answer key: both precision and recall are 1 only on an exact match. */
export function compareWithAnswerKey(
  findings: readonly Finding[],
  key: readonly AnswerKeyEntry[],
): AnswerKeyComparison {
  const found = new Map(findings.map((f) => [findingKey(f), f]));
  const expected = new Map(key.map((k) => [findingKey(k), k]));
  const missing = [...expected].filter(([k]) => !found.has(k)).map(([, v]) => v);
  const unexpected = [...found].filter(([k]) => !expected.has(k)).map(([, v]) => v);
  const wrongAmount = [...expected]
    .filter(([k, v]) => found.has(k) && found.get(k)!.amount !== v.amount)
    .map(([k, v]) => ({ expected: v, found: found.get(k)! }));
  const correct = expected.size - missing.length - wrongAmount.length;
  return {
    missing,
    unexpected,
    wrongAmount,
    precision: found.size === 0 ? 1 : correct / found.size,
    recall: expected.size === 0 ? 1 : correct / expected.size,
  };
}

/** An open discrepancy as manual matching and its proposals read it. */
export interface DiscrepancyItem {
  discrepancyId: string;
  type: DiscrepancyType;
  channel: string;
  businessDate: string;
  subject: string;
  amount: string;
}
