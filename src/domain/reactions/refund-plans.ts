// Carrying out refund plans, as a reaction: each leg that may go (by the original route at once; a fallback leg
// once a supervisor approved it) is carried out, and each leg's outcome — as its order or deposit stream records
// it (the channel's answer, or the payout) — is recorded on the plan once. Pure: the outcome is read from the
// event; the work reads the plan as it is when it runs.
import type { RecordedEvent } from '../event-store.ts';
import { planLegOf } from '../refund/decide.ts';
import type { RefundLegApproved, RefundLegRerouted, RefundPlanned } from '../refund/types.ts';
import { type Intent, intent, type Reaction } from './reaction.ts';

export const REFUND_LEG = 'refund-leg';
export const REFUND_LEG_OUTCOME = 'refund-leg-outcome';

function legIntent(event: RecordedEvent, planId: string, legNo: number, reissue = 0): Intent {
  const key = reissue > 0 ? `leg:${planId}:${legNo}:r${reissue}` : `leg:${planId}:${legNo}`;
  return intent(event, REFUND_LEG, key, { planId, legNo });
}

function outcomeIntent(
  event: RecordedEvent,
  refundId: string,
  outcome: 'succeeded' | 'failed',
  detail: string,
): Intent[] {
  const leg = planLegOf(refundId);
  if (!leg) return [];
  const data = { planId: leg.planId, legNo: leg.legNo, outcome, detail };
  return [intent(event, REFUND_LEG_OUTCOME, `outcome:${refundId}`, data)];
}

export const refundPlansReaction: Reaction = {
  name: 'refund_plans',
  version: 1,
  description:
    'carries out refund plan legs (original route at once, fallback once approved, a bounced leg once rerouted) and records each outcome once',
  handles: [
    'RefundPlanned',
    'RefundLegApproved',
    'RefundLegRerouted',
    'RefundSucceeded',
    'RefundFailed',
    'DepositRemainderRefunded',
    'DepositRefundSettled',
    'DepositRefundFailed',
  ],
  react(event: RecordedEvent): Intent[] {
    const d = event.data as Record<string, unknown>;
    const refundId = String(d.refundId ?? '');
    switch (event.type) {
      case 'RefundPlanned': {
        const p = (event as unknown as RefundPlanned).data;
        return p.legs.filter((l) => !l.needsApproval).map((l) => legIntent(event, p.planId, l.legNo));
      }
      case 'RefundLegApproved': {
        const a = (event as unknown as RefundLegApproved).data;
        return [legIntent(event, a.planId, a.legNo)];
      }
      case 'RefundLegRerouted': {
        const r = (event as unknown as RefundLegRerouted).data;
        return [legIntent(event, r.planId, r.legNo, r.reissue)];
      }
      case 'RefundSucceeded':
      case 'DepositRefundSettled':
        return outcomeIntent(event, refundId, 'succeeded', String(d.channelRefundId ?? ''));
      case 'RefundFailed':
      case 'DepositRefundFailed':
        return outcomeIntent(event, refundId, 'failed', String(d.reason ?? ''));
      case 'DepositRemainderRefunded':
        // A fallback payout is done when recorded; an original-route refund waits for the channel.
        return d.route ? outcomeIntent(event, refundId, 'succeeded', `paid out by ${String(d.route)}`) : [];
      default:
        return [];
    }
  },
};
