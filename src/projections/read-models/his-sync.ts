import { Money } from '../../domain/money.ts';
import { paidNotInHis } from '../../domain/order/index.ts';
import { column, keyedProjection, type Row, readModel, tenantTable } from '../projection.ts';

/** The HIS-sync read model: name, live schema, version. */
export const HIS_SYNC = readModel('his_sync', 1);

export const hisSyncTable = tenantTable({
  table: 'his_sync_status',
  comment:
    'Whether each paid order has been written back to the HIS (缴费确认). "paid, not in HIS" rows stay visible until synced or refunded.',
  key: ['order_id'],
  indexes: ['hospital_id, status'],
  columns: {
    order_id: column.text('Platform order number.'),
    channel: column.text('Channel of the payment.'),
    channel_txn_id: column.text('Channel transaction id of the payment.'),
    amount: column.money('Amount paid.'),
    refunded: column.money('Refunded of the payment so far.'),
    paid_at: column.time('Business time of the payment.'),
    status: column.text(
      'pending (paid, writeback not tried yet) | failed (tried, not confirmed; retried) | synced (HIS confirmed) | needs-refund (paid, not in HIS, order cancelled) | refunded (fully refunded before it reached the HIS). A partial refund leaves the order paid, not in HIS.',
    ),
    attempts: column.integer('Writeback attempts so far.'),
    last_error: column.optionalText('Error of the last failed attempt.'),
    his_receipt_id: column.optionalText('HIS receipt once synced.'),
    updated_at: column.time('Business time of the last change.'),
  },
});

/** What moves a payment's HIS writeback status (the HIS sync exceptions report reads these and the refunds'). */
export const HIS_SYNC_EVENT_TYPES = [
  'PaymentSucceeded',
  'PaymentConfirmed',
  'HisWritebackSucceeded',
  'HisWritebackFailed',
  'OrderCancelled',
  'RefundSucceeded',
] as const;

/** his_sync_status: one row per paid order. */
export const hisSyncProjection = keyedProjection({
  name: HIS_SYNC.name,
  version: HIS_SYNC.version,
  description:
    'HIS writeback status per payment: pending / synced / failed (attempts, last error) / needs refund.',
  handles: HIS_SYNC_EVENT_TYPES,
  table: hisSyncTable,
  changes(event) {
    const d = event.data as Record<string, unknown>;
    const key = [event.hospitalId, String(d.orderId)];
    const at = event.occurredAt.toISOString();
    const touch = (f: (r: Row) => Row) => [
      {
        key,
        // Only payments open a row: a cancelled unpaid order, say, has nothing to sync.
        update: (r: Row | undefined): Row | undefined => (r ? { ...f(r), updated_at: at } : undefined),
      },
    ];
    switch (event.type) {
      case 'PaymentSucceeded':
      case 'PaymentConfirmed':
        return [
          {
            key,
            update: (): Row => ({
              hospital_id: event.hospitalId,
              order_id: String(d.orderId),
              channel: String(d.channel),
              channel_txn_id: String(d.channelTxnId),
              amount: String(d.amount),
              refunded: '0.00',
              paid_at: at,
              status: 'pending',
              attempts: 0,
              last_error: null,
              his_receipt_id: null,
              updated_at: at,
            }),
          },
        ];
      case 'HisWritebackSucceeded':
        return touch((r) => ({
          ...r,
          status: 'synced',
          attempts: Number(r.attempts) + 1,
          his_receipt_id: String(d.hisReceiptId),
        }));
      case 'HisWritebackFailed':
        return touch((r) =>
          r.status === 'synced'
            ? r
            : { ...r, status: 'failed', attempts: Number(d.attempt), last_error: String(d.error) },
        );
      case 'OrderCancelled':
        return touch((r) => (r.status === 'synced' ? r : { ...r, status: 'needs-refund' }));
      case 'RefundSucceeded':
        if (d.of === 'duplicate') return [];
        return touch((r) => {
          const refunded = Money.parse(String(r.refunded)).add(Money.parse(String(d.amount)));
          const next = { ...r, refunded: refunded.toString() };
          // Paid, not in HIS until synced or fully refunded (the order aggregate's rule).
          const open = paidNotInHis(Money.parse(String(r.amount)), refunded, r.status === 'synced');
          return open || r.status === 'synced' ? next : { ...next, status: 'refunded' };
        });
      default:
        return [];
    }
  },
});
