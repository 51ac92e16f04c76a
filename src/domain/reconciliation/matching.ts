// The matching rules (DESIGN §6): pure. The driver (src/projections/reconciliation/reconcile.ts) feeds a Matcher
// the platform movements of a hospital, channel and business date, then streams the statement lines through
// it batch by batch; only the platform index and the lines left unmatched stay in memory.
//
// Passes, in order:
//   1. exact keys — payments by channel txn id (else merchant order no when one side lacks the txn id),
//      refunds by merchant refund no (else the channel refund id). A second line on an already matched key is
//      a DUPLICATE; a key matched with another amount is an AMOUNT_MISMATCH.
//   2. amount + time window — lines without any key (bank, cash) against the platform movements left, same
//      kind and amount, closest in time within `keylessWindowSeconds`.
//   3. many-to-one / one-to-many — lines left that share an order (or refund) no with a platform movement
//      left, whose amounts add up to it (a split payment, a batch); and the day's settlement against the
//      channel's net (Σ payments − Σ refunds − Σ fees).
//   Cut-off window: movements and lines of the neighbouring days within `cutoffWindowMinutes` of the date's
//   boundaries are indexed as `edge`; a core item matched with an edge item is a TIMING difference, counted
//   apart and never a discrepancy. Edge items left unmatched belong to their own day and are ignored.
// Then what is left is classified into DISCREPANCY_TYPES (see types.ts for subjects and amounts).
import { Decimal } from 'decimal.js';
import { type LineRows, type MatchLine, objectRows } from './line-rows.ts';
import { lineStateOf } from './line-status.ts';
import { money2, type StatementLine } from './statement-line.ts';
import { TextSum } from './units.ts';
import {
  type CarriedIn,
  DISCREPANCY_TYPES,
  type DiscrepancyType,
  type Finding,
  findingKey,
  type PendingItem,
  type PendingReason,
  type PlatformMovement,
} from './types.ts';

export interface MatchingConfig {
  /** Minutes either side of the date cut-off within which a counterpart may sit on the neighbouring day. */
  cutoffWindowMinutes: number;
  /** Pass 2: most seconds between a key-less line and the platform movement it matches. */
  keylessWindowSeconds: number;
  /** Agreed fee rate per channel as a decimal fraction (`wechat: '0.006'`); channels without one are not fee-checked. */
  feeRates: Readonly<Record<string, string>>;
  /** Whether to compare with the HIS extract when one was imported for the date. */
  checkHis: boolean;
  /**
   * Hours after the end of the business date that a movement inside the cut-off window waits, pending, for the
   * neighbouring day's statement; past them it is raised with its real type. The channel issues T+1's bill on
   * T+2 from 09:00, so 48 hours leave a day's margin.
   */
  pendingDeadlineHours: number;
  /** Hours after the end of the business date a line the channel still processes (in flight) is followed. */
  inFlightDeadlineHours: number;
}

export const DEFAULT_MATCHING_CONFIG: MatchingConfig = {
  cutoffWindowMinutes: 30,
  keylessWindowSeconds: 300,
  feeRates: {},
  checkHis: true,
  pendingDeadlineHours: 48,
  inFlightDeadlineHours: 168,
};

/** Most lines a one-line-for-many-movements group may cover (bounds the subset search: 2^12 sums). */
export const MAX_COVERED_MOVEMENTS = 12;

/**
 * What a run knows besides its inputs: the day's boundaries, the instant it runs at (deadlines), whether the
 * neighbouring days' statements of the channel are imported, and the pending items the previous day's last run
 * carried forward. Without it (`finish()` alone) nothing is held pending.
 */
export interface RunContext {
  /** First instant of the date and of the next date (epoch ms). */
  start: number;
  end: number;
  /** The run's business time (epoch ms). */
  asOf: number;
  neighbours: { previous: boolean; next: boolean };
  carried?: { from: string; items: readonly PendingItem[] };
  /** The payout check (payout.ts) judges the day's settlement: the matcher's own net check stands down. */
  settlementByPayout?: boolean;
}

/** Most lines a many-to-one group may combine (split payments, batches); bounds the subset search. */
export const MAX_GROUP_LINES = 16;

/** Which side of the day an item is on: its own date, or a neighbouring date within the cut-off window. */
export type Role = 'core' | 'edge';

export type CountAmount = { count: number; amount: string };

/** A platform movement as the matcher takes it. */
export interface PlatformItem extends PlatformMovement {
  /** Audit reference: the movement id (`pay:<txn>`, `refund:<refund no>`) or the event position. */
  ref: string;
  /** A surplus payment (DuplicatePaymentReceived): its subject is `<order no>:<channel txn id>`. */
  surplus?: boolean;
  /** HIS writeback status of a payment (`synced` = the HIS confirmed it, possibly after the extract). */
  hisStatus?: string | null;
}

/** A settlement transfer (bank statement line or ChannelSettlementReceived) for the channel and date. */
export interface SettlementItem {
  ref: string;
  amount: string;
  party: 'bank' | 'platform' | 'channel';
}

export interface MatchResult {
  matched: CountAmount;
  timing: CountAmount;
  byType: Record<DiscrepancyType, CountAmount>;
  /** Sorted by finding key: the same inputs give the same list, whatever order they came in. */
  findings: Finding[];
  /** Per party: items considered (core) and their gross amount. */
  parties: Record<string, CountAmount>;
  /** Subjects matched across the cut-off (rule "timing difference cleared next day"). */
  timingSubjects: string[];
  /** Payments missing from the HIS extract whose writeback has since succeeded (rule "HIS synced on retry"). */
  hisSyncedSubjects: string[];
  /** Held, not raised (未达账项): sorted by finding key. */
  pending: PendingItem[];
  /** Lines whose money never moved (failed at the channel) and that no platform movement claims. */
  failed: CountAmount;
  carriedIn: CarriedIn | null;
  /** The day's clearing as the channel's trade lines state it (for the payout check). */
  clearing: { payments: string; refunds: string; fees: string };
}

export function emptyByType(): Record<DiscrepancyType, CountAmount> {
  return Object.fromEntries(DISCREPANCY_TYPES.map((t) => [t, { count: 0, amount: '0.00' }])) as Record<
    DiscrepancyType,
    CountAmount
  >;
}

/** What a matched line keeps: its amount and where it is (statement, line). A million stay in memory. */
interface LineRef {
  amount: string;
  statement: string;
  lineNo: number;
}

/** Compact line kept by the matcher while unmatched: what classification needs, nothing of the raw text. */
interface Held extends LineRef {
  kind: 'payment' | 'refund';
  /** The channel still processes it (in flight): followed, not settled. */
  inFlight: boolean;
  occurredAt: number;
  channelTxnId: string | undefined;
  merchantOrderNo: string | undefined;
  refundNo: string | undefined;
  channelRefundId: string | undefined;
  hisNo: string | undefined;
}

/**
 * A platform movement as indexed, with the party lines matched to it. The movement's fields sit on the entry
 * itself (no PlatformItem kept): only what matching and classification read.
 */
interface Entry {
  kind: 'payment' | 'refund';
  merchantOrderNo: string;
  refundNo: string | undefined;
  channelTxnId: string | undefined;
  channelRefundId: string | undefined;
  amount: string;
  /** The movement id; undefined when it is the usual one (`pay:<txn id>`, `refund:<refund no>`): refOf. */
  ref: string | undefined;
  surplus: boolean;
  hisStatus: string | null | undefined;
  role: Role;
  at: number;
  /** The channel line(s) matched: the first, and any further ones on the same key (duplicates). */
  channel: LineRef | undefined;
  extra: LineRef[] | undefined;
  channelRole: Role | undefined;
  his: Held | undefined;
  hisExtra: Held[] | undefined;
  hisRole: Role | undefined;
}

type Slot = Entry | Entry[];

const lineRef = (h: LineRef) => `${h.statement.slice(0, 12)}:${h.lineNo}`;

function compareHeld(a: LineRef, b: LineRef): number {
  if (a.statement !== b.statement) return a.statement < b.statement ? -1 : 1;
  return a.lineNo - b.lineNo;
}

/** Shared copies of the strings a million movements repeat (amounts, statuses). */
class Interner {
  private readonly map = new Map<string, string>();
  get(s: string): string {
    const v = this.map.get(s);
    if (v !== undefined) return v;
    if (this.map.size < 1_000_000) this.map.set(s, s);
    return s;
  }
}

export class Matcher {
  private readonly entries: Entry[] = [];
  /** Payments by channel txn id and by order no; refunds by refund no and by channel refund id. */
  private readonly byTxn = new Map<string, Slot>();
  private readonly byOrder = new Map<string, Slot>();
  /**
   * The order-number index is built at its first use: channel lines carry txn ids, so only HIS lines and lines
   * without a txn id look payments up by order no, and a day without them never pays for a million more map
   * entries. Built from `entries` in insertion order, so it holds exactly what eager indexing would.
   */
  private byOrderBuilt = false;
  private readonly byRefund = new Map<string, Slot>();
  private readonly byChannelRefund = new Map<string, Slot>();
  private readonly strings = new Interner();
  private readonly channelLeft: Held[] = [];
  private readonly channelEdgeLeft: Held[] = [];
  private readonly hisLeft: Held[] = [];
  private readonly hisEdge: Held[] = [];
  private readonly settlements: SettlementItem[] = [];
  /** Core lines whose money never moved (failed at the channel). */
  private readonly failedLines: Held[] = [];
  private readonly feeFindings = new Map<string, Finding>();
  private readonly statements = new Set<string>();
  // Exact sums in integer units (units.ts): a million Decimal additions per run cost seconds.
  private readonly channelFees = new TextSum();
  private readonly channelCore = { count: 0, payments: new TextSum(), refunds: new TextSum() };
  private hisCore = { count: 0, amount: new Decimal(0) };
  private hisSeen = false;

  constructor(
    readonly scope: { hospitalId: string; channel: string; businessDate: string },
    readonly config: MatchingConfig = DEFAULT_MATCHING_CONFIG,
  ) {}

  /** Statements whose lines were fed (SHA-256), sorted. */
  statementsUsed(): string[] {
    return [...this.statements].sort();
  }

  addPlatform(item: PlatformItem, role: Role): void {
    this.addMovement(item, role, Date.parse(item.occurredAt));
  }

  /** addPlatform with the instant already in epoch milliseconds (the driver indexes a million at once). */
  addMovement(
    item: Omit<
      PlatformItem,
      'occurredAt' | 'hospitalId' | 'channel' | 'businessDate' | 'businessType' | 'ref'
    > & {
      /** Omitted when it is the id the movement's key gives (`pay:<txn id>`, `refund:<refund no>`). */
      ref?: string;
    },
    role: Role,
    at: number,
  ): void {
    const e: Entry = {
      kind: item.kind,
      merchantOrderNo: item.merchantOrderNo,
      refundNo: item.refundNo,
      channelTxnId: item.channelTxnId,
      channelRefundId: item.channelRefundId,
      amount: this.strings.get(item.amount),
      ref: item.ref === undefined || derivedRef(item, item.ref) ? undefined : item.ref,
      surplus: item.surplus === true,
      hisStatus: item.hisStatus == null ? item.hisStatus : this.strings.get(item.hisStatus),
      role,
      at,
      channel: undefined,
      extra: undefined,
      channelRole: undefined,
      his: undefined,
      hisExtra: undefined,
      hisRole: undefined,
    };
    this.entries.push(e);
    if (e.kind === 'payment') {
      if (this.byOrderBuilt) index(this.byOrder, e.merchantOrderNo, e);
      if (e.channelTxnId) index(this.byTxn, e.channelTxnId, e);
    } else {
      if (e.refundNo) index(this.byRefund, e.refundNo, e);
      if (e.channelRefundId) index(this.byChannelRefund, e.channelRefundId, e);
    }
  }

  addSettlement(s: SettlementItem): void {
    this.settlements.push(s);
  }

  /** The day's credits on a bank statement (undefined when no bank statement line settled the day). */
  bankCredits(): { ref: string; amount: string }[] | undefined {
    const credits = this.settlements.filter((s) => s.party === 'bank');
    return credits.length > 0 ? credits.map((s) => ({ ref: s.ref, amount: s.amount })) : undefined;
  }

  /** Feeds channel (or bank POS) statement lines of this channel. Core lines first, then edge lines. */
  addChannelLines(lines: readonly StatementLine[], statement: string, role: Role): void {
    this.addChannelRows(objectRows(lines), statement, role);
  }

  /**
   * addChannelLines over a batch read in place (line-rows.ts): every line, or the lines `picked` (indices in
   * order). No object is kept per line: a matched line leaves its amount and reference, an unmatched one a Held.
   */
  addChannelRows(rows: LineRows, statement: string, role: Role, picked?: ArrayLike<number>): void {
    this.statements.add(statement);
    // A core line takes any movement of its key; an edge line only one no line claimed yet.
    const accept = role === 'core' ? ANY : (x: Entry) => x.channel === undefined;
    const n = picked ? picked.length : rows.count;
    for (let j = 0; j < n; j++) {
      const printed = rows.line(picked ? picked[j]! : j);
      // A split payment: the insurance settles its fund's share, the patient's self-pay part goes through
      // another channel and is matched there.
      const line = printed.party === 'insurance' && printed.amounts ? insuranceShare(printed) : printed;
      if (line.kind === 'settlement') {
        if (role === 'core')
          this.settlements.push({
            ref: `${statement.slice(0, 12)}:${line.lineNo}`,
            amount: line.amount,
            party: line.party === 'bank' ? 'bank' : 'channel',
          });
        continue;
      }
      if (line.kind === 'fee') {
        if (role === 'core' && line.fee === undefined) this.channelFees.add(line.amount);
        continue;
      }
      // Account-statement movements (fund-flow income and expense) are not trades: the payout check reads them.
      if (line.kind !== 'payment' && line.kind !== 'refund') continue;
      const kind = line.kind;
      const state = line.status === undefined ? 'done' : lineStateOf(line.status);
      // A failed line moved no money: it counts in no total and only matters against a platform movement.
      if (state === 'failed') {
        if (role === 'core') this.failedLines.push(hold(line, statement));
        continue;
      }
      if (role === 'core') {
        this.channelCore.count++;
        if (kind === 'payment') this.channelCore.payments.add(line.amount);
        else this.channelCore.refunds.add(line.amount);
        if (line.fee !== undefined) {
          this.channelFees.add(line.fee);
          this.checkFee(line, kind, statement);
        }
      }
      const e = this.findEntry(
        kind,
        line.channelTxnId || undefined,
        line.merchantOrderNo || undefined,
        line.refundNo || undefined,
        line.channelRefundId || undefined,
        accept,
        false,
      );
      if (!e || (role === 'edge' && (e.role !== 'core' || e.channel))) {
        // An edge line only clears a core movement nobody matched yet.
        const h = hold(line, statement);
        h.inFlight = state === 'in-flight';
        (role === 'core' ? this.channelLeft : this.channelEdgeLeft).push(h);
        continue;
      }
      // A matched line keeps only what classification reads (amount, reference): a million stay in memory.
      const kept: LineRef = {
        amount: line.amount === e.amount ? e.amount : line.amount,
        statement,
        lineNo: line.lineNo,
      };
      if (e.channel === undefined) {
        e.channel = kept;
        e.channelRole = role;
      } else (e.extra ??= []).push(kept);
    }
  }

  /** Feeds HIS extract lines (all channels: those paid through another channel are skipped). */
  addHisLines(lines: readonly StatementLine[], statement: string, role: Role): void {
    this.addHisRows(objectRows(lines), statement, role);
  }

  /** addHisLines over a batch read in place: every line, or the lines `picked`. */
  addHisRows(rows: LineRows, statement: string, role: Role, picked?: ArrayLike<number>): void {
    this.statements.add(statement);
    if (role === 'core') this.hisSeen = true;
    const n = picked ? picked.length : rows.count;
    for (let j = 0; j < n; j++) {
      const line = rows.line(picked ? picked[j]! : j);
      if (line.kind !== 'payment' && line.kind !== 'refund') continue;
      if (line.payChannel !== undefined && line.payChannel !== this.scope.channel) continue;
      const h = hold(line, statement);
      if (role === 'core') {
        this.hisCore.count++;
        this.hisCore.amount = this.hisCore.amount.plus(h.amount);
      }
      const e = this.findHeld(h, true);
      if (!e || (role === 'edge' && (e.role !== 'core' || e.his))) {
        (role === 'core' ? this.hisLeft : this.hisEdge).push(h);
        continue;
      }
      if (e.his === undefined) {
        e.his = h;
        e.hisRole = role;
      } else (e.hisExtra ??= []).push(h);
    }
  }

  /** Orders of channel refund lines left unmatched: the driver says which of them the platform knows as paid. */
  unmatchedRefundOrders(): string[] {
    const s = new Set<string>();
    for (const h of this.channelLeft) if (h.kind === 'refund' && h.merchantOrderNo) s.add(h.merchantOrderNo);
    return [...s].sort();
  }

  private orders(): Map<string, Slot> {
    if (!this.byOrderBuilt) {
      for (const e of this.entries) if (e.kind === 'payment') index(this.byOrder, e.merchantOrderNo, e);
      this.byOrderBuilt = true;
    }
    return this.byOrder;
  }

  private findEntry(
    kind: 'payment' | 'refund',
    txn: string | undefined,
    order: string | undefined,
    refundNo: string | undefined,
    channelRefundId: string | undefined,
    accept: (e: Entry) => boolean,
    his: boolean,
  ): Entry | undefined {
    if (kind === 'payment') {
      // A txn id the platform does not know is a payment the platform lacks, whatever its order no says; the
      // order no identifies the payment only on lines without a txn id and on the HIS side.
      if (!his && txn) return pick(this.byTxn.get(txn), accept, his);
      return order ? pick(this.orders().get(order), accept, his) : undefined;
    }
    const byRefundNo = refundNo ? pick(this.byRefund.get(refundNo), accept, his) : undefined;
    // POS refunds (消费撤销/退货) print no refund no and their own reference (参考号) as the txn id: the platform
    // holds that reference as the refund's channel refund id.
    const channelRef = channelRefundId ?? (refundNo ? undefined : txn);
    if (byRefundNo || his || !channelRef) return byRefundNo;
    return pick(this.byChannelRefund.get(channelRef), accept, his);
  }

  /** The platform movement a held line names, matched or not: findEntry on the references it kept. */
  private findHeld(h: Held, his: boolean): Entry | undefined {
    return this.findEntry(h.kind, h.channelTxnId, h.merchantOrderNo, h.refundNo, h.channelRefundId, ANY, his);
  }

  private checkFee(line: MatchLine, kind: 'payment' | 'refund', statement: string): void {
    const rate = this.config.feeRates[this.scope.channel];
    if (rate === undefined || line.fee === undefined) return;
    const h = hold(line, statement);
    // The channel rounds each transaction's fee to the fen (四舍五入); refunds return the fee proportionally.
    const expected = new Decimal(h.amount).times(rate).toDecimalPlaces(2, Decimal.ROUND_HALF_UP);
    const signedExpected = kind === 'refund' ? expected.negated() : expected;
    const printed = new Decimal(line.fee).toDecimalPlaces(2, Decimal.ROUND_HALF_UP);
    if (printed.equals(signedExpected)) return;
    const key =
      h.kind === 'refund' ? (h.refundNo ?? h.channelRefundId) : (h.merchantOrderNo ?? h.channelTxnId);
    const subject = `fee:${key ?? lineRef(h)}`;
    if (this.feeFindings.has(subject)) return;
    this.feeFindings.set(subject, {
      ...this.base('FEE_MISMATCH', subject),
      amount: money2(printed.minus(signedExpected).abs()),
      amounts: { channel: line.fee, expected: signedExpected.toFixed(2) },
      reason: `fee ${line.fee} on ${h.amount} differs from the agreed rate ${rate} (${signedExpected.toFixed(2)})`,
      sources: [{ party: 'channel', ref: lineRef(h) }],
    });
  }

  private base(type: DiscrepancyType, subject: string) {
    return {
      type,
      hospitalId: this.scope.hospitalId,
      channel: this.scope.channel,
      businessDate: this.scope.businessDate,
      subject,
    };
  }

  /**
   * Runs passes 2 and 3 and classifies what is left. `paidOrders`: orders of unmatched refund lines the platform
   * knows. `ctx`: what holds an item pending instead of raising it (none without it).
   */
  finish(paidOrders: ReadonlySet<string> = new Set(), ctx?: RunContext): MatchResult {
    const findings = new Map<string, Finding>();
    // No finding replaces another: two different ones on one key (three copies of a line, ids that collide
    // across kinds) are told apart by their first source, so each stays.
    const add = (f: Finding) => {
      let k = findingKey(f);
      const cur = findings.get(k);
      if (cur !== undefined) {
        if (sameFinding(cur, f)) return;
        f = { ...f, subject: `${f.subject}#${f.sources[0]?.ref ?? findings.size}` };
        k = findingKey(f);
        if (findings.has(k)) f = { ...f, subject: `${f.subject}#${findings.size}` };
        k = findingKey(f);
      }
      findings.set(k, f);
    };
    const pending: PendingItem[] = [];
    const holdOrRaise = (
      f: Finding,
      kind: 'payment' | 'refund',
      awaiting: PendingReason,
      deadline: number,
    ) => {
      if (ctx && ctx.asOf < deadline)
        pending.push({ awaiting, kind, deadline: new Date(deadline).toISOString(), finding: f });
      else add(f);
    };
    const hours = (h: number) => h * 3_600_000;
    const pendingDeadline = ctx ? ctx.end + hours(this.config.pendingDeadlineHours) : 0;
    const inFlightDeadline = ctx ? ctx.end + hours(this.config.inFlightDeadlineHours) : 0;
    const windowMs = this.config.cutoffWindowMinutes * 60_000;
    const matched = { count: 0, amount: new TextSum() };
    const timing = { count: 0, amount: new TextSum() };
    const timingSubjects: string[] = [];
    const hisSyncedSubjects: string[] = [];
    const countMatch = (role: Role, item: Entry) => {
      const amount = item.amount;
      if (role === 'core' && item.role === 'core') {
        matched.count++;
        matched.amount.add(amount);
      } else {
        timing.count++;
        timing.amount.add(amount);
        timingSubjects.push(subjectOf(item));
      }
    };

    // Deterministic order for the passes that choose: by time, then reference.
    const entries = [...this.entries].sort((a, b) => a.at - b.at || compareRefs(refOf(a), refOf(b)));
    const channelLeft = [...this.channelLeft].sort(
      (a, b) => a.occurredAt - b.occurredAt || compareHeld(a, b),
    );

    // Pass 1 outcomes: duplicates and amount mismatches on matched keys.
    for (const e of entries) {
      // Only a key listed more than once has extra lines (no array per matched movement: a million of them).
      if (!e.channel || e.extra === undefined) continue;
      const lines = [e.channel, ...e.extra];
      if (lines.length > 1) {
        // The primary is the line that agrees with the platform, else the first by reference: order-independent.
        lines.sort(
          (a, b) => Number(a.amount !== e.amount) - Number(b.amount !== e.amount) || compareHeld(a, b),
        );
        e.channel = lines[0]!;
        for (const dup of lines.slice(1)) {
          if (e.role !== 'core' && e.channelRole !== 'core') continue;
          const f: Finding = {
            ...this.base('DUPLICATE', `dup:${subjectOf(e)}`),
            amount: dup.amount,
            amounts: { channel: dup.amount, platform: e.amount },
            reason: `the channel lists ${e.kind} ${subjectOf(e)} more than once`,
            sources: [
              { party: 'channel', ref: lineRef(dup) },
              { party: 'channel', ref: lineRef(e.channel) },
            ],
          };
          add(f);
        }
      }
    }

    // Pass 2: key-less lines by amount and time.
    const keylessMs = this.config.keylessWindowSeconds * 1000;
    const stillLeft: Held[] = [];
    // Core movements by kind and amount, in `entries` order, built at the first key-less line: a day of cash or
    // bank lines then looks at the movements of its amount only, not at every movement per line.
    let byAmount: Map<string, Entry[]> | undefined;
    for (const h of channelLeft) {
      if (h.channelTxnId || h.merchantOrderNo || h.refundNo || h.channelRefundId) {
        stillLeft.push(h);
        continue;
      }
      if (!byAmount) {
        byAmount = new Map();
        for (const e of entries) {
          if (e.role !== 'core') continue;
          const k = `${e.kind}|${e.amount}`;
          const bucket = byAmount.get(k);
          if (bucket) bucket.push(e);
          else byAmount.set(k, [e]);
        }
      }
      let best: Entry | undefined;
      let bestGap = Number.POSITIVE_INFINITY;
      for (const e of byAmount.get(`${h.kind}|${h.amount}`) ?? []) {
        if (e.channel) continue;
        const gap = Math.abs(e.at - h.occurredAt);
        if (gap <= keylessMs && gap < bestGap) {
          best = e;
          bestGap = gap;
        }
      }
      if (best) {
        best.channel = h;
        best.channelRole = 'core';
      } else stillLeft.push(h);
    }

    // Pass 3: many lines of one order/refund no adding up to one platform movement left (split, batch).
    const groups = new Map<string, Held[]>();
    for (const h of stillLeft) {
      const k = h.kind === 'payment' ? h.merchantOrderNo : h.refundNo;
      if (!k) continue;
      const g = groups.get(`${h.kind}:${k}`) ?? [];
      g.push(h);
      groups.set(`${h.kind}:${k}`, g);
    }
    const grouped = new Set<LineRef>();
    for (const [k, g] of [...groups].sort(([a], [b]) => (a < b ? -1 : 1))) {
      if (g.length < 2 || g.length > MAX_GROUP_LINES) continue;
      const [kind, no] = [k.slice(0, k.indexOf(':')), k.slice(k.indexOf(':') + 1)];
      const sum = g.reduce((s, h) => s.plus(h.amount), new Decimal(0));
      const e = entries.find(
        (x) =>
          !x.channel &&
          x.role === 'core' &&
          x.kind === kind &&
          (kind === 'payment' ? x.merchantOrderNo : x.refundNo) === no &&
          sum.equals(x.amount),
      );
      if (!e) continue;
      g.sort(compareHeld);
      e.channel = g[0]!;
      e.channelRole = 'core';
      for (const h of g) grouped.add(h);
    }

    // Pass 3b: a refund line with neither refund no nor a reference the platform knows (a POS 退货 of a deposit
    // top-up, whose platform refund carries no channel refund id) pairs with a refund still unmatched on the
    // same order for the same amount.
    let openRefunds: Map<string, Entry[]> | undefined;
    for (const h of stillLeft) {
      if (grouped.has(h) || h.kind !== 'refund' || h.refundNo || !h.merchantOrderNo) continue;
      if (!openRefunds) {
        openRefunds = new Map();
        for (const e of entries)
          if (!e.channel && e.role === 'core' && e.kind === 'refund')
            openRefunds.set(e.merchantOrderNo, [...(openRefunds.get(e.merchantOrderNo) ?? []), e]);
      }
      const candidates = openRefunds.get(h.merchantOrderNo) ?? [];
      const e = candidates.find((x) => !x.channel && x.amount === h.amount);
      if (!e) continue;
      e.channel = h;
      e.channelRole = 'core';
      grouped.add(h);
    }

    // Pass 3c: one line covering several platform movements of its order (a combined line, a batch): the
    // movements still unmatched on the line's order no whose amounts add up to the line's, exactly.
    let openByOrder: Map<string, Entry[]> | undefined;
    for (const h of stillLeft) {
      if (grouped.has(h) || h.inFlight || !h.merchantOrderNo) continue;
      if (!openByOrder) {
        openByOrder = new Map();
        for (const e of entries) {
          if (e.channel || e.role !== 'core') continue;
          const k = `${e.kind}|${e.merchantOrderNo}`;
          const bucket = openByOrder.get(k);
          if (bucket) bucket.push(e);
          else openByOrder.set(k, [e]);
        }
      }
      const free = (openByOrder.get(`${h.kind}|${h.merchantOrderNo}`) ?? []).filter((x) => !x.channel);
      const covered = coveringSubset(free, h.amount);
      if (!covered) continue;
      for (const e of covered) {
        e.channel = h;
        e.channelRole = 'core';
      }
      grouped.add(h);
    }

    // Lines that failed at the channel: no money moved. Against a platform movement no other line backs, the
    // parties disagree on what happened; otherwise nothing is owed by anyone.
    const statusMismatched = new Set<Entry>();
    const failed = { count: 0, amount: new TextSum() };
    for (const h of [...this.failedLines].sort(compareHeld)) {
      const e = this.findHeld(h, false);
      if (e && e.role === 'core' && !e.channel && !statusMismatched.has(e)) {
        statusMismatched.add(e);
        add({
          ...this.base('STATUS_MISMATCH', subjectOf(e)),
          amount: e.amount,
          amounts: { platform: e.amount, channel: '0.00' },
          reason: `the platform records ${e.kind} ${subjectOf(e)} as done, the channel as failed (no money moved)`,
          sources: [
            { party: 'platform', ref: refOf(e) },
            { party: 'channel', ref: lineRef(h) },
          ],
        });
        continue;
      }
      failed.count++;
      failed.amount.add(h.amount);
    }

    // Matched / timing counts and amount mismatches.
    for (const e of entries) {
      if (!e.channel || !e.channelRole) continue;
      if (e.role === 'edge' && e.channelRole === 'edge') continue;
      countMatch(e.channelRole, e);
      const isGroup = grouped.has(e.channel);
      if (!isGroup && e.channel.amount !== e.amount) {
        const diff = new Decimal(e.channel.amount).minus(e.amount).abs();
        add({
          ...this.base('AMOUNT_MISMATCH', subjectOf(e)),
          amount: money2(diff),
          amounts: { platform: e.amount, channel: e.channel.amount },
          reason: `${e.kind} ${subjectOf(e)}: platform ${e.amount}, channel ${e.channel.amount}`,
          sources: [
            { party: 'platform', ref: refOf(e) },
            { party: 'channel', ref: lineRef(e.channel) },
          ],
        });
      }
    }

    // Channel lines left: channel-only, or refunded at the channel only (status mismatch).
    // An in-flight line is followed until its deadline; a line in the last minutes of the day waits while the
    // platform's own next-day window is still open (its record of the movement may yet come).
    const channelOnlySubjects = new Set<string>();
    for (const h of stillLeft) {
      if (grouped.has(h)) continue;
      const flight = h.inFlight ? ' and is still in flight at the channel past its deadline' : '';
      const wait = (f: Finding) => {
        if (h.inFlight) holdOrRaise(f, h.kind, 'in-flight', inFlightDeadline);
        else if (ctx && h.occurredAt >= ctx.end - windowMs)
          holdOrRaise(f, h.kind, 'platform-next-day', ctx.end + windowMs);
        else add(f);
      };
      if (h.kind === 'refund' && h.merchantOrderNo && paidOrders.has(h.merchantOrderNo)) {
        wait({
          ...this.base(
            'STATUS_MISMATCH',
            h.refundNo ?? `${h.merchantOrderNo}:${h.channelRefundId ?? lineRef(h)}`,
          ),
          amount: h.amount,
          amounts: { channel: h.amount },
          reason: `order ${h.merchantOrderNo} is refunded at the channel but not on the platform${flight}`,
          sources: [{ party: 'channel', ref: lineRef(h) }],
        });
        continue;
      }
      let subject = channelSubject(h);
      if (channelOnlySubjects.has(subject))
        subject = `${subject}:${h.channelTxnId ?? h.channelRefundId ?? lineRef(h)}`;
      channelOnlySubjects.add(subject);
      wait({
        ...this.base('CHANNEL_ONLY', subject),
        amount: h.amount,
        amounts: { channel: h.amount },
        reason: `the channel has a ${h.kind} the platform does not${flight}`,
        sources: [{ party: 'channel', ref: lineRef(h) }],
      });
    }

    // Platform movements of the day left: platform-only — unless inside the cut-off window while the
    // neighbouring day's statement is not imported (pending, 未达账项), or the completion of a movement a
    // previous day followed in flight.
    const carried = new Map((ctx?.carried?.items ?? []).map((p) => [p.finding.subject, p]));
    const carriedCleared = new Set<string>();
    for (const e of entries) {
      if (e.role !== 'core' || e.channel || statusMismatched.has(e)) continue;
      const subject = subjectOf(e);
      if (carried.get(subject)?.awaiting === 'in-flight') {
        carriedCleared.add(subject);
        countMatch('edge', e);
        continue;
      }
      const f: Finding = {
        ...this.base('PLATFORM_ONLY', subject),
        amount: e.amount,
        amounts: { platform: e.amount },
        reason: `the platform has a ${e.kind} the channel statement does not`,
        sources: [{ party: 'platform', ref: refOf(e) }],
      };
      if (ctx && e.at >= ctx.end - windowMs && !ctx.neighbours.next)
        holdOrRaise(f, e.kind, 'next-statement', pendingDeadline);
      else if (ctx && e.at < ctx.start + windowMs && !ctx.neighbours.previous)
        holdOrRaise(f, e.kind, 'previous-statement', pendingDeadline);
      else add(f);
    }

    // The previous day's pending items: cleared when their counterpart turned up (a timing difference on this
    // day), raised with their real type once their deadline passed, else still pending here.
    let carriedIn: CarriedIn | null = null;
    if (ctx?.carried && ctx.carried.items.length > 0) {
      const timingSet = new Set(timingSubjects);
      carriedIn = { from: ctx.carried.from, count: 0, cleared: 0, raised: 0, pending: 0 };
      for (const p of ctx.carried.items) {
        carriedIn.count++;
        const s = p.finding.subject;
        if (carriedCleared.has(s) || (p.awaiting !== 'in-flight' && timingSet.has(s))) carriedIn.cleared++;
        else if (ctx.asOf >= Date.parse(p.deadline)) {
          carriedIn.raised++;
          add(p.finding);
        } else {
          carriedIn.pending++;
          pending.push(p);
        }
      }
    }

    // HIS: paid but not written back; charged in the HIS without a platform movement; amounts differing.
    let hisMatched = 0;
    if (this.config.checkHis && this.hisSeen) {
      for (const e of entries) {
        if (e.role !== 'core') continue;
        if (e.his) {
          hisMatched++;
          if (e.his.amount !== e.amount && e.kind === 'payment')
            add({
              ...this.base('AMOUNT_MISMATCH', `his:payment:${e.his.hisNo ?? subjectOf(e)}`),
              amount: money2(new Decimal(e.his.amount).minus(e.amount).abs()),
              amounts: { platform: e.amount, his: e.his.amount },
              reason: `HIS charged ${e.his.amount} for ${subjectOf(e)}, the platform received ${e.amount}`,
              sources: [
                { party: 'platform', ref: refOf(e) },
                { party: 'his', ref: lineRef(e.his) },
              ],
            });
          continue;
        }
        // Surplus payments are owed back, never charged in the HIS; a writeback that succeeded after the
        // extract was taken means the HIS has it now (the rule "HIS sync succeeded on retry").
        if (e.kind !== 'payment' || e.surplus) continue;
        if (e.hisStatus === 'synced') {
          hisSyncedSubjects.push(subjectOf(e));
          continue;
        }
        add({
          ...this.base('HIS_MISSING', subjectOf(e)),
          amount: e.amount,
          amounts: { platform: e.amount },
          reason: `order ${e.merchantOrderNo} is paid but missing from the HIS extract`,
          sources: [{ party: 'platform', ref: refOf(e) }],
        });
      }
      for (const h of this.hisLeft) {
        add({
          ...this.base('HIS_ONLY', hisSubject(h)),
          amount: h.amount,
          amounts: { his: h.amount },
          reason: `the HIS booked a ${h.kind === 'payment' ? 'charge' : 'refund'} no platform movement backs`,
          sources: [{ party: 'his', ref: lineRef(h) }],
        });
      }
    }

    for (const f of this.feeFindings.values()) add(f);

    // Settlement: the day's transfers against the channel's net (payments − refunds − fees).
    // Transfers on a statement (bank, channel funds bill) take precedence over the platform's own record of them.
    const stated = this.settlements.filter((x) => x.party !== 'platform');
    const settlements = stated.length > 0 ? stated : this.settlements;
    if (settlements.length > 0 && !ctx?.settlementByPayout) {
      const expected = this.channelCore.payments
        .decimal()
        .minus(this.channelCore.refunds.decimal())
        .minus(this.channelFees.decimal());
      const received = settlements.reduce((s, x) => s.plus(x.amount), new Decimal(0));
      if (received.lessThan(expected.toDecimalPlaces(2, Decimal.ROUND_HALF_UP)))
        add({
          ...this.base('SETTLEMENT_SHORTFALL', `settlement:${this.scope.businessDate}`),
          amount: money2(expected.toDecimalPlaces(2, Decimal.ROUND_HALF_UP).minus(received)),
          amounts: {
            expected: money2(expected.toDecimalPlaces(2, Decimal.ROUND_HALF_UP)),
            bank: money2(received),
          },
          reason: `settled ${money2(received)} for a day netting ${money2(expected.toDecimalPlaces(2, Decimal.ROUND_HALF_UP))}`,
          sources: [...settlements]
            .sort((a, b) => (a.ref < b.ref ? -1 : 1))
            .map((s) => ({
              party: s.party === 'bank' ? ('bank' as const) : ('channel' as const),
              ref: s.ref,
            })),
        });
    }

    const sorted = [...findings.entries()].sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0)).map(([, f]) => f);
    const byType = emptyByType();
    for (const f of sorted) {
      const t = byType[f.type];
      t.count++;
      t.amount = money2(new Decimal(t.amount).plus(f.amount));
    }
    const core = entries.filter((e) => e.role === 'core');
    pending.sort((a, b) => compareRefs(findingKey(a.finding), findingKey(b.finding)));
    return {
      pending,
      failed: { count: failed.count, amount: money2(failed.amount.decimal()) },
      carriedIn,
      clearing: {
        payments: money2(this.channelCore.payments.decimal()),
        refunds: money2(this.channelCore.refunds.decimal()),
        fees: this.channelFees.decimal().toFixed(),
      },
      matched: { count: matched.count, amount: money2(matched.amount.decimal()) },
      timing: { count: timing.count, amount: money2(timing.amount.decimal()) },
      byType,
      findings: sorted,
      timingSubjects: timingSubjects.sort(),
      hisSyncedSubjects: hisSyncedSubjects.sort(),
      parties: {
        platform: {
          count: core.length,
          amount: money2(
            core
              .reduce((s, e) => {
                s.add(e.amount);
                return s;
              }, new TextSum())
              .decimal(),
          ),
        },
        channel: {
          count: this.channelCore.count,
          amount: money2(this.channelCore.payments.decimal().plus(this.channelCore.refunds.decimal())),
        },
        his: { count: this.hisCore.count, amount: money2(this.hisCore.amount) },
        hisMatched: { count: hisMatched, amount: '0.00' },
        settlement: {
          count: this.settlements.length,
          amount: money2(this.settlements.reduce((s, x) => s.plus(x.amount), new Decimal(0))),
        },
      },
    };
  }
}

const ANY = () => true;

/** True when a movement's id is the one recon_movements gives it (`pay:<txn id>`, `refund:<refund no>`). */
/** Is `ref` the id the movement's key gives (`pay:<txn id>`, `refund:<refund no>`)? */
function derivedRef(m: Pick<PlatformItem, 'kind' | 'channelTxnId' | 'refundNo'>, ref: string): boolean {
  const key = m.kind === 'payment' ? m.channelTxnId : m.refundNo;
  const prefix = m.kind === 'payment' ? 'pay:' : 'refund:';
  return (
    key !== undefined &&
    ref.length === prefix.length + key.length &&
    ref.startsWith(prefix) &&
    ref.endsWith(key)
  );
}

/** A movement's id (the audit reference), also when the entry does not keep it (a million share the rule). */
function refOf(e: Entry): string {
  return e.ref ?? (e.kind === 'payment' ? `pay:${e.channelTxnId}` : `refund:${e.refundNo}`);
}

function compareRefs(a: string, b: string): number {
  return a < b ? -1 : a > b ? 1 : 0;
}

function index(map: Map<string, Slot>, key: string, e: Entry): void {
  const cur = map.get(key);
  if (cur === undefined) map.set(key, e);
  else if (Array.isArray(cur)) cur.push(e);
  else map.set(key, [cur, e]);
}

/** The entry for a key: the only one, or of several (a surplus payment) the first free on this side. */
function pick(slot: Slot | undefined, accept: (e: Entry) => boolean, his: boolean): Entry | undefined {
  if (slot === undefined) return undefined;
  if (!Array.isArray(slot)) return accept(slot) ? slot : undefined;
  const free = slot.find((e) => (his ? e.his === undefined : e.channel === undefined) && accept(e));
  return free ?? slot.find(accept);
}

function hold(line: MatchLine, statement: string): Held {
  return {
    kind: line.kind === 'refund' ? 'refund' : 'payment',
    inFlight: false,
    amount: line.amount,
    occurredAt: line.at,
    channelTxnId: line.channelTxnId || undefined,
    merchantOrderNo: line.merchantOrderNo || undefined,
    refundNo: line.refundNo || undefined,
    channelRefundId: line.channelRefundId || undefined,
    hisNo: line.hisNo || undefined,
    statement,
    lineNo: line.lineNo,
  };
}

/** Subject of a platform movement (types.ts): refund no; order no; `<order no>:<txn id>` for a surplus payment. */
export function subjectOf(
  m: Pick<PlatformItem, 'kind' | 'merchantOrderNo' | 'refundNo' | 'channelTxnId' | 'surplus'>,
): string {
  if (m.kind === 'refund') return m.refundNo ?? m.merchantOrderNo;
  if (m.surplus) return `${m.merchantOrderNo}:${m.channelTxnId ?? ''}`;
  return m.merchantOrderNo;
}

function channelSubject(h: Held): string {
  if (h.kind === 'refund')
    return h.refundNo ?? (h.channelRefundId ? `txn:${h.channelRefundId}` : `line:${lineRef(h)}`);
  return h.merchantOrderNo ?? (h.channelTxnId ? `txn:${h.channelTxnId}` : `line:${lineRef(h)}`);
}

function sameFinding(a: Finding, b: Finding): boolean {
  return a.amount === b.amount && a.sources[0]?.ref === b.sources[0]?.ref && a.reason === b.reason;
}

/**
 * The movements (in their given order) whose amounts add up exactly to `amount`, at least two of them: all of
 * them when they do, else the first subset found by size (bounded by MAX_COVERED_MOVEMENTS). Amounts conserved.
 */
function coveringSubset(free: readonly Entry[], amount: string): Entry[] | undefined {
  if (free.length < 2) return undefined;
  const cents = (a: string) => Math.round(Number(a) * 100);
  const target = cents(amount);
  const values = free.map((e) => cents(e.amount));
  let picked: Entry[] | undefined;
  if (values.reduce((a, b) => a + b, 0) === target) picked = [...free];
  else if (free.length <= MAX_COVERED_MOVEMENTS) {
    let best: number | undefined;
    for (let mask = 1; mask < 1 << free.length; mask++) {
      const bits = popcount(mask);
      if (bits < 2 || (best !== undefined && popcount(best) <= bits)) continue;
      let sum = 0;
      for (let i = 0; i < free.length; i++) if (mask & (1 << i)) sum += values[i]!;
      if (sum === target) best = mask;
    }
    if (best !== undefined) picked = free.filter((_, i) => best! & (1 << i));
  }
  if (!picked) return undefined;
  // Money is exact: the integer-cent search is confirmed in decimals before anything is paired.
  const sum = picked.reduce((s, e) => s.plus(e.amount), new Decimal(0));
  if (!sum.equals(amount)) throw new Error(`group of ${picked.length} movements does not conserve ${amount}`);
  return picked;
}

function popcount(n: number): number {
  let c = 0;
  for (let x = n; x; x &= x - 1) c++;
  return c;
}

/**
 * An insurance settlement line as the insurance channel moved it: the fund's and the personal account's parts
 * (the self-pay part is the patient's, through another channel). Only when the parts add up to the total: a line
 * whose split does not conserve its amount keeps its total (and then differs from the platform visibly).
 */
export function insuranceShare<L extends Pick<StatementLine, 'amount' | 'amounts'>>(line: L): L {
  const a = line.amounts ?? {};
  if (a.fundPay === undefined && a.accountPay === undefined) return line;
  const fund = new Decimal(a.fundPay ?? 0).plus(a.accountPay ?? 0);
  const total = fund.plus(a.cashPay ?? 0);
  if (!total.equals(line.amount)) return line;
  return { ...line, amount: money2(fund) };
}

/**
 * A HIS line's subject: its kind and the HIS's own number (a charge and its refund may share one), with the
 * platform refund no on refunds (several partial refunds of one charge); lines without a HIS number fall back
 * to the platform's numbers, then to the line itself.
 */
function hisSubject(h: Held): string {
  const own = h.hisNo ?? (h.kind === 'refund' ? h.refundNo : h.merchantOrderNo) ?? h.merchantOrderNo;
  const id = own ?? lineRef(h);
  return h.kind === 'refund' && h.hisNo && h.refundNo
    ? `his:refund:${id}:${h.refundNo}`
    : `his:${h.kind}:${id}`;
}
