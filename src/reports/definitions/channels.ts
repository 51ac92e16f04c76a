// 渠道手续费 and 渠道结算到账: what each channel charged per day (from its trade bill, and what the ledger booked),
// and what it paid into the hospital's bank account against what its bill says it owed
// (payments − refunds − fees).
import { Decimal } from 'decimal.js';
import type { RecordedEvent } from '../../domain/event-store.ts';
import { Money } from '../../domain/money.ts';
import { foldStatement, type ImportedStatement, STATEMENT_EVENT_TYPES, tradeBills } from '../statements.ts';
import type { ReportDefinition, ReportParams, ReportRow } from '../types.ts';
import { col, DAY_COLUMNS, label, sheet } from '../vocabulary.ts';
import { byKeys, entry, inRange, key, money, splitKey, tally, type Tally } from '../fold.ts';

interface FeeState {
  statements: Map<string, ImportedStatement>;
  booked: Map<string, Tally>;
}

/** A channel day of the fee report: what its trade bills say. */
interface FeeDay {
  trades: Tally;
  refunds: Money;
  fees: Money;
  statements: number;
}

const noFees = (): FeeDay => ({
  trades: tally.empty(),
  refunds: Money.ZERO,
  fees: Money.ZERO,
  statements: 0,
});

/** fees ÷ payments as a percentage with three decimals ("0.600%"), or null without payments. */
export function feeRate(fees: Money, payments: Money): string | null {
  if (payments.isZero()) return null;
  return `${fees.toDecimal().div(payments.toDecimal()).mul(100).toDecimalPlaces(3, Decimal.ROUND_HALF_UP).toFixed(3)}%`;
}

export const channelFees: ReportDefinition<FeeState> = {
  name: 'channel-fees',
  title: label('渠道手续费', 'Channel fees'),
  description: label(
    '按日期、渠道：交易笔数金额、账单手续费、入账手续费、费率',
    'Per date and channel: trades, fees on the trade bill, fees booked in the ledger, effective rate',
  ),
  handles: ['ChannelFeeRecorded', ...STATEMENT_EVENT_TYPES],
  initial: () => ({ statements: new Map(), booked: new Map() }),
  evolve(state, event: RecordedEvent) {
    if (event.type === 'ChannelFeeRecorded') {
      const d = event.data as Record<string, unknown>;
      tally.at(state.booked, key(String(d.businessDate), String(d.channel)), money(d.amount));
    } else foldStatement(state.statements, event);
    return state;
  },
  sheets(state, params) {
    const days = new Map<string, FeeDay>();
    for (const b of tradeBills(state.statements)) {
      if (!inRange(b.businessDate, params)) continue;
      const day = entry(days, key(b.businessDate, b.channel), noFees);
      tally.add(day.trades, b.payments.amount, b.payments.count);
      day.refunds = day.refunds.add(b.refunds.amount);
      day.fees = day.fees.add(b.fees);
      day.statements++;
    }
    for (const k of state.booked.keys()) if (inRange(splitKey(k)[0]!, params)) entry(days, k, noFees);
    const rows: ReportRow[] = [...days]
      .map(([k, d]) => {
        const [businessDate, channel] = splitKey(k);
        const booked = state.booked.get(k);
        return {
          businessDate: businessDate!,
          channel: channel!,
          tradeCount: d.trades.count,
          tradeAmount: d.trades.amount,
          refundAmount: d.refunds,
          billFees: d.fees,
          bookedFees: booked?.amount ?? Money.ZERO,
          difference: d.fees.sub(booked?.amount ?? Money.ZERO),
          rate: feeRate(d.fees, d.trades.amount),
        } satisfies ReportRow;
      })
      .sort(byKeys((r) => [r.businessDate, r.channel]));
    return [
      sheet(
        'fees',
        '渠道手续费',
        'Channel fees',
        {
          ...DAY_COLUMNS,
          tradeCount: col.count('交易笔数', 'Trades'),
          tradeAmount: col.money('交易金额', 'Trade amount', 16),
          refundAmount: col.money('退款金额', 'Refunds', 14),
          billFees: col.money('账单手续费', 'Fees on the bill', 14),
          bookedFees: col.money('已入账手续费', 'Fees booked', 14),
          difference: col.money('未入账差额', 'Not booked', 14),
          rate: col.text('费率', 'Rate', 10),
        },
        rows,
      ),
    ];
  },
};

interface Transfer {
  businessDate: string;
  channel: string;
  settlementId: string;
  bankAccount: string;
  amount: Money;
  receivedAt: Date;
}

interface SettlementState {
  statements: Map<string, ImportedStatement>;
  transfers: Transfer[];
}

function owedByDay(state: SettlementState, params: ReportParams): Map<string, Money> {
  const owed = new Map<string, Money>();
  for (const b of tradeBills(state.statements)) {
    if (!inRange(b.businessDate, params)) continue;
    const k = key(b.businessDate, b.channel);
    owed.set(
      k,
      (owed.get(k) ?? Money.ZERO).add(b.payments.amount).sub(b.refunds.amount).sub(b.fees.sub(b.failedFees)),
    );
  }
  return owed;
}

export const channelSettlements: ReportDefinition<SettlementState> = {
  name: 'channel-settlements',
  title: label('渠道结算到账', 'Channel settlements'),
  description: label(
    '按日期、渠道：应结金额（账单收款−退款−手续费）、银行到账金额、差额，附到账明细',
    'Per date and channel: owed (bill payments − refunds − fees), credited to the bank, difference; each transfer',
  ),
  handles: ['ChannelSettlementReceived', ...STATEMENT_EVENT_TYPES],
  initial: () => ({ statements: new Map(), transfers: [] }),
  evolve(state, event: RecordedEvent) {
    if (event.type !== 'ChannelSettlementReceived') {
      foldStatement(state.statements, event);
      return state;
    }
    const d = event.data as Record<string, unknown>;
    state.transfers.push({
      businessDate: String(d.businessDate),
      channel: String(d.channel),
      settlementId: String(d.settlementId),
      bankAccount: String(d.bankAccount),
      amount: money(d.amount),
      receivedAt: event.occurredAt,
    });
    return state;
  },
  sheets(state, params) {
    const transfers = state.transfers.filter((t) => inRange(t.businessDate, params));
    const owed = owedByDay(state, params);
    const credited = new Map<string, Tally>();
    for (const t of transfers) tally.at(credited, key(t.businessDate, t.channel), t.amount);
    const keys = new Set([...owed.keys(), ...credited.keys()]);
    const summary: ReportRow[] = [...keys]
      .map((k) => {
        const [businessDate, channel] = splitKey(k);
        const o = owed.get(k) ?? null;
        const c = credited.get(k) ?? tally.empty();
        return {
          businessDate: businessDate!,
          channel: channel!,
          owed: o,
          transfers: c.count,
          credited: c.amount,
          difference: o ? c.amount.sub(o) : null,
        } satisfies ReportRow;
      })
      .sort(byKeys((r) => [r.businessDate, r.channel]));
    const detail: ReportRow[] = transfers
      .map((t) => ({ ...t }) satisfies ReportRow)
      .sort(byKeys((r) => [r.businessDate, r.channel, r.settlementId]));
    return [
      sheet(
        'settlements',
        '结算到账汇总',
        'Settlements',
        {
          ...DAY_COLUMNS,
          owed: col.money('应结金额', 'Owed', 16),
          transfers: col.count('到账笔数', 'Transfers'),
          credited: col.money('到账金额', 'Credited', 16),
          difference: col.money('差额', 'Difference', 14),
        },
        summary,
      ),
      sheet(
        'transfers',
        '到账明细',
        'Transfers',
        {
          ...DAY_COLUMNS,
          settlementId: col.text('结算单号', 'Settlement', 26),
          bankAccount: col.text('银行账户', 'Bank account', 28),
          amount: col.money('到账金额', 'Amount', 16),
          receivedAt: col.instant('到账时间', 'Received at', 20),
        },
        detail,
      ),
    ];
  },
};
