import { type Decider, decider } from '../decider.ts';
import { type StreamId, streamId } from '../event-store.ts';
import { decideDeposit } from './decide.ts';
import { evolveDeposit, initialDepositState } from './evolve.ts';
import type { DepositCommand, DepositEvent, DepositState } from './types.ts';

export * from './types.ts';
export { DEPOSIT_CREDIT_ACTOR, depositCreditFor } from './policy.ts';
export { assertDepositInvariants, decideDeposit } from './decide.ts';
export { evolveDeposit, initialDepositState } from './evolve.ts';

/** Stream `<hospitalId>/deposit/<admissionId>`. */
export const depositDecider: Decider<DepositCommand, DepositEvent, DepositState> = decider(
  'deposit',
  (command) => command.admissionId,
  { initialState: initialDepositState, decide: decideDeposit, evolve: evolveDeposit },
);

/** The deposit stream of an admission, from its id. */
export function depositStreamId(hospitalId: string, admissionId: string): StreamId {
  return streamId(hospitalId, depositDecider.category, admissionId);
}
