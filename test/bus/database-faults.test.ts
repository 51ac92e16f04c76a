// `ledger serve` as a real process on its own PostgreSQL database, while an administrator terminates its
// connections (pg_terminate_backend) under load: the process must live on, answer only 2xx or 503 meanwhile,
// and serve normally afterwards without a restart.
import { type ChildProcess, spawn } from 'node:child_process';
import { once } from 'node:events';
import { join } from 'node:path';
import pg from 'pg';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { signRequest } from '../../src/bus/auth/index.ts';
import { generateMasterKey } from '../../src/adapters/secrets/keyring.ts';
import { createPostgresDatabase, type TestDatabase } from '../support/databases.ts';
import { ids, payment, registration } from './harness.ts';

const ADMIN_URL = process.env.TEST_POSTGRES_URL ?? 'postgres://postgres@127.0.0.1:5432/postgres';
const TOKEN = 'admin-token-0123456789abcdef0123456789';
/** Rounds of terminations while requests are in flight. */
const KILL_ROUNDS = 6;
const WORKERS = 6;

interface Answer {
  status: number;
  body: { code?: string } | undefined;
  retryAfter: string | null;
}

let t: TestDatabase;
let server: ChildProcess;
let base: string;
let output = '';
let exited: { code: number | null; signal: string | null } | undefined;

async function call(
  method: string,
  path: string,
  body: unknown,
  headers: Record<string, string>,
): Promise<Answer> {
  const payload = body === undefined ? undefined : JSON.stringify(body);
  const res = await fetch(`${base}${path}`, {
    method,
    headers: { ...(payload ? { 'content-type': 'application/json' } : {}), ...headers },
    ...(payload ? { body: payload } : {}),
  });
  const text = await res.text();
  let parsed: Answer['body'];
  try {
    parsed = text ? JSON.parse(text) : undefined;
  } catch {
    parsed = undefined;
  }
  return { status: res.status, body: parsed, retryAfter: res.headers.get('retry-after') };
}

const admin = (method: string, path: string, body?: unknown) =>
  call(method, path, body, { authorization: `Bearer ${TOKEN}` });

let clientSecret = '';
const signed = (method: string, path: string, body?: unknown, idem?: string) => {
  const payload = body === undefined ? undefined : JSON.stringify(body);
  const headers = signRequest({
    clientId: 'kiosk-client',
    secret: clientSecret,
    method,
    path,
    ...(payload !== undefined ? { body: payload } : {}),
  });
  return call(method, path, body, { ...headers, ...(idem ? { 'idempotency-key': idem } : {}) });
};

/** One patient's registration: create, pay, read back; stops at the first step that is not answered 2xx. */
async function oneOrder(): Promise<Answer[]> {
  const o = ids('F');
  const steps = [
    () => signed('POST', '/v1/orders', registration(o.orderId, o.patient), `k-${o.orderId}-c`),
    () => signed('POST', `/v1/orders/${o.orderId}/payments`, payment(o.txn, '25.00'), `k-${o.orderId}-p`),
    () => signed('GET', `/v1/orders/${o.orderId}`),
  ];
  const answers: Answer[] = [];
  for (const step of steps) {
    const a = await step();
    answers.push(a);
    if (a.status >= 300) break;
  }
  return answers;
}

async function terminateBackends(): Promise<number> {
  const c = new pg.Client({ connectionString: ADMIN_URL });
  await c.connect();
  try {
    const { rows } = await c.query<{ n: number }>(
      `SELECT count(pg_terminate_backend(pid))::int AS n FROM pg_stat_activity
       WHERE datname = $1 AND pid <> pg_backend_pid()`,
      [new URL(t.url!).pathname.slice(1)],
    );
    return rows[0]!.n;
  } finally {
    await c.end();
  }
}

beforeAll(async () => {
  t = await createPostgresDatabase('db_faults', 1);
  const env: NodeJS.ProcessEnv = {
    PATH: process.env.PATH,
    HOME: process.env.HOME,
    DATABASE_URL: t.url,
    HOST: '127.0.0.1',
    PORT: '0',
    LEDGER_MASTER_KEY: generateMasterKey(),
    LEDGER_STAFF_TOKENS: `H001:administrator:ops:${TOKEN}`,
  };
  server = spawn(process.execPath, [join(import.meta.dirname, '../../bin/ledger.mjs'), 'serve'], {
    env,
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  server.stdout!.on('data', (c) => (output += c));
  server.stderr!.on('data', (c) => (output += c));
  server.on('exit', (code, signal) => (exited = { code, signal }));
  const deadline = Date.now() + 90_000;
  for (;;) {
    const m = /listening on (http:\/\/[^\s]+)/.exec(output);
    if (m) {
      base = m[1]!;
      break;
    }
    if (exited || Date.now() > deadline) throw new Error(`ledger serve did not start:\n${output}`);
    await new Promise((r) => setTimeout(r, 100));
  }
  const ch = await admin('POST', '/v1/admin/channels', {
    channelId: 'kiosk',
    name: '自助机',
    businessTypes: ['registration', 'outpatient', 'deposit', 'refund'],
    rateLimit: { perSecond: 1000, burst: 1000 },
  });
  expect(ch.status).toBe(201);
  const cl = await admin('POST', '/v1/admin/clients', {
    clientId: 'kiosk-client',
    kind: 'kiosk-fleet',
    channelId: 'kiosk',
  });
  expect(cl.status).toBe(201);
  clientSecret = (cl.body as { secret: string }).secret;
}, 120_000);

afterAll(async () => {
  if (server && !exited) {
    server.kill('SIGTERM');
    await once(server, 'exit');
  }
  await t?.dispose();
});

describe('ledger serve when its database connections are cut', () => {
  it('stays up, answers 2xx or 503 with retry-after meanwhile, and serves normally afterwards', async () => {
    for (const a of await oneOrder()) expect(a.status).toBeLessThan(300);

    const answers: Answer[] = [];
    const failures: unknown[] = [];
    let stop = false;
    const load = Array.from({ length: WORKERS }, async () => {
      while (!stop) {
        try {
          answers.push(...(await oneOrder()));
        } catch (error) {
          failures.push(error); // a refused or reset TCP connection: the process is gone
          stop = true;
        }
      }
    });
    let terminated = 0;
    for (let round = 0; round < KILL_ROUNDS && !exited; round++) {
      await new Promise((r) => setTimeout(r, 300));
      terminated += await terminateBackends();
    }
    stop = true;
    await Promise.all(load);

    expect(exited, output.slice(-4_000)).toBeUndefined();
    expect(failures).toEqual([]);
    expect(terminated).toBeGreaterThan(0);
    const statuses = new Set(answers.map((a) => a.status));
    for (const a of answers) {
      expect([200, 201, 503], JSON.stringify(a)).toContain(a.status);
      if (a.status === 503) {
        expect(['DATABASE_UNAVAILABLE', 'AUTH_UNAVAILABLE']).toContain(a.body?.code);
        expect(Number(a.retryAfter)).toBeGreaterThan(0);
      }
    }
    expect(statuses.has(201)).toBe(true);
    console.info(
      `database faults: ${terminated} backends terminated; answers ${[...statuses].map((s) => `${s}×${answers.filter((a) => a.status === s).length}`).join(', ')}`,
    );

    // Recovery without a restart: every step of a fresh order succeeds again (allowing the pool a few tries).
    let recovered = false;
    for (let i = 0; i < 50 && !recovered; i++) {
      const round = await oneOrder();
      recovered = round.length === 3 && round.every((a) => a.status < 300);
      if (!recovered) await new Promise((r) => setTimeout(r, 200));
    }
    expect(recovered).toBe(true);
    for (const a of await oneOrder()) expect(a.status).toBeLessThan(300);
    expect((await admin('GET', '/v1/projections')).status).toBe(200);
    expect(exited).toBeUndefined();
  });
});
