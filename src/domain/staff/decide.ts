// Staff account decisions (pure). Time is the command's `at`; the password check's outcome comes in the command.
import { unknownType } from '../decider.ts';
import { invariant } from '../rejection.ts';
import { refuseStaff } from './refusals.ts';
import {
  isStaffRole,
  STAFF_LIMITS,
  type SignIn,
  type StaffCommand,
  type StaffEvent,
  type StaffUserState,
  USERNAME_PATTERN,
} from './types.ts';

export function initialStaffUserState(): StaffUserState {
  return {
    exists: false,
    username: '',
    displayName: '',
    role: 'finance-clerk',
    disabled: false,
    failures: 0,
    lockedUntil: null,
  };
}

function invalid(field: string, reason: string): never {
  throw refuseStaff('STAFF_INVALID', { field, reason });
}

function text(value: string, field: string, max: number): string {
  if (typeof value !== 'string' || value.trim() === '' || value.length > max)
    invalid(field, `must be 1..${max} characters`);
  return value.trim();
}

export function checkUsername(username: string): string {
  if (typeof username !== 'string' || !USERNAME_PATTERN.test(username))
    invalid('username', 'lower-case letters, digits and ._- (1..64), starting with a letter or digit');
  return username;
}

/** A password an administrator may set: long enough to resist guessing, short enough to hash in bounded time. */
export function checkPassword(password: string): void {
  if (typeof password !== 'string' || password.length < STAFF_LIMITS.password.min)
    invalid('password', `at least ${STAFF_LIMITS.password.min} characters`);
  if (password.length > STAFF_LIMITS.password.max)
    invalid('password', `at most ${STAFF_LIMITS.password.max} characters`);
}

/** Whether the account refuses sign-in at `at` because of a lock-out. */
export function isLockedOut(state: StaffUserState, at: Date): boolean {
  return state.lockedUntil !== null && at.getTime() < Date.parse(state.lockedUntil);
}

function decideSignIn(command: SignIn, state: StaffUserState): StaffEvent[] {
  const { username, address, policy } = command;
  if (address.length > STAFF_LIMITS.address) invalid('address', `at most ${STAFF_LIMITS.address} characters`);
  // A disabled or locked account fails whatever the password; the attempt is still recorded.
  const failed = (reason: 'bad-password' | 'disabled' | 'locked', failures: number): StaffEvent => ({
    type: 'StaffSignInFailed',
    data: { username, address, reason, failures },
  });
  if (state.disabled) return [failed('disabled', state.failures)];
  if (isLockedOut(state, command.at)) return [failed('locked', state.failures)];
  if (!command.passwordOk) {
    // A lock-out starts the count afresh once it has run out (it reset `failures`).
    const failures = state.failures + 1;
    const events: StaffEvent[] = [failed('bad-password', failures)];
    if (failures >= policy.maxFailures)
      events.push({
        type: 'StaffLockedOut',
        data: {
          username,
          failures,
          until: new Date(command.at.getTime() + policy.lockoutMs).toISOString(),
        },
      });
    return events;
  }
  return [
    {
      type: 'StaffSignedIn',
      data: {
        username,
        sessionId: command.sessionId,
        address,
        expiresAt: new Date(command.at.getTime() + policy.absoluteMs).toISOString(),
      },
    },
  ];
}

export function decideStaff(command: StaffCommand, state: StaffUserState): StaffEvent[] {
  const username = checkUsername(command.username);
  if (command.type === 'CreateStaffUser') {
    const displayName = text(command.displayName, 'displayName', STAFF_LIMITS.displayName);
    if (!isStaffRole(command.role)) invalid('role', 'unknown role');
    if (state.exists) {
      // The same creation again (a retried call) changes nothing.
      if (state.displayName === displayName && state.role === command.role) return [];
      throw refuseStaff('STAFF_USER_EXISTS', { username });
    }
    return [{ type: 'StaffUserCreated', data: { username, displayName, role: command.role } }];
  }
  if (!state.exists) throw refuseStaff('STAFF_USER_NOT_FOUND', { username });
  const self = command.actor.kind === 'staff' && command.actor.id === username;

  switch (command.type) {
    case 'SignIn':
      return decideSignIn(command, state);
    case 'SignOut':
      return [{ type: 'StaffSignedOut', data: { username, sessionId: command.sessionId } }];
    case 'RevokeStaffSessions': {
      const reason = text(command.reason, 'reason', STAFF_LIMITS.reason);
      if (command.sessionIds.length === 0) return [];
      return [
        { type: 'StaffSessionsRevoked', data: { username, sessionIds: [...command.sessionIds], reason } },
      ];
    }
    case 'ChangeStaffRole': {
      if (!isStaffRole(command.role)) invalid('role', 'unknown role');
      if (state.disabled) throw refuseStaff('STAFF_USER_DISABLED', { username });
      if (state.role === command.role) return [];
      // The last way back in must not be closed by the one using it.
      if (self && state.role === 'administrator') throw refuseStaff('STAFF_SELF_LOCKOUT', { username });
      return [{ type: 'StaffRoleChanged', data: { username, from: state.role, to: command.role } }];
    }
    case 'DisableStaffUser': {
      const reason = text(command.reason, 'reason', STAFF_LIMITS.reason);
      if (state.disabled) return [];
      if (self) throw refuseStaff('STAFF_SELF_LOCKOUT', { username });
      return [{ type: 'StaffUserDisabled', data: { username, reason } }];
    }
    case 'EnableStaffUser': {
      const reason = text(command.reason, 'reason', STAFF_LIMITS.reason);
      if (!state.disabled) return [];
      return [{ type: 'StaffUserEnabled', data: { username, reason } }];
    }
    case 'ChangeStaffPassword':
      if (state.disabled) throw refuseStaff('STAFF_USER_DISABLED', { username });
      return [{ type: 'StaffPasswordChanged', data: { username } }];
    default:
      return unknownType(command, 'staff command');
  }
}

export function evolveStaff(state: StaffUserState, event: StaffEvent): StaffUserState {
  switch (event.type) {
    case 'StaffUserCreated':
      return {
        ...initialStaffUserState(),
        exists: true,
        username: event.data.username,
        displayName: event.data.displayName,
        role: event.data.role,
      };
    case 'StaffRoleChanged':
      return { ...state, role: event.data.to };
    case 'StaffUserDisabled':
      return { ...state, disabled: true };
    case 'StaffUserEnabled':
      return { ...state, disabled: false, failures: 0, lockedUntil: null };
    case 'StaffPasswordChanged':
      // A new password clears a lock-out: the administrator who reset it vouches for the person.
      return { ...state, failures: 0, lockedUntil: null };
    case 'StaffSignedIn':
      return { ...state, failures: 0, lockedUntil: null };
    case 'StaffSignInFailed':
      if (event.data.reason !== 'bad-password') return state;
      return { ...state, failures: event.data.failures, lockedUntil: null };
    case 'StaffLockedOut':
      invariant(event.data.failures > 0, 'a lock-out follows failed attempts');
      return { ...state, failures: 0, lockedUntil: event.data.until };
    case 'StaffSignedOut':
    case 'StaffSessionsRevoked':
      return state;
    default:
      return unknownType(event, 'staff event');
  }
}
