// `ledger serve` (or `ledger worker`) as a real child process for the fault tests and the scale-out bench:
// started on a fixed port so it can be killed and started again where clients expect it, and clients that
// retry a command with its Idempotency-Key until it is answered (a dropped connection or a 503 is retried;
// any other answer is final).
import { type ChildProcess, spawn } from 'node:child_process';
import { once } from 'node:events';
import { createServer } from 'node:net';
import { join } from 'node:path';
import pg from 'pg';
import { signRequest } from '../../src/bus/auth/index.ts';
import { generateMasterKey } from '../../src/adapters/secrets/keyring.ts';

export const ADMIN_TOKEN = 'admin-token-0123456789abcdef0123456789';
const BIN = join(import.meta.dirname, '../../bin/ledger.mjs');
/** Longest a process may take to start on a loaded 2-core machine before the test gives up. */
const START_DEADLINE_MS = 120_000;
/** Pause between two tries of a command whose answer did not come (the server is down or shedding). */
const RETRY_PAUSE_MS = 100;
/** Tries of one command before the test gives up on it (a server that never comes back). */
const MAX_TRIES = 3_000;

export async function freePort(): Promise<number> {
  const server = createServer();
  server.listen(0, '127.0.0.1');
  await once(server, 'listening');
  const port = (server.address() as { port: number }).port;
  server.close();
  await once(server, 'close');
  return port;
}

export interface LedgerProcess {
  readonly child: ChildProcess;
  output(): string;
  exited(): boolean;
  stop(signal?: NodeJS.Signals): Promise<void>;
}

export function ledgerEnv(databaseUrl: string, extra: Record<string, string> = {}): NodeJS.ProcessEnv {
  return {
    PATH: process.env.PATH,
    HOME: process.env.HOME,
    DATABASE_URL: databaseUrl,
    HOST: '127.0.0.1',
    LEDGER_MASTER_KEY: MASTER_KEY,
    LEDGER_STAFF_TOKENS: `H001:administrator:ops:${ADMIN_TOKEN}`,
    LOG_LEVEL: 'warn',
    ...extra,
  };
}
const MASTER_KEY = generateMasterKey();

/** How long a graceful stop may take before the process is killed. */
const STOP_DEADLINE_MS = 30_000;

/** Starts `ledger <command>`; resolves once it prints `ready` (a line matching it). */
export async function startLedger(
  command: 'serve' | 'worker',
  env: NodeJS.ProcessEnv,
  ready = command === 'serve' ? /listening on http/ : /worker running/,
): Promise<LedgerProcess> {
  const child = spawn(process.execPath, [BIN, command], { env, stdio: ['ignore', 'pipe', 'pipe'] });
  let out = '';
  let gone = false;
  child.stdout!.on('data', (c) => (out = (out + c).slice(-20_000)));
  child.stderr!.on('data', (c) => (out = (out + c).slice(-20_000)));
  child.on('exit', () => (gone = true));
  const deadline = Date.now() + START_DEADLINE_MS;
  while (!ready.test(out)) {
    if (gone || Date.now() > deadline) throw new Error(`ledger ${command} did not start:\n${out}`);
    await new Promise((r) => setTimeout(r, 100));
  }
  return {
    child,
    output: () => out,
    exited: () => gone,
    async stop(signal = 'SIGTERM') {
      if (gone) return;
      const exit = once(child, 'exit');
      child.kill(signal);
      // A process that does not finish its shutdown in time is killed: the test's verdict is in its body, and a
      // hung shutdown must not hold the suite (its output is kept for the failure message).
      const killer = setTimeout(() => child.kill('SIGKILL'), STOP_DEADLINE_MS);
      await exit;
      clearTimeout(killer);
    },
  };
}

export interface Answer {
  status: number;
  // biome-ignore lint/suspicious/noExplicitAny: tests read JSON answers field by field
  body: any;
  retryAfter: string | null;
}

export async function call(
  base: string,
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
  let parsed: unknown;
  try {
    parsed = text ? JSON.parse(text) : undefined;
  } catch {
    parsed = undefined;
  }
  return { status: res.status, body: parsed, retryAfter: res.headers.get('retry-after') };
}

export const admin = (base: string, method: string, path: string, body?: unknown) =>
  call(base, method, path, body, { authorization: `Bearer ${ADMIN_TOKEN}` });

/** Registers a kiosk channel and its client; answers the client's secret. */
export async function registerKiosk(base: string, clientId = 'kiosk-client'): Promise<string> {
  const ch = await admin(base, 'POST', '/v1/admin/channels', {
    channelId: 'kiosk',
    name: '自助机',
    businessTypes: ['registration', 'outpatient', 'deposit', 'refund'],
    rateLimit: { perSecond: 100_000, burst: 100_000 },
  });
  if (ch.status !== 201 && ch.status !== 409)
    throw new Error(`channel: ${ch.status} ${JSON.stringify(ch.body)}`);
  const cl = await admin(base, 'POST', '/v1/admin/clients', {
    clientId,
    kind: 'kiosk-fleet',
    channelId: 'kiosk',
    grants: { read: 'hospital', patientIds: 'full' },
  });
  if (cl.status !== 201) throw new Error(`client: ${cl.status} ${JSON.stringify(cl.body)}`);
  return cl.body.secret as string;
}

export interface Tally {
  /** Answers per status, retries included. */
  statuses: Map<number, number>;
  /** Tries that got no answer (connection refused or reset). */
  dropped: number;
}

export function newTally(): Tally {
  return { statuses: new Map(), dropped: 0 };
}

export function describeTally(t: Tally): string {
  const s = [...t.statuses.entries()].sort(([a], [b]) => a - b).map(([k, n]) => `${k}×${n}`);
  return `${s.join(', ')}; ${t.dropped} without an answer`;
}

/**
 * Sends a signed command until it is answered with anything but 503 (or no answer at all): the client's
 * retry loop. The same Idempotency-Key every time, a fresh nonce and signature each try.
 */
export async function untilAnswered(
  base: () => string,
  client: { id: string; secret: string },
  method: string,
  path: string,
  body: unknown,
  idem: string,
  tally: Tally,
): Promise<Answer> {
  const payload = JSON.stringify(body);
  for (let i = 0; i < MAX_TRIES; i++) {
    const headers = {
      ...signRequest({ clientId: client.id, secret: client.secret, method, path, body: payload }),
      'idempotency-key': idem,
    };
    try {
      const a = await call(base(), method, path, body, headers);
      tally.statuses.set(a.status, (tally.statuses.get(a.status) ?? 0) + 1);
      if (a.status !== 503) return a;
    } catch {
      tally.dropped++;
    }
    await new Promise((r) => setTimeout(r, RETRY_PAUSE_MS));
  }
  throw new Error(`${method} ${path} was never answered`);
}

/** How many events of each type name each order (data.orderId), read straight from the events table. */
export async function eventsPerOrder(
  databaseUrl: string,
  types: readonly string[],
): Promise<Map<string, number>> {
  const c = new pg.Client({ connectionString: databaseUrl });
  await c.connect();
  try {
    const { rows } = await c.query<{ type: string; order_id: string; n: number }>(
      `SELECT type, data->>'orderId' AS order_id, count(*)::int AS n FROM events
       WHERE type = ANY($1) GROUP BY 1, 2`,
      [types],
    );
    return new Map(rows.map((r) => [`${r.type}:${r.order_id}`, r.n]));
  } finally {
    await c.end();
  }
}

export function registration(orderId: string, patientId: string) {
  return {
    orderId,
    patientId,
    amount: '25.00',
    business: {
      kind: 'registration',
      mode: 'same-day',
      departmentId: 'D01',
      doctorId: 'DR7',
      slotId: `S-${orderId}`,
      visitDate: '2025-01-15',
    },
  };
}

export const payment = (txn: string, amount: string) => ({
  channel: 'cash',
  channelTxnId: txn,
  amount,
  payerRef: '6222****1234',
});

export interface Unit {
  orderId: string;
  /** Set for a deposit top-up (its payment is credited to the admission by a reaction). */
  admissionId?: string;
}

/**
 * The load: `workers` clients, each sending `units` orders one after another — create, then pay, each retried
 * until answered — every third one a deposit top-up. `onAck` sees the running count of answered commands, so
 * a test can strike at points of progress rather than of time. Answers the units, all acknowledged.
 */
export async function runWorkload(o: {
  base: () => string;
  client: { id: string; secret: string };
  workers: number;
  units: number;
  tally: Tally;
  label: string;
  onAck?: (acks: number) => Promise<void> | void;
}): Promise<Unit[]> {
  let acks = 0;
  const done: Unit[] = [];
  const ack = async (a: Answer, what: string) => {
    if (a.status >= 300) throw new Error(`${what}: ${a.status} ${JSON.stringify(a.body)}`);
    acks++;
    await o.onAck?.(acks);
  };
  await Promise.all(
    Array.from({ length: o.workers }, async (_, w) => {
      for (let i = 0; i < o.units; i++) {
        const id = `${o.label}${w}x${i}`;
        const orderId = `O${id}`;
        const topUp = i % 3 === 2;
        const amount = topUp ? '300.00' : '25.00';
        const created = topUp
          ? await untilAnswered(
              o.base,
              o.client,
              'POST',
              `/v1/deposits/A${id}/top-ups`,
              { orderId, patientId: `P${id}`, amount },
              `k-${id}-c`,
              o.tally,
            )
          : await untilAnswered(
              o.base,
              o.client,
              'POST',
              '/v1/orders',
              registration(orderId, `P${id}`),
              `k-${id}-c`,
              o.tally,
            );
        await ack(created, `create ${orderId}`);
        const paid = await untilAnswered(
          o.base,
          o.client,
          'POST',
          `/v1/orders/${orderId}/payments`,
          payment(`T${id}`, amount),
          `k-${id}-p`,
          o.tally,
        );
        await ack(paid, `pay ${orderId}`);
        done.push({ orderId, ...(topUp ? { admissionId: `A${id}` } : {}) });
      }
    }),
  );
  return done;
}

/** `ledger serve` on a free port over a database: its environment (to start it again there), address, process. */
export async function serveOnFreePort(
  databaseUrl: string,
  extra: Record<string, string> = {},
): Promise<{ env: NodeJS.ProcessEnv; base: string; server: LedgerProcess }> {
  const port = await freePort();
  const env = ledgerEnv(databaseUrl, { PORT: String(port), ...extra });
  return { env, base: `http://127.0.0.1:${port}`, server: await startLedger('serve', env) };
}

/** After a load: waits for the deposit credits, then answers what is not exactly once ([] when all is). */
export async function afterLoad(databaseUrl: string, units: readonly Unit[]): Promise<string[]> {
  if (!(await creditsCaughtUp(databaseUrl, units))) return ['deposit credits did not catch up'];
  return notExactlyOnce(databaseUrl, units);
}

/** Every unit's order created once and paid once; every top-up credited once. Answers what does not hold. */
export async function notExactlyOnce(databaseUrl: string, units: readonly Unit[]): Promise<string[]> {
  const counts = await eventsPerOrder(databaseUrl, ['OrderCreated', 'PaymentSucceeded', 'DepositToppedUp']);
  const wrong: string[] = [];
  for (const u of units) {
    const expected = u.admissionId
      ? ['OrderCreated', 'PaymentSucceeded', 'DepositToppedUp']
      : ['OrderCreated', 'PaymentSucceeded'];
    for (const type of expected) {
      const n = counts.get(`${type}:${u.orderId}`) ?? 0;
      if (n !== 1) wrong.push(`${u.orderId} ${type}×${n}`);
    }
  }
  const ours = new Set(units.map((u) => u.orderId));
  for (const [k, n] of counts) {
    const orderId = k.slice(k.indexOf(':') + 1);
    if (!ours.has(orderId)) wrong.push(`unexpected ${k}×${n}`);
  }
  return wrong;
}

/** Waits (bounded) until every top-up is credited: the reactions caught up. */
export async function creditsCaughtUp(
  databaseUrl: string,
  units: readonly Unit[],
  deadlineMs = 180_000,
): Promise<boolean> {
  const deadline = Date.now() + deadlineMs;
  const topUps = units.filter((u) => u.admissionId);
  for (;;) {
    const counts = await eventsPerOrder(databaseUrl, ['DepositToppedUp']);
    if (topUps.every((u) => (counts.get(`DepositToppedUp:${u.orderId}`) ?? 0) >= 1)) return true;
    if (Date.now() > deadline) return false;
    await new Promise((r) => setTimeout(r, 250));
  }
}

/** A database of its own for a bench run outside vitest (tests use test/support/databases.ts). */
export async function scratchDatabase(label: string): Promise<{ url: string; dispose(): Promise<void> }> {
  const adminUrl = process.env.TEST_POSTGRES_URL ?? 'postgres://postgres@127.0.0.1:5432/postgres';
  const name = `${label}_${Date.now().toString(36)}`;
  const admin = new pg.Client({ connectionString: adminUrl });
  await admin.connect();
  await admin.query(`CREATE DATABASE ${pg.escapeIdentifier(name)}`);
  await admin.end();
  const url = new URL(adminUrl);
  url.pathname = `/${name}`;
  return {
    url: url.toString(),
    async dispose() {
      const c = new pg.Client({ connectionString: adminUrl });
      await c.connect();
      await c.query(`DROP DATABASE IF EXISTS ${pg.escapeIdentifier(name)} WITH (FORCE)`);
      await c.end();
    },
  };
}
