// Sign-in, sign-out and the per-request session check. A bearer token is 32 random bytes; only its SHA-256 is
// stored. Every attempt on an existing account is recorded as an event (signed in, failed, locked out); an
// attempt on a name that does not exist is logged only (no stream is created for names nobody registered).
import { createHash, randomBytes, randomUUID } from 'node:crypto';
import type { HospitalId } from '../../domain/ids.ts';
import {
  isLockedOut,
  needsTouch,
  type PasswordHasher,
  type SessionVerdict,
  type StaffRole,
  sessionVerdict,
  USERNAME_PATTERN,
} from '../../domain/staff/index.ts';
import type { CommandContext } from '../execute.ts';
import { loadStaffUser, runStaffCommand } from './accounts.ts';
import type { StaffPorts } from './ports.ts';

/** `lsk_` then 43 base64url characters (256 random bits). */
export const TOKEN_PREFIX = 'lsk_';
export const TOKEN_PATTERN = /^lsk_[A-Za-z0-9_-]{43}$/;
const HOSPITAL_PATTERN = /^[A-Za-z0-9_-]{1,64}$/;

export function tokenHash(token: string): string {
  return createHash('sha256').update(token, 'utf8').digest('hex');
}

function newToken(): string {
  return `${TOKEN_PREFIX}${randomBytes(32).toString('base64url')}`;
}

/** A hash of a password nobody has, verified for unknown names so they cost what a real check costs. */
const decoys = new WeakMap<PasswordHasher, Promise<string>>();
function decoyHash(hasher: PasswordHasher): Promise<string> {
  let h = decoys.get(hasher);
  if (!h) {
    h = hasher.hash(randomBytes(24).toString('base64url'));
    decoys.set(hasher, h);
  }
  return h;
}

export interface SignInInput {
  hospitalId: string;
  username: string;
  password: string;
  /** Where the attempt came from: the client's IP address, or `cli:<os user>@<host>`. */
  address: string;
}

export interface SignedIn {
  ok: true;
  token: string;
  sessionId: string;
  hospitalId: HospitalId;
  username: string;
  displayName: string;
  role: StaffRole;
  /** Absolute expiry; the session also ends after `idleMs` without use. */
  expiresAt: Date;
  idleMs: number;
}

/** Why is never told to the caller (it would say which names exist): it is in the events and the log. */
export type SignInOutcome = SignedIn | { ok: false };

export async function signIn(ports: StaffPorts, input: SignInInput): Promise<SignInOutcome> {
  const at = ports.now();
  const username = input.username.trim().toLowerCase();
  const known = HOSPITAL_PATTERN.test(input.hospitalId) && USERNAME_PATTERN.test(username);
  const { state } = known
    ? await loadStaffUser(ports, input.hospitalId, username)
    : { state: { exists: false } as const };
  const stored = state.exists ? await ports.directory.passwordHash(input.hospitalId, username) : undefined;
  // The hash is checked on every path (unknown name, disabled, locked): each answer costs one verification.
  const verified = await ports.hasher.verify(stored ?? (await decoyHash(ports.hasher)), input.password);
  if (!state.exists) {
    ports.logger.warn(
      { hospitalId: input.hospitalId.slice(0, 64), username: username.slice(0, 64), address: input.address },
      'staff sign-in for an unknown user',
    );
    return { ok: false };
  }
  const hospitalId = input.hospitalId as HospitalId;
  const passwordOk = verified && stored !== undefined;
  const ctx: CommandContext = {
    actor: { kind: 'staff', id: username },
    metadata: { address: input.address },
  };
  const session = { token: newToken(), sessionId: randomUUID() };
  const mayOpen = passwordOk && !state.disabled && !isLockedOut(state, at);
  if (mayOpen)
    // The session row exists before the fact: a disabling decided meanwhile revokes it too.
    await ports.directory.insertSession({
      tokenHash: tokenHash(session.token),
      sessionId: session.sessionId,
      hospitalId,
      username,
      address: input.address,
      createdAt: at,
      expiresAt: new Date(at.getTime() + ports.policy.absoluteMs),
      idleMs: ports.policy.idleMs,
    });
  const result = await runStaffCommand(
    ports,
    {
      type: 'SignIn',
      hospitalId,
      username,
      passwordOk,
      sessionId: session.sessionId,
      address: input.address,
      policy: ports.policy,
      at,
      actor: ctx.actor,
    },
    ctx,
  );
  const signedIn = result.events.find(
    (e) => e.type === 'StaffSignedIn' && e.data.sessionId === session.sessionId,
  );
  if (!signedIn) {
    if (mayOpen) await ports.directory.revokeSession(tokenHash(session.token), at, 'sign-in refused');
    for (const e of result.events)
      ports.logger.info(
        { hospitalId, username, event: e.type, address: input.address },
        'staff sign-in failed',
      );
    return { ok: false };
  }
  await ports.directory.markSignedIn(hospitalId, username, at);
  return {
    ok: true,
    token: session.token,
    sessionId: session.sessionId,
    hospitalId,
    username,
    displayName: result.state.displayName,
    role: result.state.role,
    expiresAt: new Date(at.getTime() + ports.policy.absoluteMs),
    idleMs: ports.policy.idleMs,
  };
}

/** Who a valid session belongs to, as of now (a role changed since sign-in is the new role). */
export interface StaffSession {
  sessionId: string;
  hospitalId: HospitalId;
  username: string;
  displayName: string;
  role: StaffRole;
  address: string;
  createdAt: Date;
  expiresAt: Date;
  /** When the session ends if unused from now. */
  idleExpiresAt: Date;
}

export type SessionCheck =
  | { ok: true; session: StaffSession }
  | { ok: false; reason: SessionVerdict | 'unknown' };

/** The per-request check of a bearer token: one row read, a write at most once a minute. */
export async function authenticateSession(
  ports: Pick<StaffPorts, 'directory' | 'now'>,
  token: string,
): Promise<SessionCheck> {
  if (!TOKEN_PATTERN.test(token)) return { ok: false, reason: 'unknown' };
  const hash = tokenHash(token);
  const s = await ports.directory.sessionByTokenHash(hash);
  if (!s) return { ok: false, reason: 'unknown' };
  const at = ports.now();
  const verdict = sessionVerdict({ ...s, accountDisabled: s.account.disabled }, at);
  if (verdict !== 'valid') return { ok: false, reason: verdict };
  if (needsTouch(s, at)) await ports.directory.touchSession(hash, at);
  const seen = needsTouch(s, at) ? at : s.lastSeenAt;
  return {
    ok: true,
    session: {
      sessionId: s.sessionId,
      hospitalId: s.hospitalId as HospitalId,
      username: s.username,
      displayName: s.account.displayName,
      role: s.account.role,
      address: s.address,
      createdAt: s.createdAt,
      expiresAt: s.expiresAt,
      idleExpiresAt: new Date(Math.min(seen.getTime() + s.idleMs, s.expiresAt.getTime())),
    },
  };
}

/** Ends the session of this token (sign-out); records it when it was still active. */
export async function signOut(ports: StaffPorts, token: string, ctx: CommandContext): Promise<boolean> {
  if (!TOKEN_PATTERN.test(token)) return false;
  const hash = tokenHash(token);
  const s = await ports.directory.sessionByTokenHash(hash);
  if (!s) return false;
  const at = ports.now();
  if (!(await ports.directory.revokeSession(hash, at, 'signed out'))) return false;
  await runStaffCommand(
    ports,
    {
      type: 'SignOut',
      hospitalId: s.hospitalId as HospitalId,
      username: s.username,
      sessionId: s.sessionId,
      at,
      actor: ctx.actor,
    },
    ctx,
  );
  return true;
}
