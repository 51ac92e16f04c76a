// When a session is still good: before its absolute expiry, used within the idle limit, not revoked, and its
// account enabled. Pure: the caller passes the instant.

export interface SessionFacts {
  createdAt: Date;
  lastSeenAt: Date;
  expiresAt: Date;
  idleMs: number;
  revokedAt: Date | null;
  accountDisabled: boolean;
}

export type SessionVerdict = 'valid' | 'expired' | 'idle' | 'revoked' | 'disabled';

export function sessionVerdict(s: SessionFacts, at: Date): SessionVerdict {
  if (s.revokedAt !== null) return 'revoked';
  if (s.accountDisabled) return 'disabled';
  if (at.getTime() >= s.expiresAt.getTime()) return 'expired';
  if (at.getTime() >= s.lastSeenAt.getTime() + s.idleMs) return 'idle';
  return 'valid';
}

/** A session's use is written back at most this often (each authenticated request would otherwise write). */
export const SESSION_TOUCH_INTERVAL_MS = 60_000;

export function needsTouch(s: Pick<SessionFacts, 'lastSeenAt'>, at: Date): boolean {
  return at.getTime() - s.lastSeenAt.getTime() >= SESSION_TOUCH_INTERVAL_MS;
}
