// Builders for reconciliation tests: platform facts appended as events, statement files through the writers.
import type { EventStore, JsonObject, NewEvent } from '../../src/domain/event-store.ts';
import { streamId } from '../../src/domain/event-store.ts';

export const H = 'H1';

/** Local (Asia/Shanghai) wall time → UTC ISO. */
export function local(date: string, time: string): string {
  return new Date(`${date}T${time}+08:00`).toISOString();
}

async function append(store: EventStore, orderId: string, events: NewEvent[]): Promise<void> {
  await store.appendToStream(streamId(H, 'order', orderId), events, { expectedVersion: 'any' });
}

export async function platformPayment(
  store: EventStore,
  o: {
    orderId: string;
    txn: string;
    amount: string;
    at: string;
    channel?: string;
    his?: 'synced' | 'failed';
  },
): Promise<void> {
  const at = new Date(o.at);
  const events: NewEvent[] = [
    {
      type: 'PaymentSucceeded',
      occurredAt: at,
      data: {
        orderId: o.orderId,
        orderKind: 'outpatient',
        admissionId: null,
        attemptId: null,
        channel: o.channel ?? 'wechat',
        channelTxnId: o.txn,
        amount: o.amount,
        payerRef: 'payer',
      } as JsonObject,
    },
  ];
  if (o.his === 'synced')
    events.push({
      type: 'HisWritebackSucceeded',
      occurredAt: at,
      data: { orderId: o.orderId, hisReceiptId: `HR-${o.orderId}` },
    });
  if (o.his === 'failed')
    events.push({
      type: 'HisWritebackFailed',
      occurredAt: at,
      data: { orderId: o.orderId, attempt: 1, error: 'timeout' },
    });
  await append(store, o.orderId, events);
}

export async function platformRefund(
  store: EventStore,
  o: { orderId: string; refundId: string; txn: string; amount: string; at: string; channel?: string },
): Promise<void> {
  await append(store, o.orderId, [
    {
      type: 'RefundSucceeded',
      occurredAt: new Date(o.at),
      data: {
        orderId: o.orderId,
        orderKind: 'outpatient',
        refundId: o.refundId,
        of: 'payment',
        channel: o.channel ?? 'wechat',
        channelTxnId: o.txn,
        channelRefundId: `CR-${o.refundId}`,
        amount: o.amount,
      },
    },
  ]);
}
