// The ports staff accounts need beyond the event store. Types only.
import type { StaffRole } from './types.ts';

/** Password hashing (argon2id in production): slow on purpose, so it lives behind a port. */
export interface PasswordHasher {
  hash(password: string): Promise<string>;
  /** False for a wrong password or a malformed hash; never throws for either. */
  verify(hash: string, password: string): Promise<boolean>;
}

/** An account as the directory keeps it: the stream's state at `version`, for reads and per-request checks. */
export interface StaffAccount {
  hospitalId: string;
  username: string;
  displayName: string;
  role: StaffRole;
  disabled: boolean;
  failures: number;
  lockedUntil: Date | null;
  lastSignInAt: Date | null;
  createdAt: Date;
  updatedAt: Date;
  /** Stream version the row reflects. */
  version: number;
}

export interface NewSession {
  /** Hex SHA-256 of the bearer token: the token itself is never stored. */
  tokenHash: string;
  sessionId: string;
  hospitalId: string;
  username: string;
  address: string;
  createdAt: Date;
  expiresAt: Date;
  idleMs: number;
}

export interface StoredSession extends NewSession {
  lastSeenAt: Date;
  revokedAt: Date | null;
  revokedReason: string | null;
}

/** A session with the account it belongs to (its current role and whether it is disabled). */
export interface SessionWithAccount extends StoredSession {
  account: StaffAccount;
}

export interface AccountFilter {
  hospitalId: string;
  /** Include disabled accounts (default true). */
  includeDisabled?: boolean;
}

/**
 * Where accounts (a write-through copy of each user's stream state, kept only if newer), password hashes and
 * sessions live. One table each in the ledger database.
 */
export interface StaffDirectory {
  /** Writes the account unless the stored row already reflects this stream version or a later one. */
  saveAccount(account: StaffAccount): Promise<void>;
  account(hospitalId: string, username: string): Promise<StaffAccount | undefined>;
  accounts(filter: AccountFilter): Promise<StaffAccount[]>;
  setPasswordHash(hospitalId: string, username: string, hash: string, at: Date): Promise<void>;
  passwordHash(hospitalId: string, username: string): Promise<string | undefined>;
  markSignedIn(hospitalId: string, username: string, at: Date): Promise<void>;

  insertSession(session: NewSession): Promise<void>;
  sessionByTokenHash(tokenHash: string): Promise<SessionWithAccount | undefined>;
  touchSession(tokenHash: string, at: Date): Promise<void>;
  /** Revokes one session; answers whether it was active. */
  revokeSession(tokenHash: string, at: Date, reason: string): Promise<boolean>;
  /** Revokes every active session of a user; answers the ids revoked. */
  revokeUserSessions(hospitalId: string, username: string, at: Date, reason: string): Promise<string[]>;
  activeSessions(hospitalId: string, username: string, at: Date): Promise<StoredSession[]>;
}
