// Refund-plan decisions. The plan is a fact (RefundPlanned, its legs fixed); legs by the original route run at
// once, fallback legs wait for a supervisor who is not the planner (four eyes); each leg's outcome is recorded
// once (the same outcome again is a no-op, a different one a conflict).
import { checkedDecide } from '../decider.ts';
import { positiveAmount } from '../money.ts';
import { invariant } from '../rejection.ts';
import { evolveRefundPlan } from './evolve.ts';
import { planRefund } from './plan.ts';
import { refuse } from './refusals.ts';
import {
  MAX_PLAN_REASON_LENGTH,
  type RefundLegData,
  type RefundPlanCommand,
  type RefundPlanEvent,
  type RefundPlanState,
} from './types.ts';

/** The one role that approves a fallback leg. */
export const REFUND_APPROVER_ROLE = 'finance-supervisor';

/** The refund number of a plan's leg, on the order or deposit stream and at the channel (≤ 64 characters). */
export function legRefundId(planId: string, legNo: number): string {
  return `${planId}.L${legNo}`;
}

/** The plan and leg a refund number belongs to, or undefined for a refund no plan made. */
export function planLegOf(refundId: string): { planId: string; legNo: number } | undefined {
  const m = /^(.+)\.L([1-9][0-9]{0,3})$/.exec(refundId);
  return m ? { planId: m[1]!, legNo: Number(m[2]) } : undefined;
}

const PLAN_ID = /^[A-Za-z0-9_-]{1,48}$/;

export const decideRefundPlan = checkedDecide(rules, evolveRefundPlan, assertPlanState);

function rules(command: RefundPlanCommand, state: RefundPlanState): RefundPlanEvent[] {
  const planId = command.planId;
  switch (command.type) {
    case 'PlanRefund': {
      if (!PLAN_ID.test(planId))
        throw refuse('REFUND_PLAN_INVALID', { field: 'planId', reason: 'letters, digits, _ and -, 1..48' });
      const amount = positiveAmount(command.amount);
      if (state.status !== 'none') {
        const same =
          JSON.stringify(state.target) === JSON.stringify(command.target) && state.amount.equals(amount);
        if (same) return [];
        throw refuse('REFUND_PLAN_EXISTS', { planId });
      }
      const reason = command.reason.trim();
      if (reason === '' || reason.length > MAX_PLAN_REASON_LENGTH)
        throw refuse('REFUND_PLAN_INVALID', {
          field: 'reason',
          reason: `1..${MAX_PLAN_REASON_LENGTH} characters`,
        });
      if (!command.identity?.verifiedBy)
        throw refuse('REFUND_PLAN_INVALID', {
          field: 'identity',
          reason: "the patient's identity is verified first",
        });
      if (command.deposit && !command.deposit.settled)
        throw refuse('REFUND_PLAN_INVALID', {
          field: 'target',
          reason: 'the deposit is settled at discharge first',
        });
      if (command.deposit && amount.gt(command.deposit.balance))
        throw refuse('REFUND_PLAN_EXCEEDS_REFUNDABLE', {
          requested: amount.toString(),
          refundable: command.deposit.balance.toString(),
        });
      const legs = planRefund({
        amount,
        sources: command.sources,
        policy: command.policy,
        now: command.at,
        payeeAccount: command.payeeAccount,
      });
      return [
        {
          type: 'RefundPlanned',
          data: {
            planId,
            target: command.target,
            amount: amount.toString(),
            reason,
            plannedBy: command.actor.id,
            identityMethod: command.identity.method,
            verifiedBy: command.identity.verifiedBy,
            order: command.policy.order,
            payeeAccountRef: command.payeeAccount?.accountRef ?? null,
            legs: legs.map(
              (l): RefundLegData => ({
                legNo: l.legNo,
                refundId: legRefundId(planId, l.legNo),
                orderId: l.orderId,
                channel: l.channel,
                channelTxnId: l.channelTxnId,
                merchantId: l.merchantId,
                amount: l.amount.toString(),
                route: l.route,
                closedBecause: l.closedBecause,
                needsApproval: l.needsApproval,
              }),
            ),
          },
        },
      ];
    }

    case 'ApproveRefundLeg': {
      const leg = legOf(state, planId, command.legNo);
      if (!leg.needsApproval) throw refuse('REFUND_LEG_APPROVAL_NOT_NEEDED', { planId, legNo: leg.legNo });
      // Four eyes: whoever planned the refund cannot also approve money leaving by another route.
      if (command.actor.id === state.plannedBy)
        throw refuse('REFUND_LEG_APPROVAL_BY_MAKER', { planId, by: command.actor.id });
      if (command.role !== undefined && command.role !== REFUND_APPROVER_ROLE)
        throw refuse('REFUND_LEG_APPROVER_NOT_SUPERVISOR', {
          role: command.role,
          needs: REFUND_APPROVER_ROLE,
        });
      if (leg.approvedBy !== null) return [];
      return [
        {
          type: 'RefundLegApproved',
          data: { planId, legNo: leg.legNo, refundId: leg.refundId, approvedBy: command.actor.id },
        },
      ];
    }

    case 'RecordRefundLegOutcome': {
      const leg = legOf(state, planId, command.legNo);
      if (leg.status === command.outcome) return [];
      if (leg.status === 'succeeded' || leg.status === 'failed')
        throw refuse('REFUND_LEG_ALREADY_FINAL', { planId, legNo: leg.legNo, status: leg.status });
      if (leg.status === 'awaiting-approval')
        throw refuse('REFUND_LEG_NOT_APPROVED', { planId, legNo: leg.legNo });
      const detail = command.detail.slice(0, MAX_PLAN_REASON_LENGTH);
      const base = { planId, legNo: leg.legNo, refundId: leg.refundId, amount: leg.amount };
      return [
        command.outcome === 'succeeded'
          ? { type: 'RefundLegSucceeded', data: { ...base, detail } }
          : { type: 'RefundLegFailed', data: { ...base, reason: detail } },
      ];
    }
  }
}

function legOf(state: RefundPlanState, planId: string, legNo: number) {
  if (state.status === 'none') throw refuse('REFUND_PLAN_NOT_FOUND', { planId });
  const leg = state.legs.find((l) => l.legNo === legNo);
  if (!leg) throw refuse('REFUND_LEG_NOT_FOUND', { planId, legNo });
  return leg;
}

function assertPlanState(state: RefundPlanState): void {
  for (const l of state.legs)
    invariant(
      !(l.needsApproval && (l.status === 'succeeded' || l.status === 'approved') && l.approvedBy === null),
      `refund leg ${l.refundId} went ahead without approval`,
    );
}
