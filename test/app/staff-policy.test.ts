import { describe, expect, it } from 'vitest';
import { signInPolicyFromEnv } from '../../src/app/staff/ports.ts';
import { DEFAULT_SIGN_IN_POLICY } from '../../src/domain/staff/index.ts';

describe('sign-in policy from the environment', () => {
  it('defaults when unset, minutes and hours when set', () => {
    expect(signInPolicyFromEnv({})).toEqual(DEFAULT_SIGN_IN_POLICY);
    expect(
      signInPolicyFromEnv({
        LEDGER_SESSION_IDLE_MINUTES: '10',
        LEDGER_SESSION_MAX_HOURS: '8',
        LEDGER_SIGNIN_MAX_FAILURES: '3',
        LEDGER_SIGNIN_LOCKOUT_MINUTES: '60',
      }),
    ).toEqual({ idleMs: 600_000, absoluteMs: 8 * 3_600_000, maxFailures: 3, lockoutMs: 3_600_000 });
  });

  it('refuses zero, fractions, words and values past the bounds, naming the variable', () => {
    for (const value of ['0', '1.5', 'ten', '-3', '100000'])
      expect(() => signInPolicyFromEnv({ LEDGER_SESSION_IDLE_MINUTES: value })).toThrow(
        /LEDGER_SESSION_IDLE_MINUTES/,
      );
  });
});
