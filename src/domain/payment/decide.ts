// Payment attempt decisions (pure). One trade per order at the channel; attempts on it follow each other:
//
//   (none | failed) ──StartPaymentAttempt──▶ started ──AwaitingPassword──▶ awaiting-password
//                                              │  └───────────────┬──────────────┘
//                                              ▼                  ▼
//                     succeeded (answer | callback | query, once) · failed · reversed (code) · closed (qr, in-app)
//
// - Success is recorded once: the same transaction again (a callback after the query found it) is [], another
//   transaction for the same trade is a conflict. Success is accepted after any other outcome too — money the
//   channel took is a fact whatever the platform believed (the order then records it as owed back if need be).
// - A reversed or closed trade cannot be paid again under the same merchant order number: a new order is needed.
import { checkedDecide } from '../decider.ts';
import { Money, positiveAmount } from '../money.ts';
import { invariant, reject, withinLimit } from '../rejection.ts';
import { refusePayment } from './refusals.ts';
import {
  FINAL_ATTEMPT_STATUSES,
  MAX_ATTEMPTS_PER_TRADE,
  MAX_DISPLAY_BYTES,
  PAYMENT_AMOUNT_LIMITS,
  PAYMENT_METHODS,
  type PaymentAttempt,
  type PaymentCommand,
  type PaymentEvent,
  type PaymentState,
} from './types.ts';

const MAX_REASON_LENGTH = 500;
const clip = (s: string) => s.slice(0, MAX_REASON_LENGTH);

export function initialPaymentState(): PaymentState {
  return { orderId: '', attempts: [] };
}

export function currentAttempt(state: PaymentState): PaymentAttempt | undefined {
  return state.attempts.at(-1);
}

export function attemptOf(state: PaymentState, attemptId: string): PaymentAttempt | undefined {
  return state.attempts.find((a) => a.attemptId === attemptId);
}

export function isFinal(a: PaymentAttempt): boolean {
  return FINAL_ATTEMPT_STATUSES.includes(a.status);
}

export const decidePayment = checkedDecide(rules, evolvePayment, assertPaymentInvariants);

function rules(command: PaymentCommand, state: PaymentState): PaymentEvent[] {
  const { orderId, attemptId } = command;
  if (command.type === 'StartPaymentAttempt') {
    if (!PAYMENT_METHODS.includes(command.method))
      throw refusePayment('PAYMENT_METHOD_INVALID', { field: 'method' });
    const amount = positiveAmount(Money.parse(command.amount));
    if (amount.gt(Money.parse(PAYMENT_AMOUNT_LIMITS[command.method])))
      throw refusePayment('PAYMENT_AMOUNT_OVER_LIMIT', {
        method: command.method,
        limit: PAYMENT_AMOUNT_LIMITS[command.method],
      });
    const same = attemptOf(state, attemptId);
    if (same) {
      // The same start again (a retried request) changes nothing; the id reused for another payment is refused.
      if (
        same.method === command.method &&
        same.channel === command.channel &&
        same.amount === amount.toString()
      )
        return [];
      throw refusePayment('PAYMENT_ATTEMPT_IN_FLIGHT', { attemptId });
    }
    const last = currentAttempt(state);
    if (last && !isFinal(last))
      throw refusePayment('PAYMENT_ATTEMPT_IN_FLIGHT', { attemptId: last.attemptId });
    if (last?.status === 'succeeded') throw reject('ORDER_NOT_PAYABLE', { orderId, status: 'paid' });
    if (last && (last.status === 'reversed' || last.status === 'closed'))
      throw refusePayment('PAYMENT_TRADE_CLOSED', { orderId, attemptId: last.attemptId });
    withinLimit(state.attempts.length, MAX_ATTEMPTS_PER_TRADE, 'MAX_ATTEMPTS_PER_TRADE', { orderId });
    return [
      {
        type: 'PaymentAttemptStarted',
        data: {
          orderId,
          attemptId,
          method: command.method,
          channel: command.channel,
          amount: amount.toString(),
          merchantOrderNo: command.merchantOrderNo,
          expiresAt: command.expiresAt.toISOString(),
        },
      },
    ];
  }

  const attempt = attemptOf(state, attemptId);
  if (!attempt) throw refusePayment('PAYMENT_ATTEMPT_NOT_FOUND', { attemptId });
  const open = !isFinal(attempt);

  switch (command.type) {
    case 'RecordAttemptPrepared': {
      if (attempt.display !== null || !open) return [];
      if (JSON.stringify(command.display).length > MAX_DISPLAY_BYTES)
        throw reject('LIMIT_EXCEEDED', { limit: 'MAX_DISPLAY_BYTES' });
      return [{ type: 'PaymentAttemptPrepared', data: { orderId, attemptId, display: command.display } }];
    }
    case 'RecordAttemptAwaitingPassword': {
      if (attempt.status !== 'started') return [];
      return [{ type: 'PaymentAttemptAwaitingPassword', data: { orderId, attemptId } }];
    }
    case 'RecordAttemptSucceeded': {
      const paid = state.attempts.find((a) => a.status === 'succeeded');
      if (paid) {
        if (paid.channelTxnId === command.channelTxnId) return []; // found by callback and by query: once
        throw reject('PAYMENT_CALLBACK_CONFLICT', { channelTxnId: command.channelTxnId });
      }
      const amount = positiveAmount(Money.parse(command.amount));
      if (amount.toString() !== attempt.amount)
        throw reject('AMOUNT_MISMATCH', { expected: attempt.amount, actual: amount.toString() });
      return [
        {
          type: 'PaymentAttemptSucceeded',
          data: {
            orderId,
            attemptId,
            channel: attempt.channel,
            channelTxnId: command.channelTxnId,
            amount: amount.toString(),
            via: command.via,
          },
        },
      ];
    }
    case 'RecordAttemptFailed': {
      if (!open) return [];
      return [
        {
          type: 'PaymentAttemptFailed',
          data: { orderId, attemptId, reason: clip(command.reason), channelCode: command.channelCode },
        },
      ];
    }
    case 'RecordAttemptReversed': {
      if (!open) return [];
      if (attempt.method !== 'code')
        throw refusePayment('PAYMENT_METHOD_INVALID', { reason: 'only a payment-code attempt is reversed' });
      return [
        {
          type: 'PaymentAttemptReversed',
          data: { orderId, attemptId, reason: clip(command.reason), action: command.action },
        },
      ];
    }
    case 'RecordAttemptClosed': {
      if (!open) return [];
      return [{ type: 'PaymentAttemptClosed', data: { orderId, attemptId, reason: clip(command.reason) } }];
    }
    default: {
      const never: never = command;
      return never;
    }
  }
}

function assertPaymentInvariants(state: PaymentState): void {
  invariant(
    state.attempts.filter((a) => a.status === 'succeeded').length <= 1,
    'an order trade is paid at most once',
  );
  invariant(
    state.attempts.slice(0, -1).every(isFinal),
    'only the last attempt of a trade may still be in flight',
  );
}

function update(state: PaymentState, attemptId: string, change: Partial<PaymentAttempt>): PaymentState {
  return {
    ...state,
    attempts: state.attempts.map((a) => (a.attemptId === attemptId ? { ...a, ...change } : a)),
  };
}

export function evolvePayment(state: PaymentState, event: PaymentEvent): PaymentState {
  const d = event.data;
  switch (event.type) {
    case 'PaymentAttemptStarted': {
      const s = event.data;
      return {
        orderId: s.orderId,
        attempts: [
          ...state.attempts,
          {
            attemptId: s.attemptId,
            method: s.method,
            channel: s.channel as PaymentAttempt['channel'],
            amount: s.amount,
            merchantOrderNo: s.merchantOrderNo,
            expiresAt: new Date(s.expiresAt),
            status: 'started',
            display: null,
            channelTxnId: null,
            via: null,
            reason: null,
          },
        ],
      };
    }
    case 'PaymentAttemptPrepared':
      return update(state, d.attemptId, { display: { ...event.data.display } });
    case 'PaymentAttemptAwaitingPassword':
      return update(state, d.attemptId, { status: 'awaiting-password' });
    case 'PaymentAttemptSucceeded':
      return update(state, d.attemptId, {
        status: 'succeeded',
        channelTxnId: event.data.channelTxnId,
        via: event.data.via,
      });
    case 'PaymentAttemptFailed':
      return update(state, d.attemptId, { status: 'failed', reason: event.data.reason });
    case 'PaymentAttemptReversed':
      return update(state, d.attemptId, { status: 'reversed', reason: event.data.reason });
    case 'PaymentAttemptClosed':
      return update(state, d.attemptId, { status: 'closed', reason: event.data.reason });
    default:
      return state;
  }
}
