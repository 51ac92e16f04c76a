// Staff accounts over HTTP on real PostgreSQL: sign-in, expiry by a controlled clock, revocation, lock-out,
// disabled users, role changes, hospitals kept apart, and the auditor's list of staff actions.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { signIn } from '../../src/app/staff/sessions.ts';
import type { PasswordHasher } from '../../src/domain/staff/index.ts';
import { DEFAULT_SIGN_IN_POLICY } from '../../src/domain/staff/index.ts';
import {
  signInOverHttp,
  staffUser,
  TEST_PASSWORD,
  type TestStaffUser,
  testStaffPorts,
} from '../support/staff.ts';
import { type Harness, startHarness, TOKENS } from './harness.ts';

let h: Harness;
let admin: TestStaffUser;
const MINUTE = 60_000;
const target = () => ({
  app: h.app,
  database: h.db.database,
  store: h.store,
  now: () => new Date(h.clock.ms),
});
const as = (token: string) => h.staff(token);
const user = (username: string, role: TestStaffUser['role'], hospitalId = 'H001') =>
  staffUser(target(), { username, role, hospitalId });

/** The administrator, signed in afresh (tests move the clock past earlier sessions' limits). */
const asAdmin = async () => {
  const signed = await signInOverHttp(h.app, {
    hospitalId: 'H001',
    username: 'root',
    password: TEST_PASSWORD,
  });
  return as(String(signed.body.token));
};

beforeAll(async () => {
  h = await startHarness('bus_staff');
  admin = await user('root', 'administrator');
});
afterAll(async () => h?.close());

describe('sign-in', () => {
  it('answers a token that resolves to the user, their role and hospital', async () => {
    const signed = await signInOverHttp(h.app, {
      hospitalId: 'H001',
      username: 'root',
      password: TEST_PASSWORD,
    });
    expect(signed.status).toBe(201);
    expect(signed.body).toMatchObject({
      tokenType: 'Bearer',
      idleTimeoutSeconds: DEFAULT_SIGN_IN_POLICY.idleMs / 1000,
      user: { hospitalId: 'H001', username: 'root', role: 'administrator' },
    });
    expect(Date.parse(String(signed.body.expiresAt)) - h.clock.ms).toBe(DEFAULT_SIGN_IN_POLICY.absoluteMs);
    const me = await as(String(signed.body.token))('GET', '/v1/auth/me');
    expect(me.status).toBe(200);
    expect(me.body).toMatchObject({ hospitalId: 'H001', username: 'root', role: 'administrator' });
    expect(me.body.session.address).toBe('127.0.0.1');
  });

  it('stores only the hash of the token', async () => {
    const rows = await h.db.database.db.selectFrom('staff_sessions').select(['token_hash']).execute();
    expect(rows.length).toBeGreaterThan(0);
    for (const r of rows) expect(r.token_hash).toMatch(/^[0-9a-f]{64}$/);
    expect(rows.map((r) => r.token_hash)).not.toContain(admin.token);
  });

  it('refuses an unknown token and a token that is not a session the same way as a bad static token', async () => {
    const fake = `lsk_${'A'.repeat(43)}`;
    expect((await as(fake)('GET', '/v1/auth/me')).body.code).toBe('AUTH_BAD_TOKEN');
    expect((await as('nonsense')('GET', '/v1/auth/me')).body.code).toBe('AUTH_BAD_TOKEN');
  });
});

describe('OpenAPI', () => {
  it('documents the sign-in, session, user administration and staff-action routes', async () => {
    const doc = (await h.app.inject({ method: 'GET', url: '/docs/json' })).json();
    expect(Object.keys(doc.paths)).toEqual(
      expect.arrayContaining([
        '/v1/auth/sessions',
        '/v1/auth/sessions/current',
        '/v1/auth/me',
        '/v1/admin/users',
        '/v1/admin/users/{username}/role',
        '/v1/admin/users/{username}/disable',
        '/v1/admin/users/{username}/password',
        '/v1/admin/users/{username}/sessions',
        '/v1/audit/staff-actions',
      ]),
    );
    expect(doc.paths['/v1/auth/sessions'].post.security).toEqual([]);
  });
});

describe('expiry (controlled clock)', () => {
  it('ends a session left unused past the idle limit', async () => {
    const u = await user('idle-clerk', 'finance-clerk');
    expect((await as(u.token)('GET', '/v1/auth/me')).status).toBe(200);
    h.clock.ms += DEFAULT_SIGN_IN_POLICY.idleMs - MINUTE;
    expect((await as(u.token)('GET', '/v1/auth/me')).status).toBe(200); // used: the idle limit starts again
    h.clock.ms += DEFAULT_SIGN_IN_POLICY.idleMs - MINUTE;
    expect((await as(u.token)('GET', '/v1/auth/me')).status).toBe(200);
    h.clock.ms += DEFAULT_SIGN_IN_POLICY.idleMs;
    const ended = await as(u.token)('GET', '/v1/auth/me');
    expect(ended.status).toBe(401);
    expect(ended.body).toMatchObject({ code: 'AUTH_SESSION_ENDED', details: { reason: 'idle' } });
  });

  it('ends a busy session at its absolute limit', async () => {
    const u = await user('busy-clerk', 'finance-clerk');
    const end = h.clock.ms + DEFAULT_SIGN_IN_POLICY.absoluteMs;
    while (h.clock.ms + 10 * MINUTE < end) {
      h.clock.ms += 10 * MINUTE;
      expect((await as(u.token)('GET', '/v1/auth/me')).status).toBe(200);
    }
    h.clock.ms = end;
    const ended = await as(u.token)('GET', '/v1/auth/me');
    expect(ended.body).toMatchObject({ code: 'AUTH_SESSION_ENDED', details: { reason: 'expired' } });
  });
});

describe('revocation', () => {
  it('signing out ends that session only', async () => {
    const u = await user('leaving', 'auditor');
    const other = await signInOverHttp(h.app, {
      hospitalId: 'H001',
      username: 'leaving',
      password: TEST_PASSWORD,
    });
    expect((await as(u.token)('DELETE', '/v1/auth/sessions/current')).status).toBe(204);
    const after = await as(u.token)('GET', '/v1/auth/me');
    expect(after.body).toMatchObject({ code: 'AUTH_SESSION_ENDED', details: { reason: 'revoked' } });
    expect((await as(String(other.body.token))('GET', '/v1/auth/me')).status).toBe(200);
  });

  it('an administrator revokes every session of a user', async () => {
    const u = await user('revoked', 'finance-clerk');
    const second = await signInOverHttp(h.app, {
      hospitalId: 'H001',
      username: 'revoked',
      password: TEST_PASSWORD,
    });
    const r = await (await asAdmin())('DELETE', '/v1/admin/users/revoked/sessions');
    expect(r.status).toBe(200);
    expect(r.body.revokedSessionIds).toHaveLength(2);
    for (const token of [u.token, String(second.body.token)])
      expect((await as(token)('GET', '/v1/auth/me')).status).toBe(401);
  });

  it('a static test token cannot sign out (it is not a session)', async () => {
    const r = await as(TOKENS.clerk)('DELETE', '/v1/auth/sessions/current');
    expect(r.status).toBe(400);
    expect(r.body.code).toBe('AUTH_NOT_A_SESSION');
  });
});

describe('lock-out', () => {
  it('locks after the allowed failures, refuses even the right password, and opens again after the period', async () => {
    await user('careless', 'finance-clerk');
    const attempt = (password: string) =>
      signInOverHttp(h.app, { hospitalId: 'H001', username: 'careless', password });
    for (let i = 0; i < DEFAULT_SIGN_IN_POLICY.maxFailures; i++)
      expect((await attempt('wrong password!!')).status).toBe(401);
    const locked = await attempt(TEST_PASSWORD);
    expect(locked.status).toBe(401);
    expect(locked.body.code).toBe('AUTH_SIGN_IN_FAILED');
    const events = (await h.store.readStream('H001/staff-user/careless')).events.map((e) => e.type);
    expect(events.filter((t) => t === 'StaffLockedOut')).toHaveLength(1);
    expect(events.at(-1)).toBe('StaffSignInFailed');
    const listed = await (await asAdmin())('GET', '/v1/admin/users/careless');
    expect(listed.body.lockedUntil).toBe(
      new Date(h.clock.ms + DEFAULT_SIGN_IN_POLICY.lockoutMs).toISOString(),
    );

    h.clock.ms += DEFAULT_SIGN_IN_POLICY.lockoutMs;
    expect((await attempt(TEST_PASSWORD)).status).toBe(201);
  });

  it('concurrent wrong attempts are counted one by one: exactly one lock-out', async () => {
    await user('hammered', 'finance-clerk');
    const n = DEFAULT_SIGN_IN_POLICY.maxFailures * 2;
    const answers = await Promise.all(
      Array.from({ length: n }, () =>
        signInOverHttp(h.app, { hospitalId: 'H001', username: 'hammered', password: 'wrong password!!' }),
      ),
    );
    expect(answers.every((a) => a.status === 401)).toBe(true);
    const events = (await h.store.readStream('H001/staff-user/hammered')).events;
    expect(events.filter((e) => e.type === 'StaffLockedOut')).toHaveLength(1);
    const reasons = events.filter((e) => e.type === 'StaffSignInFailed').map((e) => e.data.reason);
    expect(reasons).toEqual([
      ...Array(DEFAULT_SIGN_IN_POLICY.maxFailures).fill('bad-password'),
      ...Array(n - DEFAULT_SIGN_IN_POLICY.maxFailures).fill('locked'),
    ]);
  });

  it('a password reset clears a lock-out and revokes the old sessions', async () => {
    const u = await user('forgetful', 'finance-clerk');
    for (let i = 0; i < DEFAULT_SIGN_IN_POLICY.maxFailures; i++)
      await signInOverHttp(h.app, {
        hospitalId: 'H001',
        username: 'forgetful',
        password: 'not the password',
      });
    const reset = await (await asAdmin())('PUT', '/v1/admin/users/forgetful/password', {
      password: 'a brand new passphrase',
    });
    expect(reset.status).toBe(200);
    expect(reset.body.lockedUntil).toBeNull();
    expect((await as(u.token)('GET', '/v1/auth/me')).status).toBe(401);
    const again = await signInOverHttp(h.app, {
      hospitalId: 'H001',
      username: 'forgetful',
      password: 'a brand new passphrase',
    });
    expect(again.status).toBe(201);
  });
});

describe('disabled users', () => {
  it('disabling ends every session at once and refuses sign-in', async () => {
    const u = await user('gone', 'finance-supervisor');
    const r = await (await asAdmin())('POST', '/v1/admin/users/gone/disable', {
      reason: 'left the hospital',
    });
    expect(r.status).toBe(200);
    expect(r.body.disabled).toBe(true);
    expect((await as(u.token)('GET', '/v1/auth/me')).status).toBe(401);
    const signed = await signInOverHttp(h.app, {
      hospitalId: 'H001',
      username: 'gone',
      password: TEST_PASSWORD,
    });
    expect(signed.status).toBe(401);
    const types = (await h.store.readStream('H001/staff-user/gone')).events.map((e) => e.type);
    expect(types).toEqual([
      'StaffUserCreated',
      'StaffSignedIn',
      'StaffUserDisabled',
      'StaffSessionsRevoked',
      'StaffSignInFailed',
    ]);
  });

  it('an administrator may not disable or demote themselves', async () => {
    const self = await (await asAdmin())('POST', '/v1/admin/users/root/disable', { reason: 'oops' });
    expect(self.status).toBe(403);
    expect(self.body.code).toBe('STAFF_SELF_LOCKOUT');
    const demote = await (await asAdmin())('PUT', '/v1/admin/users/root/role', { role: 'auditor' });
    expect(demote.body.code).toBe('STAFF_SELF_LOCKOUT');
  });
});

describe('roles', () => {
  it('a role change takes effect on the next request of an existing session', async () => {
    const u = await user('promoted', 'finance-clerk');
    expect((await as(u.token)('GET', '/v1/admin/users')).status).toBe(403);
    const r = await (await asAdmin())('PUT', '/v1/admin/users/promoted/role', { role: 'administrator' });
    expect(r.body.role).toBe('administrator');
    expect((await as(u.token)('GET', '/v1/admin/users')).status).toBe(200);
    expect((await as(u.token)('GET', '/v1/auth/me')).body.role).toBe('administrator');
  });

  it('only administrators manage users; auditors read staff actions, clerks do not', async () => {
    const clerk = await user('plain-clerk', 'finance-clerk');
    const auditor = await user('plain-auditor', 'auditor');
    const create = await as(clerk.token)('POST', '/v1/admin/users', {
      username: 'x',
      displayName: 'x',
      role: 'administrator',
      password: TEST_PASSWORD,
    });
    expect(create.status).toBe(403);
    expect((await as(clerk.token)('GET', '/v1/audit/staff-actions')).status).toBe(403);
    expect((await as(auditor.token)('GET', '/v1/audit/staff-actions')).status).toBe(200);
  });
});

describe('hospitals are kept apart', () => {
  it("another hospital's administrator neither sees nor changes this hospital's users", async () => {
    const other = await user('root2', 'administrator', 'H002');
    const list = await as(other.token)('GET', '/v1/admin/users');
    expect(list.body.users.map((u: { username: string }) => u.username)).toEqual(['root2']);
    const change = await as(other.token)('PUT', '/v1/admin/users/promoted/role', { role: 'auditor' });
    expect(change.status).toBe(404);
    expect(change.body.code).toBe('STAFF_USER_NOT_FOUND');
    // The same name in another hospital is another user, with its own password.
    const wrongHospital = await signInOverHttp(h.app, {
      hospitalId: 'H002',
      username: 'root',
      password: TEST_PASSWORD,
    });
    expect(wrongHospital.status).toBe(401);
  });
});

describe('the answer to a failed sign-in says nothing about why', () => {
  it('unknown user, wrong password, disabled and locked accounts: same answer, one hash check each', async () => {
    let verifications = 0;
    const ports = testStaffPorts({
      database: h.db.database,
      store: h.store,
      now: () => new Date(h.clock.ms),
    });
    const real = ports.hasher;
    const counting: PasswordHasher = {
      hash: (p) => real.hash(p),
      verify: async (hash, p) => {
        verifications++;
        return real.verify(hash, p);
      },
    };
    const attempt = (username: string, password: string) =>
      signIn({ ...ports, hasher: counting }, { hospitalId: 'H001', username, password, address: '10.0.0.9' });
    await user('locked-one', 'finance-clerk');
    for (let i = 0; i < DEFAULT_SIGN_IN_POLICY.maxFailures; i++)
      await attempt('locked-one', 'wrong password!!');
    const bodies = [];
    for (const [name, password] of [
      ['nobody-here', TEST_PASSWORD],
      ['promoted', 'wrong password!!'],
      ['gone', TEST_PASSWORD],
      ['locked-one', TEST_PASSWORD],
    ] as const) {
      verifications = 0;
      expect(await attempt(name, password)).toEqual({ ok: false });
      expect(verifications).toBe(1);
      bodies.push((await signInOverHttp(h.app, { hospitalId: 'H001', username: name, password })).body);
    }
    for (const b of bodies) expect(b).toEqual(bodies[0]);
    // A name nobody registered gets no stream.
    expect((await h.store.readStream('H001/staff-user/nobody-here')).exists).toBe(false);
  });
});

describe('staff actions', () => {
  it('records who, when and from where for account changes, sign-ins and commands; filters and pages', async () => {
    const auditor = await user('checker', 'auditor');
    const channel = await (await asAdmin())('POST', '/v1/admin/channels', {
      channelId: 'window',
      name: '窗口',
      businessTypes: ['refund'],
      rateLimit: { perSecond: 10, burst: 10 },
    });
    expect(channel.status).toBe(201);
    const read = (query: string) => as(auditor.token)('GET', `/v1/audit/staff-actions?${query}`);

    const mine = await read('user=root');
    expect(mine.status).toBe(200);
    const types = mine.body.actions.map((a: { type: string }) => a.type);
    expect(types).toContain('StaffSignedIn');
    expect(types).toContain('StaffRoleChanged');
    expect(types).toContain('ChannelRegistered');
    for (const a of mine.body.actions) {
      expect(a.user).toBe('root');
      expect(a.address).toBe('127.0.0.1');
    }
    const failures = (await read('user=careless')).body.actions.filter(
      (a: { type: string }) => a.type === 'StaffSignInFailed' || a.type === 'StaffLockedOut',
    );
    expect(failures.length).toBe(DEFAULT_SIGN_IN_POLICY.maxFailures + 2);

    // Pages: the cursor walks every action once, in order.
    const all = (await read('limit=1000')).body.actions.map((a: { position: string }) => a.position);
    const walked: string[] = [];
    let cursor: string | null = null;
    do {
      const page: { body: { actions: { position: string }[]; nextCursor: string | null } } = await read(
        `limit=7${cursor ? `&cursor=${cursor}` : ''}`,
      );
      walked.push(...page.body.actions.map((a) => a.position));
      cursor = page.body.nextCursor;
    } while (cursor);
    expect(walked).toEqual(all);
    expect(new Set(walked).size).toBe(walked.length);

    // Time range: recorded times are the database's; a range that ends before the first action is empty.
    const first = (await read('limit=1')).body.actions[0];
    const before = new Date(Date.parse(first.recordedAt) - 1).toISOString();
    expect((await read(`to=${encodeURIComponent(before)}`)).body.actions).toEqual([]);
    expect(
      (await read(`from=${encodeURIComponent(first.recordedAt)}&limit=1`)).body.actions[0].position,
    ).toBe(first.position);
    // Another hospital's actions are not listed.
    const other = await user('audit2', 'auditor', 'H002');
    const theirs = await as(other.token)('GET', '/v1/audit/staff-actions?user=root');
    expect(theirs.body.actions).toEqual([]);
  });
});
