// Channel refusals: the channel section of the one refusal table (../refusals.ts).
import { CHANNEL_REFUSALS } from '../refusals.ts';
import { type RefusalKind, type RejectionDetails, refusalClass } from '../rejection.ts';

export type ChannelRefusalStatus = RefusalKind;
export type ChannelRefusalCode = keyof typeof CHANNEL_REFUSALS;

export const ChannelRefusal = refusalClass('ChannelRefusal', CHANNEL_REFUSALS);
export type ChannelRefusal = InstanceType<typeof ChannelRefusal>;

export function refuse(code: ChannelRefusalCode, details: RejectionDetails = {}): ChannelRefusal {
  return new ChannelRefusal(code, details);
}
