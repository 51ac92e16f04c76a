import { type Decider, decider } from '../decider.ts';
import { type StreamId, streamId } from '../event-store.ts';
import { decideStaff, evolveStaff, initialStaffUserState } from './decide.ts';
import type { StaffCommand, StaffEvent, StaffUserState } from './types.ts';

export * from './refusals.ts';
export * from './session.ts';
export * from './ports.ts';
export * from './types.ts';
export {
  checkPassword,
  checkUsername,
  decideStaff,
  evolveStaff,
  initialStaffUserState,
  isLockedOut,
} from './decide.ts';

export const STAFF_USER_CATEGORY = 'staff-user';

/** Stream `<hospitalId>/staff-user/<username>`. Staff events post nothing to the ledger. */
export const staffUserDecider: Decider<StaffCommand, StaffEvent, StaffUserState> = decider(
  STAFF_USER_CATEGORY,
  (command) => command.username,
  { initialState: initialStaffUserState, decide: decideStaff, evolve: evolveStaff },
);

export function staffUserStreamId(hospitalId: string, username: string): StreamId {
  return streamId(hospitalId, STAFF_USER_CATEGORY, username);
}
