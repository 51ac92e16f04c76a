import { Money } from '../money.ts';
import type { LegState, PlanStatus, RefundPlanEvent, RefundPlanState } from './types.ts';

export function initialRefundPlanState(): RefundPlanState {
  return { planId: '', status: 'none', target: null, amount: Money.ZERO, plannedBy: '', legs: [] };
}

function statusOf(legs: readonly LegState[]): PlanStatus {
  if (legs.some((l) => l.status !== 'succeeded' && l.status !== 'failed')) return 'in-progress';
  return legs.some((l) => l.status === 'failed') ? 'completed-with-failures' : 'completed';
}

function withLeg(state: RefundPlanState, legNo: number, f: (l: LegState) => LegState): RefundPlanState {
  const legs = state.legs.map((l) => (l.legNo === legNo ? f(l) : l));
  return { ...state, legs, status: statusOf(legs) };
}

export function evolveRefundPlan(state: RefundPlanState, event: RefundPlanEvent): RefundPlanState {
  switch (event.type) {
    case 'RefundPlanned': {
      const d = event.data;
      const legs = d.legs.map(
        (l): LegState => ({
          ...l,
          status: l.needsApproval ? 'awaiting-approval' : 'ready',
          approvedBy: null,
          detail: null,
          reissues: 0,
          payeeAccountRef: l.route === 'bank-transfer' ? d.payeeAccountRef : null,
        }),
      );
      return {
        planId: d.planId,
        status: statusOf(legs),
        target: d.target,
        amount: Money.parse(d.amount),
        plannedBy: d.plannedBy,
        legs,
      };
    }
    case 'RefundLegApproved':
      return withLeg(state, event.data.legNo, (l) => ({
        ...l,
        status: 'approved',
        approvedBy: event.data.approvedBy,
      }));
    case 'RefundLegSucceeded':
      return withLeg(state, event.data.legNo, (l) => ({
        ...l,
        status: 'succeeded',
        detail: event.data.detail,
      }));
    case 'RefundLegFailed':
      return withLeg(state, event.data.legNo, (l) => ({ ...l, status: 'failed', detail: event.data.reason }));
    case 'RefundLegBounced':
      return withLeg(state, event.data.legNo, (l) => ({
        ...l,
        status: 'bounced',
        detail: `bounced: ${event.data.reason}`,
      }));
    case 'RefundLegRerouted': {
      const r = event.data;
      return withLeg(state, r.legNo, (l) => ({
        ...l,
        status: 'approved',
        route: r.route,
        needsApproval: true,
        approvedBy: r.approvedBy,
        payeeAccountRef: r.payeeAccountRef,
        reissues: r.reissue,
      }));
    }
    case 'RefundLegReissued':
      return withLeg(state, event.data.legNo, (l) => ({
        ...l,
        status: 'succeeded',
        detail: `paid out again by ${event.data.route}`,
      }));
    default:
      return state;
  }
}

/** What the plan still owes the patient: its amount less what its legs have paid out and kept. */
export function owedOf(state: RefundPlanState): Money {
  return state.legs
    .filter((l) => l.status === 'succeeded')
    .reduce((owed, l) => owed.sub(Money.parse(l.amount)), state.amount);
}
