// Refund-plan refusals: the refund section of the one refusal table (../refusals.ts).
import { REFUND_PLAN_REFUSALS } from '../refusals.ts';
import { type RejectionDetails, refusalClass } from '../rejection.ts';

export type RefundPlanRefusalCode = keyof typeof REFUND_PLAN_REFUSALS;

export const RefundPlanRefusal = refusalClass('RefundPlanRefusal', REFUND_PLAN_REFUSALS);
export type RefundPlanRefusal = InstanceType<typeof RefundPlanRefusal>;

export function refuse(code: RefundPlanRefusalCode, details: RejectionDetails = {}): RefundPlanRefusal {
  return new RefundPlanRefusal(code, details);
}
