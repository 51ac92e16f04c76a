// What the reports take from imported statements: a statement's identity (channel, party, date) from its
// StatementImportStarted and its verified totals from StatementImported. Only complete imports count.
import type { RecordedEvent } from '../domain/event-store.ts';
import { Decimal } from 'decimal.js';
import { money2, type StatementSummary } from '../domain/reconciliation/statement-line.ts';
import { Money } from '../domain/money.ts';
import type { StatementImportStarted } from '../domain/reconciliation/events.ts';
import { decodeStoredLines } from '../domain/reconciliation/line-columns.ts';
import { lineStateOf } from '../domain/reconciliation/line-status.ts';
import { entry, type Tally, tally } from './fold.ts';

/** The account statements (fund-flow bill, 账务明细) report payouts and fees again: never counted as trade fees. */
const ACCOUNT_STATEMENT_FORMATS: ReadonlySet<string> = new Set(['wechat-fundflow', 'alipay-account']);

/** Parties whose statements report a channel's trades. */
const TRADE_PARTIES: ReadonlySet<string> = new Set(['channel', 'bank']);

export const STATEMENT_EVENT_TYPES = [
  'StatementImportStarted',
  'StatementLinesImported',
  'StatementImported',
] as const;

export interface ImportedStatement {
  statementId: string;
  channel: string | null;
  party: string;
  format: string;
  businessDate: string | null;
  /** Set once the import completed. */
  summary: StatementSummary | null;
  /** The import's head (to read its line batches back). */
  head: StatementImportStarted['data'] | null;
  /** Lines printed as failed: no money moved on them, so what a bill says was traded leaves them out. */
  unmoved: { payment: Tally; refund: Tally; fees: Money };
}

/** A channel's trade bill for a date, imported completely: what moved (in-flight and failed lines left out), the day's fees as the channel charged them. */
export interface TradeBill {
  channel: string;
  businessDate: string;
  statementId: string;
  payments: Tally;
  refunds: Tally;
  /** Net fees charged (positive = a cost; fees returned on refunds already netted), as the bill prints them. */
  fees: Money;
  /** The part of `fees` on failed lines: never charged or returned, so out of what the channel pays. */
  failedFees: Money;
}

export function foldStatement(statements: Map<string, ImportedStatement>, event: RecordedEvent): void {
  const d = event.data as Record<string, unknown>;
  const id = String(d.statementId);
  if (event.type === 'StatementImportStarted') {
    entry(statements, id, () => ({
      statementId: id,
      channel: (d.channel as string | null) ?? null,
      party: String(d.party),
      format: String(d.format),
      businessDate: (d.businessDate as string | null) ?? null,
      summary: null,
      head: d as unknown as StatementImportStarted['data'],
      unmoved: { payment: tally.empty(), refund: tally.empty(), fees: Money.ZERO },
    }));
  } else if (event.type === 'StatementLinesImported') {
    const s = statements.get(id);
    if (!s?.head || !TRADE_PARTIES.has(s.party) || ACCOUNT_STATEMENT_FORMATS.has(s.format)) return;
    for (const line of decodeStoredLines(d, s.head) ?? []) {
      // In flight: the channel settles it once it completes, as its own net does; failed: never.
      if (lineStateOf(line.status) !== 'failed' || (line.kind !== 'payment' && line.kind !== 'refund'))
        continue;
      tally.add(s.unmoved[line.kind], Money.parseTotal(line.amount));
      if (line.fee) s.unmoved.fees = s.unmoved.fees.add(Money.parseTotal(money2(new Decimal(line.fee))));
    }
  } else if (event.type === 'StatementImported') {
    const s = statements.get(id);
    if (s) s.summary = d.summary as unknown as StatementSummary;
  }
}

const amountOf = (v: string | undefined): Money => Money.parseTotal(v ?? '0');

/** Complete channel trade bills, one per statement, in a stable order. */
export function tradeBills(statements: Map<string, ImportedStatement>): TradeBill[] {
  const bills: TradeBill[] = [];
  for (const s of statements.values()) {
    // A channel's trade statement: the acquirer's (UnionPay POS) comes as a bank file, still naming its channel.
    if (!s.summary || !s.channel || !TRADE_PARTIES.has(s.party) || ACCOUNT_STATEMENT_FORMATS.has(s.format))
      continue;
    if ((s.summary.counts.payment ?? 0) + (s.summary.counts.refund ?? 0) === 0) continue;
    const date = s.businessDate ?? s.summary.businessDate;
    if (!date) continue;
    bills.push({
      channel: s.channel,
      businessDate: date,
      statementId: s.statementId,
      payments: {
        count: (s.summary.counts.payment ?? 0) - s.unmoved.payment.count,
        amount: amountOf(s.summary.amounts.payment).sub(s.unmoved.payment.amount),
      },
      refunds: {
        count: (s.summary.counts.refund ?? 0) - s.unmoved.refund.count,
        amount: amountOf(s.summary.amounts.refund).sub(s.unmoved.refund.amount),
      },
      fees: Money.parseTotal(roundFee(s.summary.fees)),
      failedFees: s.unmoved.fees,
    });
  }
  return bills.sort((a, b) =>
    `${a.businessDate}|${a.channel}|${a.statementId}`.localeCompare(
      `${b.businessDate}|${b.channel}|${b.statementId}`,
    ),
  );
}

/** Fees on bills carry up to five decimals (WeChat): the day's total is booked to the fen, half up. */
function roundFee(fees: string): string {
  try {
    return money2(new Decimal(fees));
  } catch {
    return '0.00';
  }
}
