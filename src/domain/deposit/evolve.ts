import { Money } from '../money.ts';
import type { DepositEvent, DepositState } from './types.ts';

export function initialDepositState(): DepositState {
  return {
    exists: false,
    admissionId: '',
    patientId: '',
    balance: Money.ZERO,
    topUps: new Map(),
    settled: false,
    settlementId: null,
    applied: Money.ZERO,
    refunds: new Map(),
  };
}

export function evolveDeposit(state: DepositState, event: DepositEvent): DepositState {
  switch (event.type) {
    case 'DepositToppedUp': {
      const d = event.data;
      const amount = Money.parse(d.amount);
      const topUps = new Map(state.topUps);
      topUps.set(d.orderId, {
        orderId: d.orderId,
        channel: d.channel,
        channelTxnId: d.channelTxnId,
        payerRef: d.payerRef,
        amount,
        refunded: Money.ZERO,
      });
      return {
        ...state,
        exists: true,
        admissionId: d.admissionId,
        patientId: d.patientId,
        balance: state.balance.add(amount),
        topUps,
      };
    }
    case 'DepositApplied': {
      const amount = Money.parse(event.data.amount);
      return {
        ...state,
        settled: true,
        settlementId: event.data.settlementId,
        applied: state.applied.add(amount),
        balance: state.balance.sub(amount),
      };
    }
    case 'DepositRemainderRefunded': {
      const d = event.data;
      const amount = Money.parse(d.amount);
      const topUps = new Map(state.topUps);
      const t = topUps.get(d.topUpOrderId);
      if (t) topUps.set(d.topUpOrderId, { ...t, refunded: t.refunded.add(amount) });
      const refunds = new Map(state.refunds);
      refunds.set(d.refundId, { topUpOrderId: d.topUpOrderId, amount });
      return { ...state, balance: state.balance.sub(amount), topUps, refunds };
    }
    default:
      return state;
  }
}
