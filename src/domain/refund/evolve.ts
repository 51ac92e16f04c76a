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
    default:
      return state;
  }
}
