// Following payments taken through the platform, as reactions (never inside a request beyond its bounded wait):
// - an attempt started is followed: a code payment is queried soon (the patient may be entering the password),
//   a QR code or in-app prepay at its expiry; while it may still be paid it is asked again later, when its time
//   is up a code payment is reversed (撤销) and a QR / in-app trade closed, so nothing is charged unrecorded;
// - a payment recorded on an order (by callback, query or the channel's answer) settles the order's attempt.
// Pure: the delays come in with the reaction (paymentFollowUpReaction(options)).
import type { RecordedEvent } from '../event-store.ts';
import type { PaymentConfirmed, PaymentSucceeded } from '../order/types.ts';
import type { PaymentAttemptStarted } from '../payment/types.ts';
import { after, attemptIntent, type Intent, intent, type Reaction } from './reaction.ts';

export const PAYMENT_FOLLOW = 'payment-follow';
export const PAYMENT_SETTLE = 'payment-settle';

/** First query of a code payment still waiting for the password (then backoff until its follow time is up). */
export const DEFAULT_CODE_FIRST_QUERY_MS = 5_000;
export const MAX_CODE_FIRST_QUERY_MS = 60_000;

export interface PaymentFollowOptions {
  codeFirstQueryMs?: number;
}

type Handled = PaymentAttemptStarted | PaymentSucceeded | PaymentConfirmed;

export function paymentFollowUpReaction(options: PaymentFollowOptions = {}): Reaction {
  const first = options.codeFirstQueryMs ?? DEFAULT_CODE_FIRST_QUERY_MS;
  if (!Number.isInteger(first) || first < 0 || first > MAX_CODE_FIRST_QUERY_MS)
    throw new RangeError(`codeFirstQueryMs must be an integer 0..${MAX_CODE_FIRST_QUERY_MS} ms`);
  return {
    name: 'payment_follow_up',
    version: 1,
    description:
      'follows payments taken through the platform: queries, reverses code payments and closes QR codes not paid in time, settles attempts',
    handles: ['PaymentAttemptStarted', 'PaymentSucceeded', 'PaymentConfirmed'],
    react(event: RecordedEvent): Intent[] {
      const e = event as unknown as Handled;
      switch (e.type) {
        case 'PaymentAttemptStarted':
          return [
            attemptIntent(
              event,
              PAYMENT_FOLLOW,
              'follow',
              e.data,
              e.data.method === 'code' ? after(event.occurredAt, first) : new Date(e.data.expiresAt),
            ),
          ];
        case 'PaymentSucceeded':
        case 'PaymentConfirmed':
          return [
            intent(event, PAYMENT_SETTLE, `settle:${e.data.orderId}:${e.data.channelTxnId}`, {
              orderId: e.data.orderId,
            }),
          ];
        default:
          return [];
      }
    },
  };
}

export const paymentFollowUp: Reaction = paymentFollowUpReaction();
