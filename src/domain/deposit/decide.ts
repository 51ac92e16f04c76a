// Deposit account decisions.
//
//   (none) ──TopUpDeposit──▶ open ──ApplyDepositAtDischarge──▶ settled ──RefundDepositRemainder…──▶ (balance 0)
//
// - The balance never goes below zero (DEPOSIT_INSUFFICIENT), asserted again on the folded result.
// - A top-up is keyed by its order: the same order again is a no-op, with other data a conflict. Top-ups are
//   accepted even after settlement: the money has arrived and the patient gets it back as remainder.
// - A remainder refund goes back to the channel/transaction/account of one top-up and never exceeds what that
//   top-up brought in, nor the balance; it needs verified identity and a done discharge settlement.
import { checkedDecide } from '../decider.ts';
import { Money, positiveAmount } from '../money.ts';
import { invariant, reject, withinLimit } from '../rejection.ts';
import { refuse } from '../refund/refusals.ts';
import { payoutChannel } from '../order/types.ts';
import { evolveDeposit } from './evolve.ts';
import {
  type DepositCommand,
  type DepositEvent,
  type DepositState,
  MAX_DEPOSIT_REFUNDS,
  MAX_TOP_UPS_PER_ADMISSION,
} from './types.ts';

export const decideDeposit = checkedDecide(rules, evolveDeposit, assertDepositInvariants);

function rules(command: DepositCommand, state: DepositState): DepositEvent[] {
  const admissionId = command.admissionId;
  switch (command.type) {
    case 'TopUpDeposit': {
      const amount = positiveAmount(command.amount);
      if (state.exists && state.patientId !== command.patientId)
        throw reject('DEPOSIT_PATIENT_MISMATCH', { admissionId });
      const known = state.topUps.get(command.orderId);
      if (known) {
        if (known.amount.equals(amount) && known.channelTxnId === command.channelTxnId) return [];
        throw reject('DEPOSIT_TOP_UP_CONFLICT', { orderId: command.orderId });
      }
      withinLimit(state.topUps.size, MAX_TOP_UPS_PER_ADMISSION, 'MAX_TOP_UPS_PER_ADMISSION', { admissionId });
      return [
        {
          type: 'DepositToppedUp',
          data: {
            admissionId,
            patientId: command.patientId,
            orderId: command.orderId,
            channel: command.channel,
            channelTxnId: command.channelTxnId,
            payerRef: command.payerRef,
            amount: amount.toString(),
            balanceAfter: state.balance.add(amount).toString(),
            ...(command.merchantId ? { merchantId: command.merchantId } : {}),
          },
        },
      ];
    }

    case 'ApplyDepositAtDischarge': {
      const amount = command.amount;
      if (!Money.isMoney(amount) || amount.isNegative())
        throw reject('INVALID_AMOUNT', { reason: 'must be >= 0' });
      if (!state.exists) throw reject('DEPOSIT_NOT_FOUND', { admissionId });
      if (state.settled) {
        if (state.settlementId === command.settlementId && state.applied.equals(amount)) return [];
        throw reject('DEPOSIT_ALREADY_SETTLED', { admissionId, settlementId: state.settlementId });
      }
      if (amount.gt(state.balance))
        throw reject('DEPOSIT_INSUFFICIENT', {
          balance: state.balance.toString(),
          requested: amount.toString(),
        });
      return [
        {
          type: 'DepositApplied',
          data: {
            admissionId,
            settlementId: command.settlementId,
            amount: amount.toString(),
            balanceAfter: state.balance.sub(amount).toString(),
          },
        },
      ];
    }

    case 'RefundDepositRemainder': {
      const amount = positiveAmount(command.amount);
      if (!state.exists) throw reject('DEPOSIT_NOT_FOUND', { admissionId });
      const known = state.refunds.get(command.refundId);
      if (known) {
        const sameRoute = known.route === (command.route?.kind ?? 'original');
        if (known.amount.equals(amount) && known.topUpOrderId === command.topUpOrderId && sameRoute)
          return [];
        throw reject('REFUND_ALREADY_EXISTS', { refundId: command.refundId });
      }
      if (!state.settled) throw reject('DEPOSIT_NOT_SETTLED', { admissionId });
      if (!command.identity?.verifiedBy)
        throw reject('IDENTITY_NOT_VERIFIED', { refundId: command.refundId });
      // A fallback payout needs a second person's approval (maker-checker on money leaving another way).
      const approver = command.route?.approvedBy;
      if (
        command.route &&
        (!approver || approver === command.actor.id || approver === command.identity.verifiedBy)
      )
        throw refuse('REFUND_LEG_NOT_APPROVED', { refundId: command.refundId });
      const topUp = state.topUps.get(command.topUpOrderId);
      if (!topUp) throw reject('PAYMENT_NOT_FOUND', { orderId: command.topUpOrderId });
      withinLimit(state.refunds.size, MAX_DEPOSIT_REFUNDS, 'MAX_DEPOSIT_REFUNDS', { admissionId });
      if (amount.gt(state.balance))
        throw reject('DEPOSIT_INSUFFICIENT', {
          balance: state.balance.toString(),
          requested: amount.toString(),
        });
      const refundable = topUp.amount.sub(topUp.refunded);
      if (amount.gt(refundable))
        throw reject('REFUND_EXCEEDS_PAYMENT', {
          requested: amount.toString(),
          refundable: refundable.toString(),
        });
      return [
        {
          type: 'DepositRemainderRefunded',
          data: {
            admissionId,
            refundId: command.refundId,
            topUpOrderId: topUp.orderId,
            channel: command.route ? payoutChannel(command.route.kind) : topUp.channel,
            channelTxnId: topUp.channelTxnId,
            payerRef: topUp.payerRef,
            amount: amount.toString(),
            balanceAfter: state.balance.sub(amount).toString(),
            identityMethod: command.identity.method,
            verifiedBy: command.identity.verifiedBy,
            ...(command.route
              ? {
                  route: command.route.kind,
                  approvedBy: command.route.approvedBy,
                  payeeAccountRef: command.route.payeeAccountRef,
                }
              : {}),
          },
        },
      ];
    }

    case 'RecordDepositRefundOutcome': {
      const refund = state.refunds.get(command.refundId);
      if (!refund) throw reject('REFUND_NOT_FOUND', { refundId: command.refundId });
      if (refund.status === command.outcome) return [];
      if (refund.status !== 'sent')
        throw reject('REFUND_NOT_PENDING', { refundId: command.refundId, status: refund.status });
      const detail = command.detail.slice(0, MAX_DEPOSIT_TEXT);
      if (command.outcome === 'succeeded')
        return [
          {
            type: 'DepositRefundSettled',
            data: { admissionId, refundId: command.refundId, channelRefundId: detail },
          },
        ];
      const topUp = state.topUps.get(refund.topUpOrderId)!;
      return [
        {
          type: 'DepositRefundFailed',
          data: {
            admissionId,
            refundId: command.refundId,
            topUpOrderId: refund.topUpOrderId,
            channel: topUp.channel,
            amount: refund.amount.toString(),
            reason: detail,
            balanceAfter: state.balance.add(refund.amount).toString(),
          },
        },
      ];
    }
  }
}

const MAX_DEPOSIT_TEXT = 500;

export function assertDepositInvariants(state: DepositState): void {
  invariant(!state.balance.isNegative(), `deposit ${state.admissionId} balance below zero`);
  let total = Money.ZERO;
  for (const t of state.topUps.values()) {
    invariant(t.refunded.lte(t.amount), `refunds of top-up ${t.orderId} exceed it`);
    total = total.add(t.amount).sub(t.refunded);
  }
  invariant(
    total.sub(state.applied).equals(state.balance),
    `deposit ${state.admissionId} balance does not add up`,
  );
}
