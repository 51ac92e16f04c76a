// Order decisions.
//
// Order state machine (status):
//
//   none ──CreateOrder──▶ awaiting-payment ◀──────── PaymentFailed ─────────┐
//                           │  ▲                                            │
//              RequestPayment  │ PaymentFailed                              │
//                           ▼  │                                            │
//                       payment-requested ──MarkPaymentUnknown──▶ payment-unknown
//                           │                                       │   (only ConfirmPayment or
//         RecordPayment (amount = order amount)           ConfirmPayment  RecordPaymentFailure
//                           ▼                                       ▼   leave it; everything else
//                          paid ◀──────────────────────────────────┘   is PAYMENT_STATUS_UNKNOWN)
//                           │
//   awaiting/requested ──CancelOrder──▶ cancelled ◀── CancelOrder (paid registration: + full fee refund)
//
// - Paid at most once. The same channelTxnId again is a duplicate callback: [] (a different amount for the same
//   txn is PAYMENT_CALLBACK_CONFLICT). A *different* successful transaction for a paid or cancelled order is
//   money the patient is owed: recorded as DuplicatePaymentReceived (never dropped, never rejected, since the
//   channel holds the money either way) and refundable in full by naming its channelTxnId.
// - Refunds, per payment:  requested ──VerifyRefundIdentity──▶ requested+verified ──RecordRefundSuccess──▶ succeeded
//                            └──────────────── RecordRefundFailure (any time before success) ──▶ failed
//   Success needs verified identity (IDENTITY_NOT_VERIFIED). Requested and succeeded refunds both hold money:
//   Σ(non-failed refunds) ≤ payment, so two concurrent partial refunds that each fit alone cannot together
//   exceed it (the handler's optimistic concurrency makes the second re-decide on the state with the first).
//   Refunds always go back to the original channel, transaction and payer account (copied from the payment).
//   Deposit top-up orders are not refunded here (their money belongs to the deposit account: use
//   RefundDepositRemainder), except surplus payments.
// - HIS writeback: paid ⇒ his 'pending'; HisWritebackFailed ⇒ 'failed' ("paid, not in HIS", see isPaidNotInHis)
//   until HisWritebackSucceeded ⇒ 'synced', or until the payment is fully refunded.
import { checkedDecide } from '../decider.ts';
import { parseBusinessDate } from '../business-date.ts';
import { Money, positiveAmount } from '../money.ts';
import { invariant, type Rejection, reject, withinLimit } from '../rejection.ts';
import { refuse } from '../refund/refusals.ts';
import { committedRefunds, evolveOrder, findPayment, paymentsOf, refundableAmount } from './evolve.ts';
import { AttemptId } from '../ids.ts';
import {
  type AdmissionCheck,
  type ChannelPaymentData,
  type ChargeItemData,
  type NotifiedRefundAmount,
  type RecordRefundSuccess,
  type Refund,
  ORDER_LIMITS,
  type OrderBusinessData,
  type OrderCommand,
  type OrderEvent,
  type OrderState,
  payoutChannel,
} from './types.ts';

/** Most HIS writeback attempts the domain accepts for one order. */
export const MAX_HIS_WRITEBACK_ATTEMPTS = 1_000;

/** Money taken at `channel` as the payment's events record it, from the callback that reported it. */
function channelPayment(
  channel: string,
  reported: { channelTxnId: string; payerRef: string; merchantId?: string | undefined },
  amount: Money,
): ChannelPaymentData {
  return {
    channel,
    channelTxnId: reported.channelTxnId,
    amount: amount.toString(),
    payerRef: reported.payerRef,
    ...(reported.merchantId ? { merchantId: reported.merchantId } : {}),
  };
}

function text(value: string, field: string): string {
  if (typeof value !== 'string' || value.length === 0 || value.length > ORDER_LIMITS.textLength)
    throw reject('INVALID_COMMAND', { field, reason: `must be 1..${ORDER_LIMITS.textLength} characters` });
  return value;
}

export const decideOrder = checkedDecide(rules, evolveOrder, assertOrderInvariants);

function rules(command: OrderCommand, state: OrderState): OrderEvent[] {
  if (command.type === 'CreateOrder') return createOrder(command, state);
  // A refund requested or completed together with its identity check is one decision (one append): never a
  // request written without the verification that came with it.
  if ((command.type === 'RequestRefund' || command.type === 'RecordRefundSuccess') && command.identity) {
    const { identity, ...alone } = command;
    const verify: OrderCommand = {
      type: 'VerifyRefundIdentity',
      hospitalId: command.hospitalId,
      orderId: command.orderId,
      refundId: command.refundId,
      method: identity.method,
      verifiedBy: identity.verifiedBy,
      at: command.at,
      actor: command.actor,
    };
    if (alone.type === 'RequestRefund') {
      const requested = rules(alone, state);
      return [...requested, ...rules(verify, requested.reduce(evolveOrder, state))];
    }
    const pending = state.refunds.get(command.refundId)?.status === 'requested';
    const verified = pending ? rules(verify, state) : [];
    return [...verified, ...rules(alone, verified.reduce(evolveOrder, state))];
  }
  if (state.status === 'none') throw reject('ORDER_NOT_FOUND', { orderId: command.orderId });
  const orderId = state.orderId;

  switch (command.type) {
    case 'RequestPayment': {
      if (state.status === 'payment-unknown') throw unresolvedAttempt(state);
      if (state.status === 'payment-requested' && state.attempt?.attemptId === command.attemptId) return [];
      mustBePayable(state);
      return [attemptEvent('PaymentRequested', orderId, command)];
    }

    case 'RecordPayment': {
      const amount = positiveAmount(command.amount);
      const known = findPayment(state, command.channelTxnId);
      if (known) {
        if (known.amount.equals(amount) && known.channel === command.channel) return []; // duplicate callback
        throw reject('PAYMENT_CALLBACK_CONFLICT', { channelTxnId: command.channelTxnId });
      }
      if (state.status === 'payment-unknown') {
        // The device lost track of its attempt and the channel now reports the money: that confirms the
        // attempt (through the same channel only; another channel's payment cannot resolve it).
        const lost = state.attempt;
        if (!lost || lost.channel !== command.channel)
          throw reject('PAYMENT_STATUS_UNKNOWN', { attemptId: lost?.attemptId ?? null });
        return rules(
          {
            type: 'ConfirmPayment',
            hospitalId: command.hospitalId,
            orderId: command.orderId,
            attemptId: AttemptId(lost.attemptId),
            channelTxnId: command.channelTxnId,
            amount,
            payerRef: command.payerRef,
            ...(command.merchantId ? { merchantId: command.merchantId } : {}),
            ...(command.admission ? { admission: command.admission } : {}),
            at: command.at,
            actor: command.actor,
          },
          state,
        );
      }
      checkAdmission(state, command.admission);
      const payment = channelPayment(command.channel, command, amount);
      if (state.status === 'paid' || state.status === 'cancelled') {
        withinLimit(state.duplicates.length, ORDER_LIMITS.duplicatePayments, 'MAX_DUPLICATE_PAYMENTS', {
          orderId,
        });
        return [
          {
            type: 'DuplicatePaymentReceived',
            data: {
              orderId,
              orderKind: state.kind,
              reason: state.status === 'paid' ? 'order-already-paid' : 'order-cancelled',
              ...payment,
            },
          },
        ];
      }
      if (!amount.equals(state.amount))
        throw reject('AMOUNT_MISMATCH', { expected: state.amount.toString(), actual: amount.toString() });
      return [
        {
          type: 'PaymentSucceeded',
          data: {
            orderId,
            orderKind: state.kind,
            admissionId: state.admissionId,
            attemptId: command.attemptId,
            ...payment,
          },
        },
      ];
    }

    case 'MarkPaymentUnknown': {
      if (state.status === 'payment-unknown') {
        if (state.attempt?.attemptId === command.attemptId) return [];
        throw unresolvedAttempt(state);
      }
      mustBePayable(state);
      if (state.attempt?.attemptId === command.attemptId && state.attempt.channel !== command.channel)
        throw reject('CHANNEL_MISMATCH', { expected: state.attempt.channel, actual: command.channel });
      return [attemptEvent('PaymentStatusUnknown', orderId, command)];
    }

    case 'ConfirmPayment': {
      const amount = positiveAmount(command.amount);
      const known = findPayment(state, command.channelTxnId);
      if (known) {
        if (state.payment === known && known.amount.equals(amount)) return []; // confirmed already
        throw reject('PAYMENT_CALLBACK_CONFLICT', { channelTxnId: command.channelTxnId });
      }
      if (state.status !== 'payment-unknown' || !state.attempt)
        throw reject('PAYMENT_NOT_UNKNOWN', { orderId, status: state.status });
      if (state.attempt.attemptId !== command.attemptId)
        throw reject('PAYMENT_NOT_FOUND', { attemptId: command.attemptId });
      if (!amount.equals(state.amount))
        throw reject('AMOUNT_MISMATCH', { expected: state.amount.toString(), actual: amount.toString() });
      checkAdmission(state, command.admission);
      return [
        {
          type: 'PaymentConfirmed',
          data: {
            orderId,
            orderKind: state.kind,
            admissionId: state.admissionId,
            attemptId: command.attemptId,
            ...channelPayment(state.attempt.channel, command, amount),
          },
        },
      ];
    }

    case 'RecordPaymentFailure': {
      const reason = text(command.reason, 'reason');
      const current = state.attempt;
      if (state.status === 'payment-unknown' && current && current.attemptId !== command.attemptId)
        throw reject('PAYMENT_STATUS_UNKNOWN', { attemptId: current.attemptId });
      // A failure of an attempt no longer in flight changes nothing (superseded, or the order moved on).
      if (!current || current.attemptId !== command.attemptId) return [];
      if (current.channel !== command.channel)
        throw reject('CHANNEL_MISMATCH', { expected: current.channel, actual: command.channel });
      return [
        {
          type: 'PaymentFailed',
          data: { orderId, attemptId: command.attemptId, channel: command.channel, reason },
        },
      ];
    }

    case 'CancelOrder': {
      const reason = text(command.reason, 'reason');
      if (state.status === 'cancelled') return [];
      if (state.status === 'payment-unknown') throw unresolvedAttempt(state);
      if (state.status === 'awaiting-payment' || state.status === 'payment-requested')
        return [{ type: 'OrderCancelled', data: { orderId, orderKind: state.kind, reason, wasPaid: false } }];
      // paid: only a registration is cancelled; its fee goes back in full.
      const payment = state.payment;
      if (state.kind !== 'registration' || !payment)
        throw reject('ORDER_NOT_CANCELLABLE', { orderId, kind: state.kind, status: state.status });
      if (!command.refundId)
        throw reject('INVALID_COMMAND', { field: 'refundId', reason: 'required for a paid order' });
      if (state.refunds.has(command.refundId))
        throw reject('REFUND_ALREADY_EXISTS', { refundId: command.refundId });
      const cancelled: OrderEvent = {
        type: 'OrderCancelled',
        data: { orderId, orderKind: state.kind, reason, wasPaid: true },
      };
      const remaining = refundableAmount(state, payment.channelTxnId);
      if (remaining.isZero()) return [cancelled];
      return [
        cancelled,
        {
          type: 'RefundRequested',
          data: {
            orderId,
            orderKind: state.kind,
            refundId: command.refundId,
            of: 'payment',
            channel: payment.channel,
            channelTxnId: payment.channelTxnId,
            payerRef: payment.payerRef,
            amount: remaining.toString(),
            full: true,
            reason,
          },
        },
      ];
    }

    case 'RequestRefund': {
      const reason = text(command.reason, 'reason');
      const amount = positiveAmount(command.amount);
      const existing = state.refunds.get(command.refundId);
      if (existing) {
        const sameTarget = command.channelTxnId === null || command.channelTxnId === existing.channelTxnId;
        if (sameTarget && existing.amount.equals(amount)) return []; // the same request again
        throw reject('REFUND_ALREADY_EXISTS', { refundId: command.refundId });
      }
      if (state.status === 'payment-unknown') throw unresolvedAttempt(state);
      const target =
        command.channelTxnId === null ? state.payment : (findPayment(state, command.channelTxnId) ?? null);
      if (!target) {
        if (command.channelTxnId === null)
          throw reject('ORDER_NOT_REFUNDABLE', { orderId, status: state.status });
        throw reject('PAYMENT_NOT_FOUND', { channelTxnId: command.channelTxnId });
      }
      const of = target === state.payment ? 'payment' : 'duplicate';
      if (state.kind === 'deposit' && of === 'payment')
        throw reject('ORDER_NOT_REFUNDABLE', {
          orderId,
          kind: state.kind,
          reason: 'use RefundDepositRemainder',
        });
      withinLimit(state.refunds.size, ORDER_LIMITS.refunds, 'MAX_REFUNDS_PER_ORDER', { orderId });
      const approver = command.payout?.approvedBy;
      // Maker-checker: a payout outside the original route is approved by someone other than who asked or checked.
      if (
        command.payout &&
        (!approver || approver === command.actor.id || approver === command.identity?.verifiedBy)
      )
        throw refuse('REFUND_LEG_NOT_APPROVED', { refundId: command.refundId });
      const remaining = refundableAmount(state, target.channelTxnId);
      if (amount.gt(remaining))
        throw reject('REFUND_EXCEEDS_PAYMENT', {
          requested: amount.toString(),
          refundable: remaining.toString(),
          channelTxnId: target.channelTxnId,
        });
      return [
        {
          type: 'RefundRequested',
          data: {
            orderId,
            orderKind: state.kind,
            refundId: command.refundId,
            of,
            channel: target.channel,
            channelTxnId: target.channelTxnId,
            payerRef: target.payerRef,
            amount: amount.toString(),
            full: amount.equals(remaining),
            reason,
            ...(command.payout
              ? { payout: command.payout.route, approvedBy: command.payout.approvedBy }
              : {}),
          },
        },
      ];
    }

    case 'VerifyRefundIdentity': {
      const verifiedBy = text(command.verifiedBy, 'verifiedBy');
      const refund = state.refunds.get(command.refundId);
      if (!refund) throw reject('REFUND_NOT_FOUND', { refundId: command.refundId });
      if (refund.status !== 'requested')
        throw reject('REFUND_NOT_PENDING', { refundId: command.refundId, status: refund.status });
      if (refund.identityVerified) return [];
      return [
        {
          type: 'RefundIdentityVerified',
          data: { orderId, refundId: refund.refundId, method: command.method, verifiedBy },
        },
      ];
    }

    case 'RecordRefundSuccess': {
      const refund = state.refunds.get(command.refundId);
      if (!refund) return refundMadeAtChannel(command, state);
      if (refund.status === 'succeeded' && refund.channelRefundId === command.channelRefundId) return [];
      if (refund.status !== 'requested')
        throw reject('REFUND_NOT_PENDING', { refundId: command.refundId, status: refund.status });
      if (!refund.identityVerified) throw reject('IDENTITY_NOT_VERIFIED', { refundId: command.refundId });
      if (command.notified) checkNotifiedRefund(state, refund, command.notified);
      const payment = findPayment(state, refund.channelTxnId)!;
      return [
        {
          type: 'RefundSucceeded',
          data: {
            orderId,
            orderKind: state.kind,
            refundId: refund.refundId,
            of: refund.of,
            // A payout leaves through the cash desk or the bank, not the payment's channel.
            channel: refund.payout ? payoutChannel(refund.payout) : payment.channel,
            channelTxnId: payment.channelTxnId,
            channelRefundId: command.channelRefundId,
            amount: refund.amount.toString(),
          },
        },
      ];
    }

    case 'RecordRefundFailure': {
      const reason = text(command.reason, 'reason');
      const refund = state.refunds.get(command.refundId);
      if (!refund) throw reject('REFUND_NOT_FOUND', { refundId: command.refundId });
      if (refund.status === 'failed') return [];
      if (refund.status !== 'requested')
        throw reject('REFUND_NOT_PENDING', { refundId: command.refundId, status: refund.status });
      return [
        {
          type: 'RefundFailed',
          data: { orderId, refundId: refund.refundId, amount: refund.amount.toString(), reason },
        },
      ];
    }

    case 'RecordHisWritebackSuccess': {
      if (!state.payment) throw reject('HIS_WRITEBACK_NOT_EXPECTED', { orderId, status: state.status });
      if (state.his === 'synced') return [];
      return [{ type: 'HisWritebackSucceeded', data: { orderId, hisReceiptId: command.hisReceiptId } }];
    }

    case 'RecordHisWritebackFailure': {
      const error = text(command.error, 'error');
      checkAttempt(command.attempt);
      if (!state.payment) throw reject('HIS_WRITEBACK_NOT_EXPECTED', { orderId, status: state.status });
      if (state.his === 'synced') return []; // a late failure report after success changes nothing
      if (state.his === 'failed' && command.attempt <= state.hisAttempts) return []; // the same report again
      return [
        {
          type: 'HisWritebackFailed',
          data: { orderId, attempt: command.attempt, error, retryable: command.retryable },
        },
      ];
    }

    case 'RecordHisRefundWritebackSuccess': {
      const refund = succeededRefund(state, command.refundId);
      if (refund.his === 'synced') return [];
      return [
        {
          type: 'HisRefundWritebackSucceeded',
          data: { orderId, refundId: refund.refundId, hisReceiptId: command.hisReceiptId },
        },
      ];
    }

    case 'RecordHisRefundWritebackFailure': {
      const error = text(command.error, 'error');
      checkAttempt(command.attempt);
      const refund = succeededRefund(state, command.refundId);
      if (refund.his === 'synced') return [];
      if (refund.his === 'failed' && command.attempt <= refund.hisAttempts) return [];
      return [
        {
          type: 'HisRefundWritebackFailed',
          data: {
            orderId,
            refundId: refund.refundId,
            attempt: command.attempt,
            error,
            retryable: command.retryable,
          },
        },
      ];
    }
  }
}

/** Refused while an attempt's outcome is unknown: it must first be confirmed or failed. */
function unresolvedAttempt(state: OrderState): Rejection {
  return reject('PAYMENT_STATUS_UNKNOWN', { attemptId: state.attempt?.attemptId ?? null });
}

/** Refused unless the order awaits payment (or an attempt at it was requested). */
function mustBePayable(state: OrderState): void {
  if (state.status !== 'awaiting-payment' && state.status !== 'payment-requested')
    throw reject('ORDER_NOT_PAYABLE', { orderId: state.orderId, status: state.status });
}

/** An attempt at paying the order, requested or of unknown outcome: the attempt and its channel. */
function attemptEvent(
  type: 'PaymentRequested' | 'PaymentStatusUnknown',
  orderId: string,
  attempt: { attemptId: string; channel: string },
): OrderEvent {
  return { type, data: { orderId, attemptId: attempt.attemptId, channel: attempt.channel } };
}

/** The refund whose HIS write-back is reported: it must exist and have succeeded. */
function succeededRefund(state: OrderState, refundId: string): Refund {
  const refund = state.refunds.get(refundId);
  if (!refund) throw reject('REFUND_NOT_FOUND', { refundId });
  if (refund.status !== 'succeeded')
    throw reject('HIS_WRITEBACK_NOT_EXPECTED', {
      orderId: state.orderId,
      refundId: refund.refundId,
      status: refund.status,
    });
  return refund;
}

function checkAttempt(attempt: number): void {
  if (!Number.isSafeInteger(attempt) || attempt < 1 || attempt > MAX_HIS_WRITEBACK_ATTEMPTS)
    throw reject('INVALID_COMMAND', { field: 'attempt', reason: `1..${MAX_HIS_WRITEBACK_ATTEMPTS}` });
}

/** A deposit top-up belongs to its admission's patient: refused before any money is recorded for it. */
function checkAdmission(
  order: Pick<OrderState, 'kind' | 'patientId' | 'admissionId'>,
  admission?: AdmissionCheck,
) {
  if (order.kind !== 'deposit' || !admission || admission.patientId === null) return;
  if (admission.patientId !== order.patientId)
    throw reject('DEPOSIT_PATIENT_MISMATCH', { admissionId: order.admissionId });
}

/**
 * A channel's refund notification must agree with the refund the ledger requested. Per refund (WeChat): the
 * same amount. Cumulative (Alipay refund_fee): at least what has succeeded at the channel including this one,
 * and at most what is requested or succeeded on the payment (other refunds' notifications may still be on
 * their way).
 */
/**
 * A refund number the platform never requested, reported by the channel (callback or query): the money already
 * went out at the channel (a refund made by hand at the merchant platform). It is recorded as it happened —
 * within what the payment can still return — so the ledger and the channel agree, instead of being refused.
 */
function refundMadeAtChannel(command: RecordRefundSuccess, state: OrderState): OrderEvent[] {
  const refundId = command.refundId;
  const payment = command.channelTxnId ? findPayment(state, command.channelTxnId) : undefined;
  if (!payment || !command.notified) throw reject('REFUND_NOT_FOUND', { refundId });
  const of = payment === state.payment ? 'payment' : 'duplicate';
  // A deposit top-up's refunds belong to the deposit account, never to its order.
  if (state.kind === 'deposit' && of === 'payment') throw reject('REFUND_NOT_FOUND', { refundId });
  let amount = command.notified.amount;
  if (command.notified.basis === 'cumulative-refunds') {
    let done = Money.ZERO;
    for (const r of state.refunds.values())
      if (r.channelTxnId === payment.channelTxnId && r.status === 'succeeded') done = done.add(r.amount);
    amount = amount.sub(done);
  }
  const remaining = refundableAmount(state, payment.channelTxnId);
  if (!amount.isPositive() || amount.gt(remaining))
    throw reject('REFUND_EXCEEDS_PAYMENT', {
      requested: amount.toString(),
      refundable: remaining.toString(),
      channelTxnId: payment.channelTxnId,
    });
  withinLimit(state.refunds.size, ORDER_LIMITS.refunds, 'MAX_REFUNDS_PER_ORDER', { orderId: state.orderId });
  return [
    {
      type: 'RefundSucceeded',
      data: {
        orderId: state.orderId,
        orderKind: state.kind,
        refundId,
        of,
        channel: payment.channel,
        channelTxnId: payment.channelTxnId,
        channelRefundId: command.channelRefundId,
        amount: amount.toString(),
        initiatedBy: 'channel',
      },
    },
  ];
}

function checkNotifiedRefund(state: OrderState, refund: Refund, notified: NotifiedRefundAmount): void {
  if (notified.basis === 'this-refund') {
    if (!notified.amount.equals(refund.amount))
      throw reject('REFUND_AMOUNT_MISMATCH', {
        refundId: refund.refundId,
        requested: refund.amount.toString(),
        notified: notified.amount.toString(),
      });
    return;
  }
  let succeededOthers = Money.ZERO;
  let committed = Money.ZERO;
  for (const r of state.refunds.values()) {
    if (r.channelTxnId !== refund.channelTxnId || r.status === 'failed') continue;
    committed = committed.add(r.amount);
    if (r.status === 'succeeded' && r.refundId !== refund.refundId)
      succeededOthers = succeededOthers.add(r.amount);
  }
  if (notified.amount.lt(succeededOthers.add(refund.amount)) || notified.amount.gt(committed))
    throw reject('REFUND_CUMULATIVE_MISMATCH', {
      refundId: refund.refundId,
      notified: notified.amount.toString(),
      committed: committed.toString(),
    });
}

function createOrder(
  command: Extract<OrderCommand, { type: 'CreateOrder' }>,
  state: OrderState,
): OrderEvent[] {
  if (state.status !== 'none') throw reject('ORDER_ALREADY_EXISTS', { orderId: command.orderId });
  if (command.business.kind === 'deposit')
    checkAdmission(
      { kind: 'deposit', patientId: command.patientId, admissionId: command.business.admissionId },
      command.admission,
    );
  const amount = positiveAmount(command.amount);
  const b = command.business;
  let business: OrderBusinessData;
  switch (b.kind) {
    case 'registration':
      business = {
        kind: 'registration',
        mode: b.mode,
        departmentId: b.departmentId,
        doctorId: b.doctorId,
        slotId: b.slotId,
        visitDate: parseBusinessDate(b.visitDate),
      };
      break;
    case 'outpatient': {
      if (b.chargeItems.length === 0 || b.chargeItems.length > ORDER_LIMITS.chargeItems)
        throw reject('CHARGE_ITEMS_MISMATCH', {
          reason: `1..${ORDER_LIMITS.chargeItems} items`,
          count: b.chargeItems.length,
        });
      const seen = new Set<string>();
      const items: ChargeItemData[] = [];
      for (const item of b.chargeItems) {
        if (seen.has(item.hisItemId))
          throw reject('CHARGE_ITEMS_MISMATCH', { reason: 'duplicate item', item: item.hisItemId });
        seen.add(item.hisItemId);
        items.push({
          hisItemId: item.hisItemId,
          name: text(item.name, 'chargeItems.name'),
          amount: positiveAmount(item.amount, 'chargeItems.amount').toString(),
        });
      }
      const total = Money.sum(b.chargeItems.map((i) => i.amount));
      if (!total.equals(amount))
        throw reject('CHARGE_ITEMS_MISMATCH', { itemsTotal: total.toString(), amount: amount.toString() });
      business = { kind: 'outpatient', visitId: b.visitId, chargeItems: items };
      break;
    }
    case 'deposit':
      business = { kind: 'deposit', admissionId: b.admissionId };
      break;
    default:
      throw reject('INVALID_COMMAND', { field: 'business.kind' });
  }
  return [
    {
      type: 'OrderCreated',
      data: { orderId: command.orderId, patientId: command.patientId, amount: amount.toString(), business },
    },
  ];
}

/** What must hold in every order state a decision leads to. */
export function assertOrderInvariants(state: OrderState): void {
  const txns = new Set<string>();
  for (const p of paymentsOf(state)) {
    invariant(!txns.has(p.channelTxnId), `payment ${p.channelTxnId} recorded twice`);
    txns.add(p.channelTxnId);
    invariant(p.amount.isPositive(), `payment ${p.channelTxnId} amount must be > 0`);
    invariant(
      committedRefunds(state, p.channelTxnId).lte(p.amount),
      `refunds of ${p.channelTxnId} exceed the payment`,
    );
  }
  if (state.payment)
    invariant(state.payment.amount.equals(state.amount), 'payment differs from the order amount');
  if (state.status === 'paid') invariant(state.payment !== null, 'paid without a payment');
  for (const r of state.refunds.values()) {
    invariant(txns.has(r.channelTxnId), `refund ${r.refundId} of an unknown payment`);
    if (r.status === 'succeeded') invariant(r.identityVerified, `refund ${r.refundId} succeeded unverified`);
  }
}
