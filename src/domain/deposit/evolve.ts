import { Money } from '../money.ts';
import { paymentFrom } from '../order/evolve.ts';
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
      const payment = paymentFrom(d);
      const topUps = new Map(state.topUps);
      topUps.set(d.orderId, { orderId: d.orderId, ...payment, refunded: Money.ZERO });
      return {
        ...state,
        exists: true,
        admissionId: d.admissionId,
        patientId: d.patientId,
        balance: state.balance.add(payment.amount),
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
      // A fallback route pays out at once (the approved payout is the refund); the original route waits for the channel.
      const route = d.route ?? 'original';
      refunds.set(d.refundId, {
        topUpOrderId: d.topUpOrderId,
        amount,
        route,
        status: route === 'original' ? 'sent' : 'succeeded',
      });
      return { ...state, balance: state.balance.sub(amount), topUps, refunds };
    }
    case 'DepositRefundSettled': {
      const r = state.refunds.get(event.data.refundId);
      if (!r) return state;
      return {
        ...state,
        refunds: new Map(state.refunds).set(event.data.refundId, { ...r, status: 'succeeded' }),
      };
    }
    case 'DepositRefundFailed': {
      const d = event.data;
      const amount = Money.parse(d.amount);
      const r = state.refunds.get(d.refundId);
      const topUps = new Map(state.topUps);
      const t = topUps.get(d.topUpOrderId);
      if (t) topUps.set(d.topUpOrderId, { ...t, refunded: t.refunded.sub(amount) });
      const refunds = new Map(state.refunds);
      if (r) refunds.set(d.refundId, { ...r, status: 'failed' });
      return { ...state, balance: state.balance.add(amount), topUps, refunds };
    }
    default:
      return state;
  }
}
