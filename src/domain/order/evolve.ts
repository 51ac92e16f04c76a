// Order state from its events. Total over every event the order decider emits; unknown order of facts is
// tolerated (evolve records facts, decide enforces rules).
import { Money, type MoneyString } from '../money.ts';
import type { ChannelPaymentData, OrderEvent, OrderState, Payment, Refund, RefundOf } from './types.ts';

/** The payment an event records (the order's, a duplicate, a deposit top-up). */
export function paymentFrom(d: ChannelPaymentData): Payment {
  return {
    channel: d.channel,
    channelTxnId: d.channelTxnId,
    amount: Money.parse(d.amount),
    payerRef: d.payerRef,
    // Upcast rule: events from before merchants were recorded carry none (the primary merchant took them).
    merchantId: d.merchantId ?? null,
  };
}

export function initialOrderState(): OrderState {
  return {
    status: 'none',
    orderId: '',
    patientId: '',
    kind: 'registration',
    admissionId: null,
    amount: Money.ZERO,
    attempt: null,
    payment: null,
    duplicates: [],
    refunds: new Map(),
    his: 'not-applicable',
    hisAttempts: 0,
    hisLastError: null,
    hisRetryable: true,
  };
}

function withRefund(state: OrderState, refundId: string, change: (r: Refund) => Refund): OrderState {
  const r = state.refunds.get(refundId);
  if (!r) return state;
  const refunds = new Map(state.refunds);
  refunds.set(refundId, change(r));
  return { ...state, refunds };
}

/** A new refund of the order: what its event records, and where it stands. */
function addRefund(
  state: OrderState,
  d: { refundId: string; of: RefundOf; channelTxnId: string; amount: MoneyString },
  standing: Pick<Refund, 'status' | 'identityVerified' | 'channelRefundId' | 'his' | 'payout'>,
): OrderState {
  const refunds = new Map(state.refunds);
  const { refundId, of, channelTxnId } = d;
  refunds.set(refundId, {
    refundId,
    of,
    channelTxnId,
    amount: Money.parse(d.amount),
    ...standing,
    hisAttempts: 0,
  });
  return { ...state, refunds };
}

export function evolveOrder(state: OrderState, event: OrderEvent): OrderState {
  switch (event.type) {
    case 'OrderCreated': {
      const d = event.data;
      return {
        ...initialOrderState(),
        status: 'awaiting-payment',
        orderId: d.orderId,
        patientId: d.patientId,
        kind: d.business.kind,
        admissionId: d.business.kind === 'deposit' ? d.business.admissionId : null,
        amount: Money.parse(d.amount),
      };
    }
    case 'PaymentRequested':
      return {
        ...state,
        status: 'payment-requested',
        attempt: { attemptId: event.data.attemptId, channel: event.data.channel },
      };
    case 'PaymentStatusUnknown':
      return {
        ...state,
        status: 'payment-unknown',
        attempt: { attemptId: event.data.attemptId, channel: event.data.channel },
      };
    case 'PaymentFailed':
      return { ...state, status: 'awaiting-payment', attempt: null };
    case 'PaymentSucceeded':
    case 'PaymentConfirmed': {
      const payment = paymentFrom(event.data);
      return { ...state, status: 'paid', attempt: null, payment, his: 'pending' };
    }
    case 'DuplicatePaymentReceived':
      return { ...state, duplicates: [...state.duplicates, paymentFrom(event.data)] };
    case 'OrderCancelled':
      return { ...state, status: 'cancelled', attempt: null };
    case 'RefundRequested': {
      const d = event.data;
      return addRefund(state, d, {
        status: 'requested',
        identityVerified: false,
        channelRefundId: null,
        his: 'not-applicable',
        ...(d.payout ? { payout: d.payout } : {}),
      });
    }
    case 'RefundIdentityVerified':
      return withRefund(state, event.data.refundId, (r) => ({ ...r, identityVerified: true }));
    case 'RefundSucceeded':
      if (!state.refunds.has(event.data.refundId)) {
        // A refund made at the channel: it enters the order already succeeded.
        return addRefund(state, event.data, {
          status: 'succeeded',
          identityVerified: true,
          channelRefundId: event.data.channelRefundId,
          his: 'pending',
        });
      }
      return withRefund(state, event.data.refundId, (r) => ({
        ...r,
        status: 'succeeded',
        channelRefundId: event.data.channelRefundId,
        his: 'pending',
      }));
    case 'RefundFailed':
      return withRefund(state, event.data.refundId, (r) => ({ ...r, status: 'failed' }));
    case 'HisWritebackSucceeded':
      return { ...state, his: 'synced', hisLastError: null };
    case 'HisWritebackFailed':
      return {
        ...state,
        his: state.his === 'synced' ? 'synced' : 'failed',
        hisAttempts: Math.max(state.hisAttempts, event.data.attempt),
        hisLastError: event.data.error,
        hisRetryable: event.data.retryable !== false,
      };
    case 'HisRefundWritebackSucceeded':
      return withRefund(state, event.data.refundId, (r) => ({ ...r, his: 'synced' }));
    case 'HisRefundWritebackFailed':
      return withRefund(state, event.data.refundId, (r) => ({
        ...r,
        his: r.his === 'synced' ? 'synced' : 'failed',
        hisAttempts: Math.max(r.hisAttempts, event.data.attempt),
      }));
    default:
      return state;
  }
}

// ---- derived views ----

/** Every payment the order holds: its own and the surplus ones. */
export function paymentsOf(state: OrderState): Payment[] {
  return state.payment ? [state.payment, ...state.duplicates] : [...state.duplicates];
}

export function findPayment(state: OrderState, channelTxnId: string): Payment | undefined {
  return paymentsOf(state).find((p) => p.channelTxnId === channelTxnId);
}

/** Refunds on a payment that are requested or succeeded: they hold the money until they fail. */
export function committedRefunds(state: OrderState, channelTxnId: string): Money {
  let total = Money.ZERO;
  for (const r of state.refunds.values())
    if (r.channelTxnId === channelTxnId && r.status !== 'failed') total = total.add(r.amount);
  return total;
}

export function refundableAmount(state: OrderState, channelTxnId: string): Money {
  const p = findPayment(state, channelTxnId);
  return p ? p.amount.sub(committedRefunds(state, channelTxnId)) : Money.ZERO;
}

export function refundedAmount(state: OrderState): Money {
  let total = Money.ZERO;
  for (const r of state.refunds.values())
    if (r.status === 'succeeded' && r.of === 'payment') total = total.add(r.amount);
  return total;
}

/**
 * "Paid, not in HIS": the money is in, the HIS does not know yet (writeback pending or failed). Ends with a
 * successful writeback or when the payment is fully refunded.
 */
export function isPaidNotInHis(state: OrderState): boolean {
  if (!state.payment) return false;
  return paidNotInHis(state.payment.amount, refundedAmount(state), state.his === 'synced');
}

/** The rule of isPaidNotInHis on the amounts alone (what a read model holds). */
export function paidNotInHis(paid: Money, refunded: Money, hisSynced: boolean): boolean {
  return !hisSynced && paid.isPositive() && refunded.lt(paid);
}

/**
 * The status a screen shows: refunds folded into the order's status. A paid cancellation stays cancelled while
 * its refund runs, and shows refunded once it succeeded.
 */
export function displayStatus(
  status: OrderView['status'],
  paid: Money,
  refunded: Money,
): OrderView['status'] {
  if (paid.isPositive() && refunded.equals(paid)) return 'refunded';
  if (paid.isPositive() && refunded.isPositive()) return 'partially-refunded';
  return status;
}

export interface OrderView {
  orderId: string;
  status: OrderStatus | 'refunded' | 'partially-refunded';
  amount: string;
  paid: string;
  refunded: string;
  refundPending: string;
  his: OrderState['his'];
  paidNotInHis: boolean;
  owedToPayer: string;
}

type OrderStatus = OrderState['status'];

/** What a screen shows: status with refunds folded in, and the money owed back for surplus payments. */
export function orderView(state: OrderState): OrderView {
  const paid = state.payment?.amount ?? Money.ZERO;
  const refunded = refundedAmount(state);
  let pending = Money.ZERO;
  for (const r of state.refunds.values()) if (r.status === 'requested') pending = pending.add(r.amount);
  let owed = Money.ZERO;
  for (const d of state.duplicates) owed = owed.add(d.amount);
  for (const r of state.refunds.values())
    if (r.of === 'duplicate' && r.status === 'succeeded') owed = owed.sub(r.amount);
  const status = displayStatus(state.status, paid, refunded);
  return {
    orderId: state.orderId,
    status,
    amount: state.amount.toString(),
    paid: paid.toString(),
    refunded: refunded.toString(),
    refundPending: pending.toString(),
    his: state.his,
    paidNotInHis: isPaidNotInHis(state),
    owedToPayer: owed.toString(),
  };
}
