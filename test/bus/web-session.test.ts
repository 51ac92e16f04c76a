// The workbench's cookie sign-in over HTTP on real PostgreSQL: the cookies' flags, the CSRF token required on
// every unsafe method (and bound to its session), sign-out, an ended session; and the built page served at `/`
// with its security headers, or the how-to-build answer when there is no build.
import { mkdtemp, mkdir, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { buildServer } from '../../src/bus/server.ts';
import { csrfTokenOf, parseCookies } from '../../src/bus/web-session.ts';
import { staffUser, TEST_PASSWORD } from '../support/staff.ts';
import { type Harness, startHarness } from './harness.ts';

let h: Harness;
const target = () => ({ app: h.app, database: h.db.database, store: h.store });

beforeAll(async () => {
  h = await startHarness('bus_web_session');
  await staffUser(target(), { username: 'webclerk', role: 'finance-clerk' });
  await staffUser(target(), { username: 'webaudit', role: 'auditor' });
});
afterAll(async () => h?.close());

async function webSignIn(username: string) {
  const res = await h.app.inject({
    method: 'POST',
    url: '/v1/auth/web-session',
    headers: { 'content-type': 'application/json' },
    payload: JSON.stringify({ hospitalId: 'H001', username, password: TEST_PASSWORD }),
  });
  const set = ([] as string[]).concat(res.headers['set-cookie'] ?? []);
  const cookie = set.map((c) => c.split(';')[0]).join('; ');
  return { res, set, cookie, body: JSON.parse(res.body) as Record<string, string> };
}

describe('cookie sessions', () => {
  it('sets an HttpOnly SameSite=Strict session cookie and a readable CSRF cookie', async () => {
    const { res, set, body } = await webSignIn('webclerk');
    expect(res.statusCode).toBe(201);
    const session = set.find((c) => c.startsWith('ledger_session='));
    const csrf = set.find((c) => c.startsWith('ledger_csrf='));
    expect(session).toMatch(/HttpOnly/);
    expect(session).toMatch(/SameSite=Strict/);
    expect(session).toMatch(/Max-Age=\d+/);
    expect(session).not.toMatch(/Secure/); // plain http here; over https the cookie is Secure
    expect(csrf).not.toMatch(/HttpOnly/);
    expect(body.role).toBe('finance-clerk');
    expect(body.csrfToken).toBe(parseCookies(csrf).get('ledger_csrf'));
    expect(JSON.stringify(body)).not.toContain('lsk_');
  });

  it('a wrong password sets no cookie', async () => {
    const res = await h.app.inject({
      method: 'POST',
      url: '/v1/auth/web-session',
      headers: { 'content-type': 'application/json' },
      payload: JSON.stringify({ hospitalId: 'H001', username: 'webclerk', password: 'wrong password!' }),
    });
    expect(res.statusCode).toBe(401);
    expect(res.headers['set-cookie']).toBeUndefined();
  });

  it('reads with the cookie; refuses an unsafe method without the CSRF header, or with another session’s', async () => {
    const a = await webSignIn('webclerk');
    const b = await webSignIn('webclerk');
    const me = await h.app.inject({
      method: 'GET',
      url: '/v1/auth/web-session',
      headers: { cookie: a.cookie },
    });
    expect(me.statusCode).toBe(200);
    const days = await h.app.inject({
      method: 'GET',
      url: '/v1/days?from=2026-11-01',
      headers: { cookie: a.cookie },
    });
    expect(days.statusCode).toBe(200);
    const body = JSON.stringify({ ids: ['0'.repeat(32)], reason: 'x' });
    const post = (headers: Record<string, string>) =>
      h.app.inject({
        method: 'POST',
        url: '/v1/discrepancies/accept-timing',
        headers: { 'content-type': 'application/json', cookie: a.cookie, ...headers },
        payload: body,
      });
    const none = await post({});
    expect(none.statusCode).toBe(403);
    expect(JSON.parse(none.body).code).toBe('AUTH_CSRF');
    const other = await post({ 'x-csrf-token': b.body.csrfToken as string });
    expect(JSON.parse(other.body).code).toBe('AUTH_CSRF');
    const right = await post({ 'x-csrf-token': a.body.csrfToken as string });
    expect(JSON.parse(right.body).code).not.toBe('AUTH_CSRF');
    expect(right.statusCode).not.toBe(403);
  });

  it('an auditor’s cookie reads but may not work', async () => {
    const a = await webSignIn('webaudit');
    const res = await h.app.inject({
      method: 'POST',
      url: '/v1/discrepancies/accept-timing',
      headers: {
        'content-type': 'application/json',
        cookie: a.cookie,
        'x-csrf-token': a.body.csrfToken as string,
      },
      payload: JSON.stringify({ ids: ['0'.repeat(32)], reason: 'x' }),
    });
    expect(res.statusCode).toBe(403);
    expect(JSON.parse(res.body).code).toBe('FORBIDDEN_ROLE');
  });

  it('signs out: the session ends, the cookies are cleared, the old cookie is refused', async () => {
    const a = await webSignIn('webclerk');
    const out = await h.app.inject({
      method: 'DELETE',
      url: '/v1/auth/web-session',
      headers: { cookie: a.cookie, 'x-csrf-token': a.body.csrfToken as string },
    });
    expect(out.statusCode).toBe(204);
    expect(String(out.headers['set-cookie'])).toMatch(/ledger_session=;.*Max-Age=0/);
    const me = await h.app.inject({
      method: 'GET',
      url: '/v1/auth/web-session',
      headers: { cookie: a.cookie },
    });
    expect(me.statusCode).toBe(401);
    const days = await h.app.inject({
      method: 'GET',
      url: '/v1/days?from=2026-11-01',
      headers: { cookie: a.cookie },
    });
    expect(days.statusCode).toBe(401);
  });

  it('derives a CSRF token per session and key', () => {
    const k1 = Buffer.alloc(32, 1);
    const k2 = Buffer.alloc(32, 2);
    expect(csrfTokenOf('lsk_a', k1)).not.toBe(csrfTokenOf('lsk_b', k1));
    expect(csrfTokenOf('lsk_a', k1)).not.toBe(csrfTokenOf('lsk_a', k2));
    expect(parseCookies('a=1; b=2; a=3')).toEqual(
      new Map([
        ['a', '1'],
        ['b', '2'],
      ]),
    );
  });
});

describe('the built page at /', () => {
  const dirs: string[] = [];
  afterAll(async () => {
    for (const d of dirs) await rm(d, { recursive: true, force: true });
  });
  const server = async (root: string) =>
    buildServer({
      store: h.store,
      database: h.db.database,
      clients: h.clients,
      keyring: (await import('../../src/adapters/secrets/keyring.ts')).parseMasterKeys(
        (await import('../../src/adapters/secrets/keyring.ts')).generateMasterKey(),
      ),
      nonceStore: new (await import('../../src/adapters/nonce/memory.ts')).MemoryNonceStore(),
      logger: (await import('../../src/adapters/log.ts')).createLogger({ name: 'web-test', level: 'silent' }),
      web: { root },
    });

  it('serves index.html and its assets with security headers', async () => {
    const root = await mkdtemp(join(tmpdir(), 'web-root-'));
    dirs.push(root);
    await mkdir(join(root, 'assets'));
    await writeFile(join(root, 'index.html'), '<!doctype html><title>x</title>');
    await writeFile(join(root, 'assets', 'index-abc123.js'), 'console.log(1)');
    const app = await server(root);
    try {
      const page = await app.inject({ method: 'GET', url: '/' });
      expect(page.statusCode).toBe(200);
      expect(page.headers['content-security-policy']).toContain("script-src 'self'");
      expect(page.headers['x-frame-options']).toBe('DENY');
      const js = await app.inject({ method: 'GET', url: '/assets/index-abc123.js' });
      expect(js.statusCode).toBe(200);
      expect(js.headers['cache-control']).toContain('immutable');
      const missing = await app.inject({ method: 'GET', url: '/etc/passwd' });
      expect(missing.statusCode).toBe(404);
    } finally {
      await app.close();
    }
  });

  it('says how to build it when there is no build', async () => {
    const root = await mkdtemp(join(tmpdir(), 'web-empty-'));
    dirs.push(root);
    const app = await server(root);
    try {
      const page = await app.inject({ method: 'GET', url: '/' });
      expect(page.statusCode).toBe(503);
      expect(page.body).toContain('npm run build:web');
    } finally {
      await app.close();
    }
  });
});
