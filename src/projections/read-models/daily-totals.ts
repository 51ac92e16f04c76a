import { type BusinessDateOptions, businessDate } from '../../domain/business-date.ts';
import { Money } from '../../domain/money.ts';
import { column, keyedProjection, type Projection, type Row, readModel, tenantTable } from '../projection.ts';
import { CHANNEL_MOVEMENT_EVENT_TYPES } from './ledger.ts';

/** The daily-totals read model: name, live schema, version. */
export const DAILY_TOTALS = readModel('daily_totals', 1);

export const dailyTotalsTable = tenantTable({
  table: 'daily_totals',
  comment:
    "Money moved per hospital, business date (hospital time zone and cut-off), channel and business type: what finance compares with each channel's statement.",
  key: ['business_date', 'channel', 'business_type'],
  indexes: ['business_date'],
  columns: {
    business_date: column.sql<string>(
      "text NOT NULL CHECK (business_date ~ '^[0-9]{4}-[0-9]{2}-[0-9]{2}$')",
      'Business date of the movement (YYYY-MM-DD).',
    ),
    channel: column.text('wechat | alipay | unionpay | insurance | cash | window …'),
    business_type: column.text(
      'registration | outpatient | deposit (top-ups and remainder refunds) | surplus (duplicate payments) | fees.',
    ),
    payments_count: column.integer('Payments received.'),
    payments_amount: column.total('Sum of payments received.'),
    refunds_count: column.integer('Refunds paid out.'),
    refunds_amount: column.total('Sum of refunds paid out.'),
    fees_amount: column.total('Channel fees recorded.'),
    net_amount: column.total('payments − refunds − fees.'),
  },
});

const m = (v: unknown) => Money.parseTotal(String(v ?? '0'));

/** daily_totals: one row per hospital, business date, channel and business type. */
export function dailyTotalsProjection(dateOptions: BusinessDateOptions = {}): Projection {
  return keyedProjection({
    name: DAILY_TOTALS.name,
    version: DAILY_TOTALS.version,
    description: 'Daily totals per hospital, channel and business type (payments, refunds, fees, net).',
    handles: [...CHANNEL_MOVEMENT_EVENT_TYPES, 'ChannelFeeRecorded'],
    table: dailyTotalsTable,
    readsFacts: true,
    changes(event) {
      const d = event.data as Record<string, unknown>;
      const amount = Money.parse(String(d.amount));
      let type: string;
      let effect: 'payment' | 'refund' | 'fee';
      switch (event.type) {
        case 'PaymentSucceeded':
        case 'PaymentConfirmed':
          [type, effect] = [String(d.orderKind), 'payment'];
          break;
        case 'DuplicatePaymentReceived':
          [type, effect] = ['surplus', 'payment'];
          break;
        case 'RefundSucceeded':
          [type, effect] = [d.of === 'duplicate' ? 'surplus' : String(d.orderKind), 'refund'];
          break;
        case 'DepositRemainderRefunded':
          [type, effect] = ['deposit', 'refund'];
          break;
        default:
          [type, effect] = ['fees', 'fee'];
      }
      const date =
        typeof d.businessDate === 'string' ? d.businessDate : businessDate(event.occurredAt, dateOptions);
      const channel = String(d.channel);
      return [
        {
          key: [event.hospitalId, date, channel, type],
          update(row: Row | undefined): Row {
            const r: Row = row ?? {
              hospital_id: event.hospitalId,
              business_date: date,
              channel,
              business_type: type,
              payments_count: 0,
              payments_amount: '0.00',
              refunds_count: 0,
              refunds_amount: '0.00',
              fees_amount: '0.00',
              net_amount: '0.00',
            };
            const next: Row = { ...r, business_date: date };
            if (effect === 'payment') {
              next.payments_count = Number(r.payments_count) + 1;
              next.payments_amount = m(r.payments_amount).add(amount).toString();
            } else if (effect === 'refund') {
              next.refunds_count = Number(r.refunds_count) + 1;
              next.refunds_amount = m(r.refunds_amount).add(amount).toString();
            } else {
              next.fees_amount = m(r.fees_amount).add(amount).toString();
            }
            next.net_amount = m(next.payments_amount)
              .sub(m(next.refunds_amount))
              .sub(m(next.fees_amount))
              .toString();
            return next;
          },
        },
      ];
    },
  });
}
