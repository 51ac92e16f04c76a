// Staff account decisions, given events / when a command / then events or a refusal (pure, no clock).
import { describe, expect, it } from 'vitest';
import type { Actor } from '../../src/domain/decider.ts';
import { fold } from '../../src/domain/decider.ts';
import { HospitalId } from '../../src/domain/ids.ts';
import {
  DEFAULT_SIGN_IN_POLICY,
  type StaffCommand,
  type StaffEvent,
  StaffRefusal,
  sessionVerdict,
  staffUserDecider,
} from '../../src/domain/staff/index.ts';

const H = HospitalId('H001');
const T0 = new Date('2026-03-01T08:00:00Z');
const admin: Actor = { kind: 'staff', id: 'root' };
const policy = DEFAULT_SIGN_IN_POLICY;
const created: StaffEvent = {
  type: 'StaffUserCreated',
  data: { username: 'li', displayName: '李', role: 'finance-clerk' },
};

function given(...events: StaffEvent[]) {
  const state = fold(staffUserDecider, events);
  return {
    when: (command: Omit<StaffCommand, 'hospitalId' | 'username' | 'at' | 'actor'> & Partial<StaffCommand>) =>
      staffUserDecider.decide(
        { hospitalId: H, username: 'li', at: T0, actor: admin, ...command } as StaffCommand,
        state,
      ),
    state,
  };
}

const signIn = (passwordOk: boolean, at = T0) =>
  ({ type: 'SignIn', passwordOk, sessionId: 's1', address: '10.1.2.3', policy, at }) as const;
const failed = (failures: number): StaffEvent => ({
  type: 'StaffSignInFailed',
  data: { username: 'li', address: '10.1.2.3', reason: 'bad-password', failures },
});

function refusal(fn: () => unknown): string {
  try {
    fn();
  } catch (e) {
    expect(e).toBeInstanceOf(StaffRefusal);
    return (e as StaffRefusal).code;
  }
  throw new Error('expected a refusal');
}

describe('staff accounts', () => {
  it('creates a user once; the same creation again changes nothing, another is refused', () => {
    expect(given().when({ type: 'CreateStaffUser', displayName: '李', role: 'finance-clerk' })).toEqual([
      created,
    ]);
    expect(
      given(created).when({ type: 'CreateStaffUser', displayName: '李', role: 'finance-clerk' }),
    ).toEqual([]);
    expect(
      refusal(() => given(created).when({ type: 'CreateStaffUser', displayName: '王', role: 'auditor' })),
    ).toBe('STAFF_USER_EXISTS');
  });

  it('refuses malformed usernames and unknown roles', () => {
    expect(
      refusal(() =>
        given().when({ type: 'CreateStaffUser', username: 'Li Si', displayName: 'x', role: 'auditor' }),
      ),
    ).toBe('STAFF_INVALID');
    expect(
      refusal(() => given().when({ type: 'CreateStaffUser', displayName: 'x', role: 'boss' as 'auditor' })),
    ).toBe('STAFF_INVALID');
  });

  it('acting on a user who does not exist is refused', () => {
    expect(refusal(() => given().when({ type: 'ChangeStaffRole', role: 'auditor' }))).toBe(
      'STAFF_USER_NOT_FOUND',
    );
  });

  it('changes a role (not to the same role twice) and an administrator never demotes or disables themselves', () => {
    expect(given(created).when({ type: 'ChangeStaffRole', role: 'auditor' })).toEqual([
      { type: 'StaffRoleChanged', data: { username: 'li', from: 'finance-clerk', to: 'auditor' } },
    ]);
    const adminLi: StaffEvent = {
      type: 'StaffRoleChanged',
      data: { username: 'li', from: 'finance-clerk', to: 'administrator' },
    };
    const self: Actor = { kind: 'staff', id: 'li' };
    expect(
      given(created, adminLi).when({ type: 'ChangeStaffRole', role: 'administrator', actor: self }),
    ).toEqual([]);
    expect(
      refusal(() => given(created, adminLi).when({ type: 'ChangeStaffRole', role: 'auditor', actor: self })),
    ).toBe('STAFF_SELF_LOCKOUT');
    expect(refusal(() => given(created).when({ type: 'DisableStaffUser', reason: 'x', actor: self }))).toBe(
      'STAFF_SELF_LOCKOUT',
    );
  });

  it('a disabled user fails sign-in whatever the password, and the attempt is recorded', () => {
    const disabled: StaffEvent = { type: 'StaffUserDisabled', data: { username: 'li', reason: 'left' } };
    expect(given(created, disabled).when(signIn(true))).toEqual([
      {
        type: 'StaffSignInFailed',
        data: { username: 'li', address: '10.1.2.3', reason: 'disabled', failures: 0 },
      },
    ]);
    expect(refusal(() => given(created, disabled).when({ type: 'ChangeStaffRole', role: 'auditor' }))).toBe(
      'STAFF_USER_DISABLED',
    );
  });

  it('counts consecutive failures, locks at the limit, and a success resets the count', () => {
    const history = Array.from({ length: policy.maxFailures - 1 }, (_, i) => failed(i + 1));
    const events = given(created, ...history).when(signIn(false));
    expect(events).toEqual([
      failed(policy.maxFailures),
      {
        type: 'StaffLockedOut',
        data: {
          username: 'li',
          failures: policy.maxFailures,
          until: new Date(T0.getTime() + policy.lockoutMs).toISOString(),
        },
      },
    ]);
    const signedIn = given(created, failed(1), failed(2)).when(signIn(true));
    expect(signedIn[0]?.type).toBe('StaffSignedIn');
    expect(given(created, failed(1), failed(2), ...signedIn).state.failures).toBe(0);
  });

  it('a locked account refuses the right password until the lock-out ends, then counts afresh', () => {
    const until = new Date(T0.getTime() + policy.lockoutMs);
    const locked: StaffEvent = {
      type: 'StaffLockedOut',
      data: { username: 'li', failures: policy.maxFailures, until: until.toISOString() },
    };
    expect(given(created, locked).when(signIn(true, new Date(until.getTime() - 1)))).toEqual([
      {
        type: 'StaffSignInFailed',
        data: { username: 'li', address: '10.1.2.3', reason: 'locked', failures: 0 },
      },
    ]);
    expect(given(created, locked).when(signIn(true, until))[0]?.type).toBe('StaffSignedIn');
    expect(given(created, locked).when(signIn(false, until))).toEqual([failed(1)]);
  });

  it('a password change clears a lock-out', () => {
    const locked: StaffEvent = {
      type: 'StaffLockedOut',
      data: { username: 'li', failures: 5, until: new Date(T0.getTime() + 1e6).toISOString() },
    };
    const state = given(created, locked, { type: 'StaffPasswordChanged', data: { username: 'li' } }).state;
    expect(state.lockedUntil).toBeNull();
  });
});

describe('session verdicts', () => {
  const base = {
    createdAt: T0,
    lastSeenAt: T0,
    expiresAt: new Date(T0.getTime() + policy.absoluteMs),
    idleMs: policy.idleMs,
    revokedAt: null,
    accountDisabled: false,
  };
  it('valid until idle or absolute expiry, revoked or disabled first', () => {
    expect(sessionVerdict(base, new Date(T0.getTime() + policy.idleMs - 1))).toBe('valid');
    expect(sessionVerdict(base, new Date(T0.getTime() + policy.idleMs))).toBe('idle');
    const busy = { ...base, lastSeenAt: new Date(base.expiresAt.getTime() - 1000) };
    expect(sessionVerdict(busy, base.expiresAt)).toBe('expired');
    expect(sessionVerdict({ ...base, revokedAt: T0 }, T0)).toBe('revoked');
    expect(sessionVerdict({ ...base, accountDisabled: true }, T0)).toBe('disabled');
  });
});
