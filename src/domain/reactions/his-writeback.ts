// HIS writeback (缴费确认 / 退费确认) as a reaction: every payment and every succeeded refund of an order is
// written back to the HIS; a failure the HIS says may pass is retried with doubling delays, a bounded number of
// times, each attempt recorded as an event. After the last attempt, or a definite refusal, the order stays
// visible as paid-not-in-HIS (or refunded-not-in-HIS) for reconciliation and finance staff.
import type { JsonObject, RecordedEvent } from '../event-store.ts';
import type {
  HisRefundWritebackFailed,
  HisWritebackFailed,
  PaymentConfirmed,
  PaymentSucceeded,
  RefundSucceeded,
} from '../order/types.ts';
import { after, backoffMs, type Intent, intent, type Reaction, reactionByType } from './reaction.ts';

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

/** The payment's (or, with a refundId, the refund's) writeback attempt, due at `dueAt`; none when null. */
function writeback(
  event: RecordedEvent,
  orderId: string,
  attempt: number,
  dueAt: Date | null,
  refundId?: string,
): Intent[] {
  if (!dueAt) return [];
  const [kind, key, data]: [string, string, JsonObject] =
    refundId === undefined
      ? [HIS_PAYMENT_WRITEBACK, paymentWritebackKey(orderId, attempt), { orderId, attempt }]
      : [
          HIS_REFUND_WRITEBACK,
          refundWritebackKey(orderId, refundId, attempt),
          { orderId, refundId, attempt },
        ];
  return [intent(event, kind, key, data, dueAt)];
}

const paid = (d: { orderId: string }, event: RecordedEvent) =>
  writeback(event, d.orderId, 1, event.occurredAt);

export const hisWritebackReaction: Reaction = reactionByType<Handled>(
  {
    name: 'his_writeback',
    version: 1,
    description: 'writes every payment and succeeded refund back to the HIS; retries with backoff, bounded',
  },
  {
    PaymentSucceeded: paid,
    PaymentConfirmed: paid,
    HisWritebackFailed: (d, event) =>
      writeback(event, d.orderId, d.attempt + 1, d.retryable ? retryDue(event, d.attempt) : null),
    RefundSucceeded: (d, event) => writeback(event, d.orderId, 1, event.occurredAt, d.refundId),
    HisRefundWritebackFailed: (d, event) =>
      writeback(event, d.orderId, d.attempt + 1, d.retryable ? retryDue(event, d.attempt) : null, d.refundId),
  },
);
