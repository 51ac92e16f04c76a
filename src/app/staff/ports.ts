// What the staff use cases run on: the application's ports plus the directory, the hasher and the policy, and
// how they are built from configuration (the bus and the CLI build them the same way).
import type { Database } from '../../adapters/db/database.ts';
import { Argon2Hasher } from '../../adapters/staff/argon2.ts';
import { SqlStaffDirectory } from '../../adapters/staff/directory.ts';
import {
  DEFAULT_SIGN_IN_POLICY,
  type PasswordHasher,
  type SignInPolicy,
  type StaffDirectory,
} from '../../domain/staff/index.ts';
import type { AppPorts } from '../ports.ts';

export interface StaffPorts extends AppPorts {
  directory: StaffDirectory;
  hasher: PasswordHasher;
  policy: SignInPolicy;
}

export interface StaffSettings {
  directory?: StaffDirectory;
  hasher?: PasswordHasher;
  policy?: SignInPolicy;
}

/** Defaults: the database's staff tables, argon2id at the OWASP baseline cost, DEFAULT_SIGN_IN_POLICY. */
export function staffPortsOf(deps: AppPorts, database: Database, settings: StaffSettings = {}): StaffPorts {
  return {
    ...deps,
    directory: settings.directory ?? new SqlStaffDirectory(database.db),
    hasher: settings.hasher ?? new Argon2Hasher(),
    policy: settings.policy ?? DEFAULT_SIGN_IN_POLICY,
  };
}

/** Environment variables of the sign-in policy, each a positive integer. */
export const SIGN_IN_POLICY_ENV = {
  idleMinutes: 'LEDGER_SESSION_IDLE_MINUTES',
  absoluteHours: 'LEDGER_SESSION_MAX_HOURS',
  maxFailures: 'LEDGER_SIGNIN_MAX_FAILURES',
  lockoutMinutes: 'LEDGER_SIGNIN_LOCKOUT_MINUTES',
} as const;

/** Upper bounds, so a typo cannot make sessions or lock-outs last for years. */
const POLICY_LIMITS = {
  idleMinutes: 24 * 60,
  absoluteHours: 7 * 24,
  maxFailures: 100,
  lockoutMinutes: 24 * 60,
};

export function signInPolicyFromEnv(env: NodeJS.ProcessEnv): SignInPolicy {
  const read = (key: keyof typeof SIGN_IN_POLICY_ENV, fallback: number): number => {
    const name = SIGN_IN_POLICY_ENV[key];
    const raw = env[name]?.trim();
    if (!raw) return fallback;
    const n = Number(raw);
    if (!/^[1-9][0-9]*$/.test(raw) || n > POLICY_LIMITS[key])
      throw new RangeError(`${name} must be an integer 1..${POLICY_LIMITS[key]}`);
    return n;
  };
  const d = DEFAULT_SIGN_IN_POLICY;
  return {
    idleMs: read('idleMinutes', d.idleMs / 60_000) * 60_000,
    absoluteMs: read('absoluteHours', d.absoluteMs / 3_600_000) * 3_600_000,
    maxFailures: read('maxFailures', d.maxFailures),
    lockoutMs: read('lockoutMinutes', d.lockoutMs / 60_000) * 60_000,
  };
}
