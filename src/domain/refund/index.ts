import { type Decider, decider } from '../decider.ts';
import { type StreamId, streamId } from '../event-store.ts';
import { decideRefundPlan } from './decide.ts';
import { evolveRefundPlan, initialRefundPlanState } from './evolve.ts';
import type { RefundPlanCommand, RefundPlanEvent, RefundPlanState } from './types.ts';

export * from './types.ts';
export { decideRefundPlan, legRefundId, planLegOf, REFUND_APPROVER_ROLE } from './decide.ts';
export { evolveRefundPlan, initialRefundPlanState } from './evolve.ts';
export { closedBecause, inPolicyOrder, planRefund, validatePolicy } from './plan.ts';
export { REFUND_PLAN_REFUSALS } from '../refusals.ts';
export { RefundPlanRefusal } from './refusals.ts';

/** Stream `<hospitalId>/refund-plan/<planId>`. */
export const refundPlanDecider: Decider<RefundPlanCommand, RefundPlanEvent, RefundPlanState> = decider(
  'refund-plan',
  (command) => command.planId,
  {
    initialState: initialRefundPlanState,
    decide: decideRefundPlan,
    evolve: evolveRefundPlan,
    startsStream: (command) => command.type === 'PlanRefund',
  },
);

export function refundPlanStreamId(hospitalId: string, planId: string): StreamId {
  return streamId(hospitalId, refundPlanDecider.category, planId);
}
