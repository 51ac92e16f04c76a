// The staff directory on the ledger database (tables of migration 0050): accounts, password hashes, sessions.
import { sql } from 'kysely';
import type {
  AccountFilter,
  NewSession,
  SessionWithAccount,
  StaffAccount,
  StaffDirectory,
  StaffRole,
  StoredSession,
} from '../../domain/staff/index.ts';
import type { AnyDb } from '../../projections/projection.ts';

/** Most accounts one listing answers (a hospital's finance and audit staff fit many times over). */
export const MAX_ACCOUNTS_LISTED = 5_000;
/** Most active sessions one user may hold; older ones are revoked past it. */
export const MAX_SESSIONS_LISTED = 1_000;

interface AccountRow {
  hospital_id: string;
  username: string;
  display_name: string;
  role: string;
  disabled: boolean;
  failures: number;
  locked_until: Date | null;
  last_sign_in_at: Date | null;
  created_at: Date;
  updated_at: Date;
  version: number;
}

interface SessionRow {
  token_hash: string;
  session_id: string;
  hospital_id: string;
  username: string;
  address: string;
  created_at: Date;
  last_seen_at: Date;
  expires_at: Date;
  idle_ms: string | number;
  revoked_at: Date | null;
  revoked_reason: string | null;
}

const date = (v: Date | string | null): Date | null => (v === null ? null : new Date(v));

function toAccount(r: AccountRow): StaffAccount {
  return {
    hospitalId: r.hospital_id,
    username: r.username,
    displayName: r.display_name,
    role: r.role as StaffRole,
    disabled: r.disabled,
    failures: r.failures,
    lockedUntil: date(r.locked_until),
    lastSignInAt: date(r.last_sign_in_at),
    createdAt: new Date(r.created_at),
    updatedAt: new Date(r.updated_at),
    version: r.version,
  };
}

function toSession(r: SessionRow): StoredSession {
  return {
    tokenHash: r.token_hash,
    sessionId: r.session_id,
    hospitalId: r.hospital_id,
    username: r.username,
    address: r.address,
    createdAt: new Date(r.created_at),
    lastSeenAt: new Date(r.last_seen_at),
    expiresAt: new Date(r.expires_at),
    idleMs: Number(r.idle_ms),
    revokedAt: date(r.revoked_at),
    revokedReason: r.revoked_reason,
  };
}

const ACCOUNT_COLUMNS = sql.raw(
  'hospital_id, username, display_name, role, disabled, failures, locked_until, last_sign_in_at, created_at, updated_at, version',
);

export class SqlStaffDirectory implements StaffDirectory {
  constructor(private readonly db: AnyDb) {}

  async saveAccount(a: StaffAccount): Promise<void> {
    // Two writers may finish out of order: the row keeps the later stream version.
    await sql`
      INSERT INTO staff_accounts (hospital_id, username, display_name, role, disabled, failures, locked_until,
                                  last_sign_in_at, created_at, updated_at, version)
      VALUES (${a.hospitalId}, ${a.username}, ${a.displayName}, ${a.role}, ${a.disabled}, ${a.failures},
              ${a.lockedUntil}, ${a.lastSignInAt}, ${a.createdAt}, ${a.updatedAt}, ${a.version})
      ON CONFLICT (hospital_id, username) DO UPDATE SET
        display_name = excluded.display_name, role = excluded.role, disabled = excluded.disabled,
        failures = excluded.failures, locked_until = excluded.locked_until, updated_at = excluded.updated_at,
        version = excluded.version
      WHERE staff_accounts.version < excluded.version`.execute(this.db);
  }

  async account(hospitalId: string, username: string): Promise<StaffAccount | undefined> {
    const { rows } = await sql<AccountRow>`SELECT ${ACCOUNT_COLUMNS} FROM staff_accounts
      WHERE hospital_id = ${hospitalId} AND username = ${username}`.execute(this.db);
    return rows[0] ? toAccount(rows[0]) : undefined;
  }

  async accounts(filter: AccountFilter): Promise<StaffAccount[]> {
    const { rows } = await sql<AccountRow>`SELECT ${ACCOUNT_COLUMNS} FROM staff_accounts
      WHERE hospital_id = ${filter.hospitalId}
        ${filter.includeDisabled === false ? sql`AND NOT disabled` : sql``}
      ORDER BY username LIMIT ${MAX_ACCOUNTS_LISTED}`.execute(this.db);
    return rows.map(toAccount);
  }

  async setPasswordHash(hospitalId: string, username: string, hash: string, at: Date): Promise<void> {
    const r = await sql`UPDATE staff_accounts SET password_hash = ${hash}, password_changed_at = ${at}
      WHERE hospital_id = ${hospitalId} AND username = ${username}`.execute(this.db);
    if (Number(r.numAffectedRows ?? 0) !== 1) throw new Error(`no account ${hospitalId}/${username}`);
  }

  async passwordHash(hospitalId: string, username: string): Promise<string | undefined> {
    const { rows } = await sql<{ password_hash: string | null }>`SELECT password_hash FROM staff_accounts
      WHERE hospital_id = ${hospitalId} AND username = ${username}`.execute(this.db);
    return rows[0]?.password_hash ?? undefined;
  }

  async markSignedIn(hospitalId: string, username: string, at: Date): Promise<void> {
    await sql`UPDATE staff_accounts SET last_sign_in_at = GREATEST(last_sign_in_at, ${at}::timestamptz)
      WHERE hospital_id = ${hospitalId} AND username = ${username}`.execute(this.db);
  }

  async insertSession(s: NewSession): Promise<void> {
    await sql`INSERT INTO staff_sessions (token_hash, session_id, hospital_id, username, address, created_at,
                                          last_seen_at, expires_at, idle_ms)
      VALUES (${s.tokenHash}, ${s.sessionId}, ${s.hospitalId}, ${s.username}, ${s.address}, ${s.createdAt},
              ${s.createdAt}, ${s.expiresAt}, ${s.idleMs})`.execute(this.db);
  }

  async sessionByTokenHash(tokenHash: string): Promise<SessionWithAccount | undefined> {
    const { rows } = await sql<SessionRow & { account: AccountRow }>`
      SELECT s.*, to_jsonb(a) - 'password_hash' AS account
      FROM staff_sessions s JOIN staff_accounts a USING (hospital_id, username)
      WHERE s.token_hash = ${tokenHash}`.execute(this.db);
    const r = rows[0];
    if (!r) return undefined;
    return { ...toSession(r), account: toAccount(r.account) };
  }

  async touchSession(tokenHash: string, at: Date): Promise<void> {
    await sql`UPDATE staff_sessions SET last_seen_at = GREATEST(last_seen_at, ${at}::timestamptz)
      WHERE token_hash = ${tokenHash}`.execute(this.db);
  }

  async revokeSession(tokenHash: string, at: Date, reason: string): Promise<boolean> {
    const r = await sql`UPDATE staff_sessions SET revoked_at = ${at}, revoked_reason = ${reason}
      WHERE token_hash = ${tokenHash} AND revoked_at IS NULL`.execute(this.db);
    return Number(r.numAffectedRows ?? 0) === 1;
  }

  async revokeUserSessions(
    hospitalId: string,
    username: string,
    at: Date,
    reason: string,
  ): Promise<string[]> {
    const { rows } = await sql<{ session_id: string }>`
      UPDATE staff_sessions SET revoked_at = ${at}, revoked_reason = ${reason}
      WHERE hospital_id = ${hospitalId} AND username = ${username} AND revoked_at IS NULL
        AND expires_at > ${at}
      RETURNING session_id`.execute(this.db);
    return rows.map((r) => r.session_id).sort();
  }

  async activeSessions(hospitalId: string, username: string, at: Date): Promise<StoredSession[]> {
    const { rows } = await sql<SessionRow>`SELECT * FROM staff_sessions
      WHERE hospital_id = ${hospitalId} AND username = ${username} AND revoked_at IS NULL
        AND expires_at > ${at} AND last_seen_at + idle_ms * interval '1 millisecond' > ${at}
      ORDER BY created_at DESC LIMIT ${MAX_SESSIONS_LISTED}`.execute(this.db);
    return rows.map(toSession);
  }
}
