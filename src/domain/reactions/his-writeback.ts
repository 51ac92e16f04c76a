// HIS writeback (缴费确认 / 退费确认) as a reaction: every payment and every succeeded refund of an order is
// written back to the HIS; a failure the HIS says may pass is retried with doubling delays, a bounded number of
// times, each attempt recorded as an event. After the last attempt, or a definite refusal, the order stays
// visible as paid-not-in-HIS (or refunded-not-in-HIS) for reconciliation and finance staff.
import type { RecordedEvent } from '../event-store.ts';
import type {
  HisRefundWritebackFailed,
  HisWritebackFailed,
  PaymentConfirmed,
  PaymentSucceeded,
  RefundSucceeded,
} from '../order/types.ts';
import { after, backoffMs, type Intent, type Reaction } from './reaction.ts';

/** Attempts per writeback, the first included (30 s, 1, 2, 4, 8, 16, 32 min apart: about an hour in all). */
export const HIS_WRITEBACK_MAX_ATTEMPTS = 8;
export const HIS_RETRY_BASE_MS = 30_000;
export const HIS_RETRY_CAP_MS = 60 * 60_000;

export const HIS_PAYMENT_WRITEBACK = 'his-writeback-payment';
export const HIS_REFUND_WRITEBACK = 'his-writeback-refund';

type Handled =
  | PaymentSucceeded
  | PaymentConfirmed
  | HisWritebackFailed
  | RefundSucceeded
  | HisRefundWritebackFailed;

function retryDue(event: RecordedEvent, attempt: number): Date | null {
  if (attempt >= HIS_WRITEBACK_MAX_ATTEMPTS) return null;
  return after(event.occurredAt, backoffMs(attempt, HIS_RETRY_BASE_MS, HIS_RETRY_CAP_MS));
}

export function paymentWritebackKey(orderId: string, attempt: number): string {
  return `payment:${orderId}:${attempt}`;
}

export function refundWritebackKey(orderId: string, refundId: string, attempt: number): string {
  return `refund:${orderId}:${refundId}:${attempt}`;
}

export const hisWritebackReaction: Reaction = {
  name: 'his_writeback',
  version: 1,
  description: 'writes every payment and succeeded refund back to the HIS; retries with backoff, bounded',
  handles: [
    'PaymentSucceeded',
    'PaymentConfirmed',
    'HisWritebackFailed',
    'RefundSucceeded',
    'HisRefundWritebackFailed',
  ],
  react(event: RecordedEvent): Intent[] {
    const e = event as unknown as Handled;
    const hospitalId = event.hospitalId;
    switch (e.type) {
      case 'PaymentSucceeded':
      case 'PaymentConfirmed':
        return [
          {
            key: paymentWritebackKey(e.data.orderId, 1),
            kind: HIS_PAYMENT_WRITEBACK,
            hospitalId,
            data: { orderId: e.data.orderId, attempt: 1 },
            dueAt: event.occurredAt,
          },
        ];
      case 'HisWritebackFailed': {
        const due = e.data.retryable ? retryDue(event, e.data.attempt) : null;
        if (!due) return [];
        const attempt = e.data.attempt + 1;
        return [
          {
            key: paymentWritebackKey(e.data.orderId, attempt),
            kind: HIS_PAYMENT_WRITEBACK,
            hospitalId,
            data: { orderId: e.data.orderId, attempt },
            dueAt: due,
          },
        ];
      }
      case 'RefundSucceeded':
        return [
          {
            key: refundWritebackKey(e.data.orderId, e.data.refundId, 1),
            kind: HIS_REFUND_WRITEBACK,
            hospitalId,
            data: { orderId: e.data.orderId, refundId: e.data.refundId, attempt: 1 },
            dueAt: event.occurredAt,
          },
        ];
      case 'HisRefundWritebackFailed': {
        const due = e.data.retryable ? retryDue(event, e.data.attempt) : null;
        if (!due) return [];
        const attempt = e.data.attempt + 1;
        return [
          {
            key: refundWritebackKey(e.data.orderId, e.data.refundId, attempt),
            kind: HIS_REFUND_WRITEBACK,
            hospitalId,
            data: { orderId: e.data.orderId, refundId: e.data.refundId, attempt },
            dueAt: due,
          },
        ];
      }
      default:
        return [];
    }
  },
};
