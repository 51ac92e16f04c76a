// The hospital's refund policy as a channel-management setting: an event-sourced fact per hospital, stream
// `<hospitalId>/refund-policy/current`, so every change says who, when and why. Validated here (validatePolicy),
// so an invalid policy is never a fact. A hospital that never set one plans with the configured default.
import type { CommandBase, Decider } from '../decider.ts';
import { type StreamId, streamId } from '../event-store.ts';
import { validatePolicy } from './plan.ts';
import { refuse } from './refusals.ts';
import { MAX_PLAN_REASON_LENGTH, type RefundPolicy } from './types.ts';

export interface SetRefundPolicy extends CommandBase {
  type: 'SetRefundPolicy';
  policy: RefundPolicy;
  reason: string;
}

export type RefundPolicyData = {
  order: RefundPolicy['order'];
  channelPriority: string[];
  windowsDays: Record<string, number>;
  fallbacks: RefundPolicy['fallbacks'];
};

export type RefundPolicySet = {
  type: 'RefundPolicySet';
  data: { policy: RefundPolicyData; reason: string };
};

export interface RefundPolicySettingState {
  /** Null until the hospital sets one: the configured default applies. */
  policy: RefundPolicy | null;
  version: number;
}

/** The policy in a stable shape (sorted windows, copied lists), so the same policy compares equal. */
function policyData(p: RefundPolicy): RefundPolicyData {
  const windows = Object.keys(p.windowsDays).sort();
  return {
    order: p.order,
    channelPriority: [...p.channelPriority],
    windowsDays: Object.fromEntries(windows.map((c) => [c, p.windowsDays[c]!])),
    fallbacks: [...p.fallbacks],
  };
}

const CHANNEL_NAME = /^[a-z][a-z0-9_-]{0,31}$/;

export function decideRefundPolicy(
  command: SetRefundPolicy,
  state: RefundPolicySettingState,
): RefundPolicySet[] {
  const p = command.policy;
  if (p === null || typeof p !== 'object')
    throw refuse('REFUND_PLAN_INVALID', { field: 'policy', reason: 'an object' });
  validatePolicy(p);
  for (const c of [...p.channelPriority, ...Object.keys(p.windowsDays)])
    if (typeof c !== 'string' || !CHANNEL_NAME.test(c))
      throw refuse('REFUND_PLAN_INVALID', { field: 'channel', reason: `not a channel name: ${String(c)}` });
  const reason = typeof command.reason === 'string' ? command.reason.trim() : '';
  if (reason === '' || reason.length > MAX_PLAN_REASON_LENGTH)
    throw refuse('REFUND_PLAN_INVALID', {
      field: 'reason',
      reason: `1..${MAX_PLAN_REASON_LENGTH} characters`,
    });
  const policy = policyData(p);
  if (state.policy && JSON.stringify(policyData(state.policy)) === JSON.stringify(policy)) return [];
  return [{ type: 'RefundPolicySet', data: { policy, reason } }];
}

export function evolveRefundPolicy(
  state: RefundPolicySettingState,
  event: RefundPolicySet,
): RefundPolicySettingState {
  if (event.type !== 'RefundPolicySet') return { ...state, version: state.version + 1 };
  const p = event.data.policy;
  return {
    policy: {
      order: p.order,
      channelPriority: [...p.channelPriority],
      windowsDays: { ...p.windowsDays },
      fallbacks: [...p.fallbacks],
    },
    version: state.version + 1,
  };
}

export const REFUND_POLICY_STREAM_KEY = 'current';

/** Stream `<hospitalId>/refund-policy/current`. Posts nothing to the ledger. */
export const refundPolicyDecider: Decider<SetRefundPolicy, RefundPolicySet, RefundPolicySettingState> = {
  category: 'refund-policy',
  streamKey: () => REFUND_POLICY_STREAM_KEY,
  initialState: () => ({ policy: null, version: 0 }),
  decide: decideRefundPolicy,
  evolve: evolveRefundPolicy,
};

export function refundPolicyStreamId(hospitalId: string): StreamId {
  return streamId(hospitalId, refundPolicyDecider.category, REFUND_POLICY_STREAM_KEY);
}
