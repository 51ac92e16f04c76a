// Asking the channel, as reactions (never inside a request):
// - a payment attempt whose result was lost (PaymentStatusUnknown) is resolved by 主动查单 after a delay, in case
//   no callback settles it first;
// - a refund is sent to the channel once the patient's identity is verified (a refund requested together with
//   its check is verified in the same append), and followed until it succeeds or fails;
// - an approved refund-the-patient resolution of a discrepancy on a platform order becomes a refund of that
//   order (which the previous rule then sends);
// - a payment attempt still unpaid at its deadline is closed at the channel, and only then is the order cancelled.
// Pure: the delays come in with the reaction (channelCallsReaction(options)); the work reads the order as it is
// when it runs, so a callback that settled things first makes the work a no-op.
import type { DepositRemainderRefunded } from '../deposit/types.ts';
import type { DiscrepancyResolved } from '../reconciliation/events.ts';
import type { PaymentRequested, PaymentStatusUnknown, RefundIdentityVerified } from '../order/types.ts';
import { after, attemptIntent, intent, type Reaction, reactionByType } from './reaction.ts';
import { PAYMENT_WINDOW_MS } from '../channel/payment-window.ts';

export const CHANNEL_QUERY_PAYMENT = 'channel-query-payment';
export const CHANNEL_REFUND = 'channel-refund';
export const CHANNEL_CLOSE_ORDER = 'channel-close-order';
export const DISCREPANCY_REFUND = 'discrepancy-refund';
export const CHANNEL_DEPOSIT_REFUND = 'channel-deposit-refund';

/** Wait before asking the channel about a lost attempt: its callback usually arrives within seconds. */
export const DEFAULT_PAYMENT_QUERY_DELAY_MS = 60_000;
/** How long a requested payment may stay unpaid before the order is closed: the payment window. */
export const DEFAULT_PAYMENT_DEADLINE_MS = PAYMENT_WINDOW_MS;
/** Longest either may be configured to (a day): past that an order is stale, not pending. */
export const MAX_CHANNEL_DELAY_MS = 24 * 3600_000;

export interface ChannelCallOptions {
  paymentQueryDelayMs?: number;
  paymentDeadlineMs?: number;
}

type Handled =
  | PaymentStatusUnknown
  | PaymentRequested
  | RefundIdentityVerified
  | DiscrepancyResolved
  | DepositRemainderRefunded;

function delay(ms: number | undefined, fallback: number, name: string): number {
  const v = ms ?? fallback;
  if (!Number.isInteger(v) || v < 0 || v > MAX_CHANNEL_DELAY_MS)
    throw new RangeError(`${name} must be an integer 0..${MAX_CHANNEL_DELAY_MS} ms`);
  return v;
}

export function channelCallsReaction(options: ChannelCallOptions = {}): Reaction {
  const queryDelay = delay(
    options.paymentQueryDelayMs,
    DEFAULT_PAYMENT_QUERY_DELAY_MS,
    'paymentQueryDelayMs',
  );
  const deadline = delay(options.paymentDeadlineMs, DEFAULT_PAYMENT_DEADLINE_MS, 'paymentDeadlineMs');
  return reactionByType<Handled>(
    {
      name: 'channel_calls',
      version: 1,
      description:
        'asks the channel: queries lost payments, sends and follows refunds, closes orders unpaid past their deadline',
    },
    {
      PaymentStatusUnknown: (d, event) => [
        attemptIntent(event, CHANNEL_QUERY_PAYMENT, 'query', d, after(event.occurredAt, queryDelay)),
      ],
      PaymentRequested: (d, event) => [
        attemptIntent(event, CHANNEL_CLOSE_ORDER, 'close', d, after(event.occurredAt, deadline)),
      ],
      RefundIdentityVerified: (d, event) => [
        intent(event, CHANNEL_REFUND, `refund:${d.orderId}:${d.refundId}`, {
          orderId: d.orderId,
          refundId: d.refundId,
        }),
      ],
      // Only an approved (maker-checker) refund-the-patient moves money.
      DiscrepancyResolved: (d, event) => {
        if (d.action !== 'refund-patient' || d.approvedBy === null) return [];
        const data = { discrepancyId: d.discrepancyId, approvedBy: d.approvedBy };
        return [intent(event, DISCREPANCY_REFUND, `discrepancy:${d.discrepancyId}`, data)];
      },
      // A remainder refund by the original route is sent back to the top-up's channel and followed; a
      // fallback payout (cash, bank transfer) is not the channel's business.
      DepositRemainderRefunded: (d, event) => {
        if (d.route) return [];
        const data = { admissionId: d.admissionId, refundId: d.refundId };
        return [intent(event, CHANNEL_DEPOSIT_REFUND, `deposit-refund:${d.admissionId}:${d.refundId}`, data)];
      },
    },
  );
}

export const channelCalls: Reaction = channelCallsReaction();
