import type { EventFacts } from '../../domain/event-store.ts';
import { Money } from '../../domain/money.ts';
import { displayStatus, type OrderView } from '../../domain/order/index.ts';
import { column, keyedProjection, type Row, readModel, tenantTable } from '../projection.ts';

/** The orders read model: name, live schema, version. */
export const ORDERS = readModel('orders', 1);

export const ordersTable = tenantTable({
  table: 'orders',
  comment: 'Every order with what was paid, refunded and is still outstanding, and where it stands.',
  key: ['order_id'],
  indexes: ['hospital_id, patient_id', 'hospital_id, status', 'channel_txn_id'],
  columns: {
    order_id: column.text('Platform order number (商户订单号).'),
    kind: column.text('registration | outpatient | deposit.'),
    patient_id: column.text('Patient id (masked on screens and exports).'),
    admission_id: column.optionalText('Admission of a deposit top-up order.'),
    amount: column.money('Amount due.'),
    paid: column.money('Paid on the order (the one accepted payment).'),
    surplus: column.total('Money received beyond the order (duplicate payments), owed back.'),
    refund_requested: column.money('Refunds requested and not yet succeeded or failed.'),
    refunded: column.money('Refunds that succeeded.'),
    outstanding: column.money('amount − paid while the order is open, else 0.'),
    status: column.text(
      'awaiting-payment | payment-unknown | paid | partially-refunded | refunded | cancelled (a paid cancellation stays cancelled while its refund runs, then shows refunded), as the order API shows it.',
    ),
    channel: column.optionalText('Channel of the accepted payment.'),
    channel_txn_id: column.optionalText('Channel transaction id of the accepted payment.'),
    his_synced: column.boolean('Whether the HIS confirmed the payment (写回).'),
    created_at: column.time('Business time the order was created.'),
    paid_at: column.optionalTime('Business time of the accepted payment.'),
    updated_at: column.time('Business time of the last change.'),
    last_position: column.position('Position of the last event applied.'),
  },
});

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
function change(event: EventFacts, update: (row: Row) => void) {
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
export const ordersProjection = keyedProjection({
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
  readsFacts: true,
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
      case 'RefundFailed': {
        // Requested until it succeeds or fails.
        const delta = event.type === 'RefundRequested' ? m(d.amount) : m(d.amount).negate();
        return [
          change(event, (r) => {
            r.refund_requested = m(r.refund_requested).add(delta).toString();
          }),
        ];
      }
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
