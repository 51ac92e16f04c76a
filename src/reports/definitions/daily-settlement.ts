// 日结: the money of each business date per channel and business type (registration, outpatient, deposit,
// refund …): counts, amounts, fees and net, with totals; and the cash taken and paid out per window / kiosk
// operator. Payments count positive, refunds negative, so the net of a channel is what it owes the hospital.
import type { RecordedEvent } from '../../domain/event-store.ts';
import { Money } from '../../domain/money.ts';
import { CHANNEL_MOVEMENT_EVENT_TYPES } from '../../projections/read-models/ledger.ts';
import { foldStatement, type ImportedStatement, STATEMENT_EVENT_TYPES, tradeBills } from '../statements.ts';
import type { ReportDefinition, ReportParams, ReportRow, Sheet } from '../types.ts';
import { BUSINESS_TYPE_LABELS, type BusinessType, col, DAY_COLUMNS, label, sheet } from '../vocabulary.ts';
import { byKeys, dateOf, entry, inRange, key, money, splitKey, tally, type Tally } from '../fold.ts';

/** Channels where a person (window clerk) or a kiosk takes the money: reported per operator too. */
export const CASH_CHANNELS: ReadonlySet<string> = new Set(['cash', 'window']);

const FEE_TYPE = 'fee';

interface State {
  /** date|channel|business type → tally (refunds negative). */
  money: Map<string, Tally>;
  /** date|channel → fees booked in the ledger (ChannelFeeRecorded). */
  bookedFees: Map<string, Tally>;
  statements: Map<string, ImportedStatement>;
  /** date|channel|operator → taken and paid out. */
  operators: Map<string, { taken: Tally; paidOut: Tally }>;
}

/** Who took the money: the device when the edge named one, else the actor (window clerk, kiosk client). */
export function operatorOf(event: RecordedEvent): string {
  return event.metadata.device ?? event.metadata.actor ?? 'unknown';
}

/** A money movement of the daily settlement: its business type and signed amount, or undefined. */
export function settlementMovement(
  event: RecordedEvent,
): { channel: string; type: BusinessType; amount: Money } | undefined {
  const d = event.data as Record<string, unknown>;
  const amount = money(d.amount);
  switch (event.type) {
    case 'PaymentSucceeded':
    case 'PaymentConfirmed':
      return { channel: String(d.channel), type: d.orderKind as BusinessType, amount };
    case 'DuplicatePaymentReceived':
      return { channel: String(d.channel), type: 'surplus', amount };
    case 'RefundSucceeded':
    case 'DepositRemainderRefunded':
      return { channel: String(d.channel), type: 'refund', amount: amount.negate() };
    default:
      return undefined;
  }
}

export const dailySettlement: ReportDefinition<State> = {
  name: 'daily-settlement',
  title: label('日结报表', 'Daily settlement'),
  description: label(
    '按业务日期、渠道、业务类型（挂号/门诊/预交金/退款）汇总笔数、金额、手续费、净额；现金按收款员/自助机汇总',
    'Per business date, channel and business type (registration/outpatient/deposit/refund): counts, amounts, fees, net; cash per window/kiosk operator',
  ),
  handles: [...CHANNEL_MOVEMENT_EVENT_TYPES, 'ChannelFeeRecorded', ...STATEMENT_EVENT_TYPES],
  initial: () => ({ money: new Map(), bookedFees: new Map(), statements: new Map(), operators: new Map() }),
  evolve(state, event, params) {
    if (event.type.startsWith('Statement')) {
      foldStatement(state.statements, event);
      return state;
    }
    if (event.type === 'ChannelFeeRecorded') {
      const d = event.data as Record<string, unknown>;
      const date = String(d.businessDate);
      if (inRange(date, params)) tally.at(state.bookedFees, key(date, String(d.channel)), money(d.amount));
      return state;
    }
    const m = settlementMovement(event);
    const date = dateOf(event, params);
    if (!m || !inRange(date, params)) return state;
    tally.at(state.money, key(date, m.channel, m.type), m.amount);
    if (CASH_CHANNELS.has(m.channel)) {
      const op = entry(state.operators, key(date, m.channel, operatorOf(event)), () => ({
        taken: tally.empty(),
        paidOut: tally.empty(),
      }));
      if (m.amount.isNegative()) tally.add(op.paidOut, m.amount.negate());
      else tally.add(op.taken, m.amount);
    }
    return state;
  },
  sheets(state, params) {
    return [summarySheet(state, params), operatorSheet(state)];
  },
};

/** Fees of a channel day: those booked in the ledger, else those the channel's trade bill charged. */
function feesByDay(state: State, params: ReportParams): Map<string, { count: number | null; fees: Money }> {
  const fees = new Map<string, { count: number | null; fees: Money }>();
  for (const [k, t] of state.bookedFees) fees.set(k, { count: t.count, fees: t.amount });
  for (const bill of tradeBills(state.statements)) {
    const k = key(bill.businessDate, bill.channel);
    if (!inRange(bill.businessDate, params) || state.bookedFees.has(k)) continue;
    const f = entry(fees, k, () => ({ count: null, fees: Money.ZERO }));
    f.fees = f.fees.add(bill.fees);
  }
  return fees;
}

const TYPE_ORDER = [...Object.keys(BUSINESS_TYPE_LABELS), FEE_TYPE];

function summarySheet(state: State, params: ReportParams): Sheet {
  const rows: ReportRow[] = [];
  for (const [k, t] of state.money) {
    const [businessDate, channel, businessType] = splitKey(k);
    rows.push({
      businessDate,
      channel,
      businessType,
      count: t.count,
      amount: t.amount,
      fees: Money.ZERO,
      net: t.amount,
    });
  }
  for (const [k, f] of feesByDay(state, params)) {
    if (f.fees.isZero()) continue;
    const [businessDate, channel] = splitKey(k);
    rows.push({
      businessDate,
      channel,
      businessType: FEE_TYPE,
      count: f.count,
      amount: Money.ZERO,
      fees: f.fees,
      net: f.fees.negate(),
    });
  }
  rows.sort(
    byKeys((r) => [String(r.businessDate), String(r.channel), TYPE_ORDER.indexOf(String(r.businessType))]),
  );
  return sheet(
    'summary',
    '日结汇总',
    'Settlement',
    {
      ...DAY_COLUMNS,
      businessType: col.text('业务类型', 'Business type', {
        width: 16,
        values: { ...BUSINESS_TYPE_LABELS, [FEE_TYPE]: label('渠道手续费', 'Channel fees') },
      }),
      count: col.count('笔数', 'Count'),
      amount: col.money('金额', 'Amount', 16),
      fees: col.money('手续费', 'Fees', 14),
      net: col.money('净额', 'Net', 16),
    },
    rows,
  );
}

function operatorSheet(state: State): Sheet {
  const rows: ReportRow[] = [...state.operators]
    .map(([k, o]) => {
      const [businessDate, channel, operator] = splitKey(k);
      return {
        businessDate,
        channel,
        operator,
        takenCount: o.taken.count,
        taken: o.taken.amount,
        paidOutCount: o.paidOut.count,
        paidOut: o.paidOut.amount,
        net: o.taken.amount.sub(o.paidOut.amount),
      } satisfies ReportRow;
    })
    .sort(byKeys((r) => [String(r.businessDate), String(r.channel), String(r.operator)]));
  return sheet(
    'cash-operators',
    '现金收款员',
    'Cash by operator',
    {
      ...DAY_COLUMNS,
      operator: col.text('收款员/自助机', 'Operator / kiosk', 24),
      takenCount: col.count('收款笔数', 'Payments'),
      taken: col.money('收款金额', 'Taken', 14),
      paidOutCount: col.count('退款笔数', 'Refunds'),
      paidOut: col.money('退款金额', 'Paid out', 14),
      net: col.money('应缴现金', 'Cash to hand in', 14),
    },
    rows,
  );
}
