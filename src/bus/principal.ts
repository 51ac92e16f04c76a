// Who is calling and what they may do. Bus clients sign every request (HMAC, see auth/signing.ts);
// staff (finance, auditors, administrators) present the bearer token of a session they signed in to
// (POST /v1/auth/sessions; src/app/staff). The static tokens of LEDGER_STAFF_TOKENS (held in memory only as
// SHA-256 hashes, no expiry, no revocation) remain for tests only: `ledger serve` does not read them.
import { createHash, timingSafeEqual } from 'node:crypto';
import { STAFF_ROLES, type StaffRole } from '../domain/staff/types.ts';
import { FINANCE_PERMISSIONS } from '../app/reconciliation/staff-access.ts';
import type { BusClient } from '../app/clients.ts';

export { STAFF_ROLES, type StaffRole };
export type Role = 'bus-client' | StaffRole;

export const STAFF_TOKENS_ENV = 'LEDGER_STAFF_TOKENS';
/** Shortest bearer token accepted in the configuration. */
export const MIN_STAFF_TOKEN_LENGTH = 32;
export const MAX_STAFF_TOKENS = 1_000;

export type Principal =
  | { kind: 'client'; role: 'bus-client'; id: string; hospitalId: string; client: BusClient }
  | {
      kind: 'staff';
      role: StaffRole;
      /** The username for session users (`<role>:<name>` for a static test token). */
      id: string;
      hospitalId: string;
      /** Set for session users. */
      username?: string;
      displayName?: string;
      sessionId?: string;
    };

/** What a route needs. */
export type Access =
  /** Any authenticated caller (auditors included): queries. */
  | 'read'
  /** Money-moving commands of bus clients (orders, payments, top-ups, cancellations). */
  | 'money'
  /** Refund requests and outcomes: bus clients and finance staff. */
  | 'refund'
  /** Operational money fixes (HIS writeback retry): finance supervisors and administrators. */
  | 'supervise'
  /** Channel and client management. */
  | 'admin'
  /** Read-only audit trails (every event, patient data included): auditors and administrators. */
  | 'audit'
  /** Any staff user, whatever the role (their own session, their own account). */
  | 'staff'
  /** Reconciliation (statements, days, discrepancies): read / work / check (approve, reject). Staff only. */
  | 'finance-read'
  | 'finance-work'
  | 'finance-check'
  /** Finance work on configuration (trying a mapping on a sample): clerks, supervisors and administrators. */
  | 'finance'
  /** Finance reports (日结, 对账 …): finance staff, auditors and administrators; never bus clients. */
  | 'report';

const ALLOWED: Readonly<Record<Access, readonly Role[]>> = {
  read: ['bus-client', 'finance-clerk', 'finance-supervisor', 'auditor', 'administrator'],
  money: ['bus-client'],
  refund: ['bus-client', 'finance-clerk', 'finance-supervisor'],
  supervise: ['finance-supervisor', 'administrator'],
  admin: ['administrator'],
  audit: ['auditor', 'administrator'],
  staff: ['finance-clerk', 'finance-supervisor', 'auditor', 'administrator'],
  'finance-read': FINANCE_PERMISSIONS.read,
  'finance-work': FINANCE_PERMISSIONS.work,
  'finance-check': FINANCE_PERMISSIONS.check,
  finance: ['finance-clerk', 'finance-supervisor', 'administrator'],
  report: ['finance-clerk', 'finance-supervisor', 'auditor', 'administrator'],
};

export function mayAccess(principal: Principal, access: Access): boolean {
  return ALLOWED[access].includes(principal.role);
}

export interface StaffToken {
  hospitalId: string;
  role: StaffRole;
  name: string;
  /** SHA-256 of the token. */
  hash: Buffer;
}

export function hashToken(token: string): Buffer {
  return createHash('sha256').update(token, 'utf8').digest();
}

/** `LEDGER_STAFF_TOKENS` = comma list of `<hospitalId>:<role>:<name>:<token>`. Errors never echo tokens. */
export function parseStaffTokens(value: string | undefined): StaffToken[] {
  if (!value?.trim()) return [];
  const entries = value
    .split(',')
    .map((s) => s.trim())
    .filter((s) => s !== '');
  if (entries.length > MAX_STAFF_TOKENS)
    throw new Error(`${STAFF_TOKENS_ENV}: at most ${MAX_STAFF_TOKENS} tokens`);
  return entries.map((entry, i) => {
    const [hospitalId, role, name, ...rest] = entry.split(':');
    const token = rest.join(':');
    if (!hospitalId || !name || !(STAFF_ROLES as readonly string[]).includes(role ?? ''))
      throw new Error(`${STAFF_TOKENS_ENV} entry ${i + 1}: expected <hospitalId>:<role>:<name>:<token>`);
    if (token.length < MIN_STAFF_TOKEN_LENGTH)
      throw new Error(`${STAFF_TOKENS_ENV} entry ${i + 1}: token shorter than ${MIN_STAFF_TOKEN_LENGTH}`);
    return { hospitalId, role: role as StaffRole, name, hash: hashToken(token) };
  });
}

export function findStaff(tokens: readonly StaffToken[], token: string): StaffToken | undefined {
  const h = hashToken(token);
  let found: StaffToken | undefined;
  for (const t of tokens) if (timingSafeEqual(t.hash, h)) found = t; // no early exit: constant work
  return found;
}
