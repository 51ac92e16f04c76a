import type { RecordedEvent } from '../../domain/event-store.ts';
import { Money } from '../../domain/money.ts';
import { displayStatus, type OrderView } from '../../domain/order/index.ts';
import {
  column,
  keyedProjection,
  type Projection,
  type Row,
  readModel,
  type TableSpec,
} from '../projection.ts';
import type { Int8Column, NumericColumn, TimestampColumn } from '../columns.ts';

/** The orders read model: name, live schema, version. */
export const ORDERS = readModel('orders', 1);

/** A row of `orders`, as kysely reads it. */
export interface OrdersTable {
  hospital_id: string;
  order_id: string;
  kind: string;
  patient_id: string;
  admission_id: string | null;
  amount: NumericColumn;
  paid: NumericColumn;
  surplus: NumericColumn;
  refund_requested: NumericColumn;
  refunded: NumericColumn;
  outstanding: NumericColumn;
  status: string;
  channel: string | null;
  channel_txn_id: string | null;
  his_synced: boolean;
  created_at: TimestampColumn;
  paid_at: TimestampColumn | null;
  updated_at: TimestampColumn;
  last_position: Int8Column;
}

const money = column.money;
const text = column.optionalText;

export const ordersTable = {
  table: 'orders',
  comment: 'Every order with what was paid, refunded and is still outstanding, and where it stands.',
  key: ['hospital_id', 'order_id'],
  indexes: ['hospital_id, patient_id', 'hospital_id, status', 'channel_txn_id'],
  columns: {
    hospital_id: { type: 'text NOT NULL', comment: 'Tenant.' },
    order_id: { type: 'text NOT NULL', comment: 'Platform order number (商户订单号).' },
    kind: { type: 'text NOT NULL', comment: 'registration | outpatient | deposit.' },
    patient_id: { type: 'text NOT NULL', comment: 'Patient id (masked on screens and exports).' },
    admission_id: text('Admission of a deposit top-up order.'),
    amount: money('Amount due.'),
    paid: money('Paid on the order (the one accepted payment).'),
    surplus: column.total('Money received beyond the order (duplicate payments), owed back.'),
    refund_requested: money('Refunds requested and not yet succeeded or failed.'),
    refunded: money('Refunds that succeeded.'),
    outstanding: money('amount − paid while the order is open, else 0.'),
    status: {
      type: 'text NOT NULL',
      comment:
        'awaiting-payment | payment-unknown | paid | partially-refunded | refunded | cancelled (a paid cancellation stays cancelled while its refund runs, then shows refunded), as the order API shows it.',
    },
    channel: text('Channel of the accepted payment.'),
    channel_txn_id: text('Channel transaction id of the accepted payment.'),
    his_synced: { type: 'boolean NOT NULL', comment: 'Whether the HIS confirmed the payment (写回).' },
    created_at: { type: 'timestamptz NOT NULL', comment: 'Business time the order was created.' },
    paid_at: { type: 'timestamptz', comment: 'Business time of the accepted payment.' },
    updated_at: { type: 'timestamptz NOT NULL', comment: 'Business time of the last change.' },
    last_position: { type: 'bigint NOT NULL', comment: 'Position of the last event applied.' },
  },
} satisfies TableSpec;

const m = (v: unknown) => Money.parseTotal(String(v ?? '0'));

/** Zero as the table and Money print it: an order with nothing refunded keeps its status unparsed. */
const ZERO = '0.00';

/**
 * The domain's display rule (orderView), on the row's amounts. Nothing refunded leaves the status as it is (the
 * rule only ever changes it for a positive refund), so most events of a replay parse no amount here.
 */
const status = (row: Row): string =>
  row.refunded === ZERO
    ? (row.status as string)
    : displayStatus(row.status as OrderView['status'], m(row.paid), m(row.refunded));

/**
 * A change of one order's row. `update` sets fields on a copy of the row (a replay makes a million of these: one
 * copy per event, not one per field set).
 */
function change(event: RecordedEvent, update: (row: Row) => void) {
  const orderId = String(event.data.orderId);
  return {
    key: [event.hospitalId, orderId],
    update(row: Row | undefined): Row {
      const at = event.occurredAt.toISOString();
      const next: Row = row
        ? { ...row }
        : {
            hospital_id: event.hospitalId,
            order_id: orderId,
            kind: 'unknown',
            patient_id: '',
            admission_id: null,
            amount: ZERO,
            paid: ZERO,
            surplus: ZERO,
            refund_requested: ZERO,
            refunded: ZERO,
            outstanding: ZERO,
            status: 'awaiting-payment',
            channel: null,
            channel_txn_id: null,
            his_synced: false,
            created_at: at,
            paid_at: null,
            updated_at: at,
            last_position: '0',
          };
      update(next);
      next.status = status(next);
      next.outstanding =
        next.status === 'awaiting-payment' || next.status === 'payment-unknown'
          ? next.paid === ZERO
            ? m(next.amount).toString()
            : m(next.amount).sub(m(next.paid)).toString()
          : ZERO;
      next.updated_at = at;
      next.last_position = event.position.toString();
      return next;
    },
  };
}

/** orders: one row per order. */
export const ordersProjection: Projection = keyedProjection({
  name: ORDERS.name,
  version: ORDERS.version,
  description: 'Orders with paid / refunded / outstanding amounts and status.',
  handles: [
    'OrderCreated',
    'PaymentStatusUnknown',
    'PaymentFailed',
    'PaymentSucceeded',
    'PaymentConfirmed',
    'DuplicatePaymentReceived',
    'OrderCancelled',
    'RefundRequested',
    'RefundSucceeded',
    'RefundFailed',
    'HisWritebackSucceeded',
  ],
  table: ordersTable,
  changes(event) {
    const d = event.data as Record<string, unknown>;
    switch (event.type) {
      case 'OrderCreated': {
        const business = d.business as { kind: string; admissionId?: string };
        return [
          change(event, (r) => {
            r.kind = business.kind;
            r.patient_id = String(d.patientId);
            r.admission_id = business.admissionId ?? null;
            r.amount = m(d.amount).toString();
            r.created_at = event.occurredAt.toISOString();
          }),
        ];
      }
      case 'PaymentStatusUnknown':
        return [
          change(event, (r) => {
            r.status = 'payment-unknown';
          }),
        ];
      case 'PaymentFailed':
        return [
          change(event, (r) => {
            r.status = r.status === 'payment-unknown' ? 'awaiting-payment' : (r.status ?? null);
          }),
        ];
      case 'PaymentSucceeded':
      case 'PaymentConfirmed':
        return [
          change(event, (r) => {
            r.paid = m(r.paid).add(m(d.amount)).toString();
            r.status = 'paid';
            r.channel = String(d.channel);
            r.channel_txn_id = String(d.channelTxnId);
            r.paid_at = event.occurredAt.toISOString();
          }),
        ];
      case 'DuplicatePaymentReceived':
        return [
          change(event, (r) => {
            r.surplus = m(r.surplus).add(m(d.amount)).toString();
          }),
        ];
      case 'OrderCancelled':
        return [
          change(event, (r) => {
            r.status = 'cancelled';
          }),
        ];
      case 'RefundRequested':
        return [
          change(event, (r) => {
            r.refund_requested = m(r.refund_requested).add(m(d.amount)).toString();
          }),
        ];
      case 'RefundFailed':
        return [
          change(event, (r) => {
            r.refund_requested = m(r.refund_requested).sub(m(d.amount)).toString();
          }),
        ];
      case 'RefundSucceeded':
        return [
          change(event, (r) => {
            const amount = m(d.amount);
            r.refund_requested = m(r.refund_requested).sub(amount).toString();
            if (d.of === 'duplicate') r.surplus = m(r.surplus).sub(amount).toString();
            else r.refunded = m(r.refunded).add(amount).toString();
          }),
        ];
      case 'HisWritebackSucceeded':
        return [
          change(event, (r) => {
            r.his_synced = true;
          }),
        ];
      default:
        return [];
    }
  },
});
