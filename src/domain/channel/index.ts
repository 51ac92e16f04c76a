import { type Decider, decider } from '../decider.ts';
import { decideChannel, evolveChannel, initialChannelState } from './decide.ts';
import type { ChannelCommand, ChannelEvent, ChannelState } from './types.ts';

export * from './admission.ts';
export * from './gateway.ts';
export * from './merchants.ts';
export * from './notice.ts';
export * from './refusals.ts';
export * from './types.ts';
export {
  decideChannel,
  evolveChannel,
  initialChannelState,
  settingsFromData,
  validateSettings,
} from './decide.ts';

/** Stream `<hospitalId>/channel/<channelId>`. Channel events post nothing to the ledger. */
export const channelDecider: Decider<ChannelCommand, ChannelEvent, ChannelState> = decider(
  'channel',
  (command) => command.channelId,
  { initialState: initialChannelState, decide: decideChannel, evolve: evolveChannel },
);

/** The stream of a hospital's access channel: `<hospitalId>/channel/<channelId>`. */
export function channelStreamId(hospitalId: string, channelId: string): string {
  return `${hospitalId}/channel/${channelId}`;
}
