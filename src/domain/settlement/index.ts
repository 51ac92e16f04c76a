import { type Decider, decider } from '../decider.ts';
import { decideSettlement, evolveSettlement, initialSettlementState } from './decide.ts';
import type { SettlementCommand, SettlementEvent, SettlementState } from './types.ts';

export * from './types.ts';
export { decideSettlement, evolveSettlement, initialSettlementState } from './decide.ts';

export function settlementStreamKey(channel: string, businessDate: string): string {
  return `${channel}:${businessDate}`;
}

/** Stream `<hospitalId>/settlement/<channel>:<businessDate>`. */
export const settlementDecider: Decider<SettlementCommand, SettlementEvent, SettlementState> = decider(
  'settlement',
  (command) => settlementStreamKey(command.channel, command.businessDate),
  { initialState: initialSettlementState, decide: decideSettlement, evolve: evolveSettlement },
);
