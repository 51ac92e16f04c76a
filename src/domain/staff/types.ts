// Staff accounts (finance clerks, supervisors, auditors, administrators) as an event-sourced aggregate: one
// stream per user, `<hospitalId>/staff-user/<username>`, so a username is unique per hospital by construction
// and every change to an account, every sign-in and every failed attempt is a fact with who, when and where.
// Password hashes are not facts: the immutable log is exported to auditors and can never be purged, so the
// hash lives in the account table (see the app's StaffDirectory port) and events only say it changed.
import type { CommandBase } from '../decider.ts';

/** The staff roles (names other parts depend on: keep them). */
export const STAFF_ROLES = ['finance-clerk', 'finance-supervisor', 'auditor', 'administrator'] as const;
export type StaffRole = (typeof STAFF_ROLES)[number];

export function isStaffRole(value: string): value is StaffRole {
  return (STAFF_ROLES as readonly string[]).includes(value);
}

/** Lower-case letters, digits and `._-`, starting with a letter or digit: fits a stream id and a log line. */
export const USERNAME_PATTERN = /^[a-z0-9][a-z0-9._-]{0,63}$/;
/** Lengths of what an account's commands carry. */
export const STAFF_LIMITS = {
  displayName: 100,
  reason: 500,
  /** Longest client address kept with an event (an IPv6 address with zone, or `cli:user@host`). */
  address: 200,
  /** Shorter passwords are refused; longer ones too (hashing cost stays bounded). */
  password: { min: 12, max: 256 },
} as const;

/** How sign-in failures lock an account and how long sessions live. Configured per deployment. */
export interface SignInPolicy {
  /** Consecutive failed attempts that lock the account. */
  maxFailures: number;
  /** How long a lock-out lasts. */
  lockoutMs: number;
  /** A session unused this long expires. */
  idleMs: number;
  /** A session expires this long after sign-in, however busy. */
  absoluteMs: number;
}

export const DEFAULT_SIGN_IN_POLICY: SignInPolicy = {
  maxFailures: 5,
  lockoutMs: 15 * 60_000,
  idleMs: 30 * 60_000,
  absoluteMs: 12 * 3_600_000,
};

interface StaffCommandBase extends CommandBase {
  username: string;
}

export interface CreateStaffUser extends StaffCommandBase {
  type: 'CreateStaffUser';
  displayName: string;
  role: StaffRole;
}

export interface ChangeStaffRole extends StaffCommandBase {
  type: 'ChangeStaffRole';
  role: StaffRole;
}

export interface DisableStaffUser extends StaffCommandBase {
  type: 'DisableStaffUser';
  reason: string;
}

export interface EnableStaffUser extends StaffCommandBase {
  type: 'EnableStaffUser';
  reason: string;
}

export interface ChangeStaffPassword extends StaffCommandBase {
  type: 'ChangeStaffPassword';
}

/**
 * A sign-in attempt. The password was checked by the caller (hashing is I/O-bound work behind a port):
 * `passwordOk` is its outcome. The session id is chosen by the caller (random), its lifetime by the policy.
 */
export interface SignIn extends StaffCommandBase {
  type: 'SignIn';
  passwordOk: boolean;
  sessionId: string;
  address: string;
  policy: SignInPolicy;
}

export interface SignOut extends StaffCommandBase {
  type: 'SignOut';
  sessionId: string;
}

/** Sessions ended by someone else (an administrator, a password reset): recorded with the ids ended. */
export interface RevokeStaffSessions extends StaffCommandBase {
  type: 'RevokeStaffSessions';
  sessionIds: string[];
  reason: string;
}

export type StaffCommand =
  | CreateStaffUser
  | ChangeStaffRole
  | DisableStaffUser
  | EnableStaffUser
  | ChangeStaffPassword
  | SignIn
  | SignOut
  | RevokeStaffSessions;

export type StaffEvent =
  | { type: 'StaffUserCreated'; data: { username: string; displayName: string; role: StaffRole } }
  | { type: 'StaffRoleChanged'; data: { username: string; from: StaffRole; to: StaffRole } }
  | { type: 'StaffUserDisabled'; data: { username: string; reason: string } }
  | { type: 'StaffUserEnabled'; data: { username: string; reason: string } }
  | { type: 'StaffPasswordChanged'; data: { username: string } }
  | {
      type: 'StaffSignedIn';
      data: { username: string; sessionId: string; address: string; expiresAt: string };
    }
  | {
      type: 'StaffSignInFailed';
      data: { username: string; address: string; reason: SignInFailure; failures: number };
    }
  | { type: 'StaffLockedOut'; data: { username: string; until: string; failures: number } }
  | { type: 'StaffSignedOut'; data: { username: string; sessionId: string } }
  | { type: 'StaffSessionsRevoked'; data: { username: string; sessionIds: string[]; reason: string } };

export type StaffEventType = StaffEvent['type'];

/** Why an attempt failed (recorded; the caller is told only that it failed). */
export type SignInFailure = 'bad-password' | 'disabled' | 'locked';

export interface StaffUserState {
  exists: boolean;
  username: string;
  displayName: string;
  role: StaffRole;
  disabled: boolean;
  /** Consecutive failed attempts since the last success, lock-out or password change. */
  failures: number;
  /** ISO instant until which sign-in is refused (null: not locked). */
  lockedUntil: string | null;
}
