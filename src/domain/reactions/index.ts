import { channelCalls } from './channel-calls.ts';
import { depositCreditReaction } from './deposit-credit.ts';
import { hisWritebackReaction } from './his-writeback.ts';
import { refundPlansReaction } from './refund-plans.ts';
import { paymentFollowUp } from './payments.ts';
import type { Reaction } from './reaction.ts';

export * from './channel-calls.ts';
export * from './deposit-credit.ts';
export * from './his-writeback.ts';
export * from './payments.ts';
export * from './reaction.ts';
export * from './refund-plans.ts';

/** Every reaction the platform runs. */
export const REACTIONS: readonly Reaction[] = [
  depositCreditReaction,
  hisWritebackReaction,
  channelCalls,
  refundPlansReaction,
  paymentFollowUp,
];
