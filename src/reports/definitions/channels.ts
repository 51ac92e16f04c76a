// 渠道手续费 and 渠道结算到账: what each channel charged per day (from its trade bill, and what the ledger booked),
// and what it paid into the hospital's bank account against what its bill says it owed
// (payments − refunds − fees).
import { Decimal } from 'decimal.js';
import type { RecordedEvent } from '../../domain/event-store.ts';
import { Money } from '../../domain/money.ts';
import { foldStatement, type ImportedStatement, STATEMENT_EVENT_TYPES, tradeBills } from '../statements.ts';
import type { ReportDefinition, ReportParams, ReportRow } from '../types.ts';
import {
  addTo,
  byKeys,
  channelColumn,
  column,
  sheet,
  dateColumn,
  emptyTally,
  entry,
  inRange,
  key,
  money,
  splitKey,
  type Tally,
} from '../vocabulary.ts';

interface FeeState {
  statements: Map<string, ImportedStatement>;
  booked: Map<string, Tally>;
}

/** fees ÷ payments as a percentage with three decimals ("0.600%"), or null without payments. */
export function feeRate(fees: Money, payments: Money): string | null {
  if (payments.isZero()) return null;
  return `${fees.toDecimal().div(payments.toDecimal()).mul(100).toDecimalPlaces(3, Decimal.ROUND_HALF_UP).toFixed(3)}%`;
}

export const channelFees: ReportDefinition<FeeState> = {
  name: 'channel-fees',
  title: { zh: '渠道手续费', en: 'Channel fees' },
  description: {
    zh: '按日期、渠道：交易笔数金额、账单手续费、入账手续费、费率',
    en: 'Per date and channel: trades, fees on the trade bill, fees booked in the ledger, effective rate',
  },
  handles: ['ChannelFeeRecorded', ...STATEMENT_EVENT_TYPES],
  initial: () => ({ statements: new Map(), booked: new Map() }),
  evolve(state, event: RecordedEvent) {
    if (event.type === 'ChannelFeeRecorded') {
      const d = event.data as Record<string, unknown>;
      addTo(entry(state.booked, key(String(d.businessDate), String(d.channel)), emptyTally), money(d.amount));
    } else foldStatement(state.statements, event);
    return state;
  },
  sheets(state, params) {
    const days = new Map<string, { trades: Tally; refunds: Money; fees: Money; statements: number }>();
    for (const b of tradeBills(state.statements)) {
      if (!inRange(b.businessDate, params)) continue;
      const day = entry(days, key(b.businessDate, b.channel), () => ({
        trades: emptyTally(),
        refunds: Money.ZERO,
        fees: Money.ZERO,
        statements: 0,
      }));
      addTo(day.trades, b.payments.amount, b.payments.count);
      day.refunds = day.refunds.add(b.refunds.amount);
      day.fees = day.fees.add(b.fees);
      day.statements++;
    }
    for (const k of state.booked.keys())
      if (inRange(splitKey(k)[0]!, params))
        entry(days, k, () => ({
          trades: emptyTally(),
          refunds: Money.ZERO,
          fees: Money.ZERO,
          statements: 0,
        }));
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
        [
          dateColumn(),
          channelColumn(),
          column('tradeCount', 'count', '交易笔数', 'Trades'),
          column('tradeAmount', 'money', '交易金额', 'Trade amount', { width: 16 }),
          column('refundAmount', 'money', '退款金额', 'Refunds', { width: 14 }),
          column('billFees', 'money', '账单手续费', 'Fees on the bill', { width: 14 }),
          column('bookedFees', 'money', '已入账手续费', 'Fees booked', { width: 14 }),
          column('difference', 'money', '未入账差额', 'Not booked', { width: 14 }),
          column('rate', 'text', '费率', 'Rate', { width: 10 }),
        ],
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
  title: { zh: '渠道结算到账', en: 'Channel settlements' },
  description: {
    zh: '按日期、渠道：应结金额（账单收款−退款−手续费）、银行到账金额、差额，附到账明细',
    en: 'Per date and channel: owed (bill payments − refunds − fees), credited to the bank, difference; each transfer',
  },
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
    for (const t of transfers) addTo(entry(credited, key(t.businessDate, t.channel), emptyTally), t.amount);
    const keys = new Set([...owed.keys(), ...credited.keys()]);
    const summary: ReportRow[] = [...keys]
      .map((k) => {
        const [businessDate, channel] = splitKey(k);
        const o = owed.get(k) ?? null;
        const c = credited.get(k) ?? emptyTally();
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
        [
          dateColumn(),
          channelColumn(),
          column('owed', 'money', '应结金额', 'Owed', { width: 16 }),
          column('transfers', 'count', '到账笔数', 'Transfers'),
          column('credited', 'money', '到账金额', 'Credited', { width: 16 }),
          column('difference', 'money', '差额', 'Difference', { width: 14 }),
        ],
        summary,
      ),
      sheet(
        'transfers',
        '到账明细',
        'Transfers',
        [
          dateColumn(),
          channelColumn(),
          column('settlementId', 'text', '结算单号', 'Settlement', { width: 26 }),
          column('bankAccount', 'text', '银行账户', 'Bank account', { width: 28 }),
          column('amount', 'money', '到账金额', 'Amount', { width: 16 }),
          column('receivedAt', 'instant', '到账时间', 'Received at', { width: 20 }),
        ],
        detail,
      ),
    ];
  },
};
