// Jobs a request starts, on real PostgreSQL and Redis: a large upload over the API is imported by a worker while
// the job shows its progress; a worker killed mid-import leaves a job another worker completes, the statement
// imported once; a large report runs as a job and its xlsx opens with exceljs; an upload taken while Redis is
// away waits queued and runs once Redis is back; and without a queue, a bus killed mid-import takes its job up
// again when it restarts (no job is left `interrupted`).
//
// "Mid-import" is made exact, not timed: a trigger on the events table makes every line batch past the eighth
// of a statement wait on an advisory lock the test holds, so the first append (the start and eight batches)
// commits and the next one waits until the test kills the process that made it, or lets it go.
import { type ChildProcess, spawn } from 'node:child_process';
import { mkdir, mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Queue, Worker } from 'bullmq';
import ExcelJS from 'exceljs';
import pg from 'pg';
import pino from 'pino';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { SqlEventStore } from '../../src/adapters/event-store/sql-event-store.ts';
import { MemoryNonceStore } from '../../src/adapters/nonce/memory.ts';
import { openQueue, startWorker } from '../../src/adapters/queue/bullmq.ts';
import { relayQueuedJobs } from '../../src/adapters/queue/request-jobs.ts';
import { SqlJobStore } from '../../src/adapters/jobs/sql-job-store.ts';
import { type BillEntry, writeWechatBill } from '../../src/adapters/statements/index.ts';
import { SqlClientStore } from '../../src/adapters/clients/sql-client-store.ts';
import { generateMasterKey, parseMasterKeys } from '../../src/adapters/secrets/keyring.ts';
import { keyringSealer } from '../../src/adapters/secrets/sealer.ts';
import { ClientRegistry } from '../../src/app/clients.ts';
import { parseStaffTokens } from '../../src/bus/principal.ts';
import { type App, buildServer } from '../../src/bus/server.ts';
import { jobHandlers } from '../../src/cli/worker.ts';
import { UPCASTERS } from '../../src/domain/events.ts';
import type { ScenarioManifest } from '../../src/simulation/files.ts';
import { simulateDay } from '../../src/simulation/scenario.ts';
import { createPostgresDatabase, type TestDatabase } from '../support/databases.ts';
import {
  ADMIN_TOKEN,
  freePort,
  type LedgerProcess,
  ledgerEnv,
  startLedger,
} from '../faults/ledger-process.ts';

const REDIS_URL = process.env.TEST_REDIS_URL ?? 'redis://127.0.0.1:6379';
const H = 'H001';
const DATE = '2026-11-20';
/** Lines of each large bill: 24 batches of 1,000, over the 4 MiB the bus imports before answering. */
const LINES = 24_000;
/** The advisory lock the trigger makes a statement's ninth batch onwards wait on. */
const GATE = 7001;
const logger = pino({ level: process.env.TEST_LOG ?? 'silent' });
/** A finance supervisor of the hospital (uploads, reports); the administrator asks for rebuilds. */
const CLERK_TOKEN = 'supervisor-token-0123456789abcdef012345';
const runTag = `test-reqjobs-${process.pid}-${Math.random().toString(36).slice(2, 8)}`;
const BIN = join(import.meta.dirname, '../../bin/ledger.mjs');

let prefix = runTag;
let tests = 0;
beforeEach(() => {
  prefix = `${runTag}-${++tests}`;
});

// biome-ignore lint/suspicious/noExplicitAny: tests read JSON answers field by field
type Json = any;

let tdb: TestDatabase;
let store: SqlEventStore;
let work: string;
let manifest: ScenarioManifest;
let simDir: string;
/** The test's own connection, holding the gate. */
let gate: pg.Client;
const cleanups: (() => Promise<unknown>)[] = [];

function* entries(n: number, seed: number): Generator<BillEntry> {
  const base = Date.parse(`${DATE}T00:00:00+08:00`);
  for (let i = 0; i < n; i++) {
    const pay = i % 10 !== 9;
    const id = `${seed}${String(i).padStart(8, '0')}`;
    yield {
      kind: pay ? 'payment' : 'refund',
      amount: `${(i % 97) + 1}.${String(i % 100).padStart(2, '0')}`,
      occurredAt: new Date(base + (i % 80_000) * 1000).toISOString(),
      channelTxnId: `4200${id.padStart(24, '0')}`,
      merchantOrderNo: `P${id.padStart(16, '0')}`,
      refundNo: pay ? undefined : `R${id.padStart(16, '0')}`,
      channelRefundId: pay ? undefined : `5030${id.padStart(24, '0')}`,
      fee: pay ? '0.06000' : '-0.01000',
      productName: '门诊缴费',
      attach: `HIS${id}`,
    };
  }
}

const bill = (seed: number) =>
  Buffer.from(writeWechatBill(entries(LINES, seed), { merchantId: '1900000109' }));

beforeAll(async () => {
  tdb = await createPostgresDatabase('request_jobs', 20);
  store = new SqlEventStore(tdb.database, { upcasters: UPCASTERS });
  work = await mkdtemp(join(tmpdir(), 'reqjobs-'));
  simDir = join(work, 'sim');
  await mkdir(simDir);
  const day = await simulateDay(
    { store, db: tdb.database.db, leases: tdb.database },
    { date: DATE, seed: 'reqjobs', orders: 40, anomalies: 2, hospitalId: H },
    simDir,
  );
  manifest = day.manifest;
  gate = new pg.Client({ connectionString: tdb.url });
  await gate.connect();
  await gate.query(`
    CREATE FUNCTION test_gate_batches() RETURNS trigger LANGUAGE plpgsql AS $$
    BEGIN
      IF NEW.type = 'StatementLinesImported' AND NEW.stream_version > 9 THEN
        PERFORM pg_advisory_xact_lock_shared(${GATE});
      END IF;
      RETURN NEW;
    END $$`);
  await gate.query(
    'CREATE TRIGGER test_gate_batches BEFORE INSERT ON events FOR EACH ROW EXECUTE FUNCTION test_gate_batches()',
  );
}, 240_000);

afterAll(async () => {
  for (const c of cleanups.reverse()) await c().catch(() => undefined);
  await gate?.end().catch(() => undefined);
  await store?.close();
  await tdb?.dispose();
  await rm(work, { recursive: true, force: true });
});

const closeGate = () => gate.query('SELECT pg_advisory_lock($1)', [GATE]);
const openGate = () => gate.query('SELECT pg_advisory_unlock($1)', [GATE]);
/** True once an import waits at the gate (its first append committed, the next one held). */
async function waitingAtGate(): Promise<true | undefined> {
  const r = await gate.query(
    `SELECT count(*)::int AS n FROM pg_locks WHERE locktype = 'advisory' AND objid = $1 AND NOT granted`,
    [GATE],
  );
  return r.rows[0].n > 0 ? true : undefined;
}

async function until<T>(what: string, probe: () => Promise<T | undefined>, limitMs = 400_000): Promise<T> {
  const start = Date.now();
  for (;;) {
    const v = await probe();
    if (v !== undefined) return v;
    if (Date.now() - start > limitMs) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 150));
  }
}

function queue(redisUrl = REDIS_URL): Queue {
  const q = openQueue({ redisUrl, prefix }, logger);
  cleanups.push(async () => {
    if (redisUrl === REDIS_URL) await q.obliterate({ force: true }).catch(() => undefined);
    await q.close().catch(() => undefined);
  });
  return q;
}

function worker(): Worker {
  const w = startWorker(
    { redisUrl: REDIS_URL, prefix },
    jobHandlers(
      { store, database: tdb.database, seal: async () => ({}) as never },
      { LEDGER_JOB_LOCK_MS: '3000' },
      logger,
    ),
    logger,
    { concurrency: 2, lockDurationMs: 3_000, stalledIntervalMs: 1_000 },
  );
  cleanups.push(() => w.close());
  return w;
}

async function bus(jobQueue: Queue): Promise<App> {
  const keyring = parseMasterKeys(generateMasterKey());
  const app = await buildServer({
    store,
    database: tdb.database,
    clients: new ClientRegistry(new SqlClientStore(tdb.database.db), keyringSealer(keyring)),
    keyring,
    nonceStore: new MemoryNonceStore(),
    logger,
    staffTokens: parseStaffTokens(
      `${H}:administrator:ops:${ADMIN_TOKEN},${H}:finance-supervisor:wang:${CLERK_TOKEN}`,
    ),
    asyncUploadBytes: 0,
    jobQueue,
  });
  cleanups.push(() => app.close());
  return app;
}

async function call(app: App, method: 'GET' | 'POST', url: string, body?: unknown, token = CLERK_TOKEN) {
  const r = await app.inject({
    method,
    url,
    headers: {
      authorization: `Bearer ${token}`,
      ...(body !== undefined ? { 'content-type': 'application/json' } : {}),
    },
    ...(body !== undefined ? { payload: JSON.stringify(body) } : {}),
  });
  return {
    status: r.statusCode,
    body: String(r.headers['content-type']).includes('json') ? (JSON.parse(r.body) as Json) : null,
    raw: r.rawPayload,
    headers: r.headers,
  };
}

async function upload(app: App, name: string, bytes: Buffer) {
  const r = await app.inject({
    method: 'POST',
    url: `/v1/statements?file=${name}&format=wechat`,
    headers: { authorization: `Bearer ${CLERK_TOKEN}`, 'content-type': 'application/octet-stream' },
    payload: bytes,
  });
  return { status: r.statusCode, body: JSON.parse(r.body) as Json };
}

const ended = (app: App, jobId: string) =>
  until(`job ${jobId} to end`, async () => {
    const r = await call(app, 'GET', `/v1/jobs/${jobId}`);
    return r.body.state === 'succeeded' || r.body.state === 'failed' ? r.body : undefined;
  });

/** The statement's stream: started once, each batch once and in order, completed once. */
async function importedOnce(statementId: string) {
  const events = (await store.readStream(`${H}/statement/${statementId}`)).events;
  const batches = events
    .filter((e) => e.type === 'StatementLinesImported')
    .map((e) => (e.data as { batch: number }).batch);
  const marker = events.find((e) => e.type === 'StatementImported')?.data as { batches: number } | undefined;
  return {
    versions: events.length === events.at(-1)?.streamVersion,
    started: events.filter((e) => e.type === 'StatementImportStarted').length,
    completed: events.filter((e) => e.type === 'StatementImported').length,
    // Each batch once, in order, as many as the completion marker counts (more than the eight before the gate).
    batchesOnceInOrder:
      batches.length > 8 && batches.every((b, i) => b === i + 1) && marker?.batches === batches.length,
  };
}

/** Generous: processes start, are killed and start again on a shared 2-core machine; outcomes never depend on it. */
const SLOW = { timeout: 600_000 };

describe('jobs a request starts, run by workers', SLOW, () => {
  it('an upload is stored and answered 202; a worker imports it while the job shows its progress, then its result', async () => {
    const q = queue();
    const app = await bus(q);
    await closeGate();
    worker();
    const up = await upload(app, 'big-1.csv', bill(1));
    expect(up.status).toBe(202);
    expect(up.body).toMatchObject({ kind: 'statement-import', links: { self: `/v1/jobs/${up.body.jobId}` } });
    expect(['queued', 'running']).toContain(up.body.state);
    expect(up.body.enqueuedAt).not.toBeNull();
    await until('the import to wait at the gate', waitingAtGate);
    const mid = await until('progress past validation', async () => {
      const r = await call(app, 'GET', `/v1/jobs/${up.body.jobId}`);
      return r.body.progress.phase === 'importing' && r.body.progress.lines >= 8_000 ? r.body : undefined;
    });
    expect(mid.state).toBe('running');
    expect(mid.progress.percent).toBeGreaterThanOrEqual(50);
    expect(mid.progress.percent).toBeLessThan(100);
    expect(mid.progress.total).toBe(LINES);
    expect(mid.links.result).toBeUndefined();
    expect((await call(app, 'GET', `/v1/jobs/${up.body.jobId}/result`)).status).toBe(409);
    await openGate();
    const done = await ended(app, up.body.jobId);
    expect(done.state, JSON.stringify(done.error)).toBe('succeeded');
    expect(done.progress.percent).toBe(100);
    expect(done.result).toMatchObject({ lines: LINES, duplicate: false, format: 'wechat' });
    const result = await call(app, 'GET', done.links.result);
    expect(result.body).toEqual(done.result);
    expect(await importedOnce(done.result.statementId)).toEqual({
      versions: true,
      started: 1,
      completed: 1,
      batchesOnceInOrder: true,
    });
    // The upload is not kept once imported.
    expect(await new SqlJobStore(tdb.database.db).file(up.body.jobId, 'input')).toBeUndefined();
  });

  it('a worker killed mid-import: another takes the job up and completes it, the statement imported once', async () => {
    const q = queue();
    const app = await bus(q);
    await closeGate();
    const child: ChildProcess = spawn(
      process.execPath,
      [BIN, 'worker', '--jobs-only', '--concurrency', '1'],
      {
        env: { ...ledgerEnv(tdb.url!), REDIS_URL, LEDGER_QUEUE_PREFIX: prefix, LEDGER_JOB_LOCK_MS: '2000' },
        stdio: 'ignore',
      },
    );
    cleanups.push(async () => child.kill('SIGKILL'));
    const up = await upload(app, 'big-2.csv', bill(2));
    expect(up.status).toBe(202);
    await until('the worker process to wait at the gate', waitingAtGate);
    const before = await call(app, 'GET', `/v1/jobs/${up.body.jobId}`);
    expect(before.body).toMatchObject({ state: 'running', attempts: 1 });
    child.kill('SIGKILL');
    await new Promise((r) => child.once('exit', r));
    await openGate();
    worker();
    const done = await ended(app, up.body.jobId);
    expect(done.state, JSON.stringify(done.error)).toBe('succeeded');
    expect(done.attempts).toBeGreaterThanOrEqual(2);
    expect(done.result.lines).toBe(LINES);
    expect(await importedOnce(done.result.statementId)).toEqual({
      versions: true,
      started: 1,
      completed: 1,
      batchesOnceInOrder: true,
    });
  });

  it('a large report is a job: built on a worker to the position of the request, its xlsx opens with exceljs', async () => {
    const q = queue();
    const app = await bus(q);
    worker();
    const asked = await call(app, 'POST', '/v1/reports/daily-settlement/jobs', { from: DATE, to: DATE });
    expect(asked.status).toBe(202);
    expect(asked.body).toMatchObject({ kind: 'report', poll: `/v1/jobs/${asked.body.jobId}` });
    const refused = await call(app, 'POST', '/v1/reports/daily-settlement/jobs', {
      from: DATE,
      to: '2026-11-01',
    });
    expect(refused.body.code).toBe('REPORT_PERIOD_INVALID');
    const done = await ended(app, asked.body.jobId);
    expect(done.state, JSON.stringify(done.error)).toBe('succeeded');
    expect(done.progress.percent).toBe(100);
    const file = await call(app, 'GET', done.links.result);
    expect(file.status).toBe(200);
    expect(file.headers['content-type']).toContain('spreadsheetml');
    const wb = new ExcelJS.Workbook();
    await wb.xlsx.load(file.raw as unknown as ArrayBuffer);
    expect(wb.worksheets.map((w) => w.name)).toEqual(['封面', '日结汇总', '现金收款员']);
    const cover = new Map<string, unknown>();
    wb.getWorksheet('封面')!.eachRow((r) => cover.set(String(r.getCell(1).value), r.getCell(2).value));
    expect(String(cover.get('事件位置'))).toBe(done.result.position);
    // The same sheet as the synchronous route builds now (nothing was appended for the hospital since).
    const sync = await app.inject({
      method: 'GET',
      url: `/v1/reports/daily-settlement?from=${DATE}&to=${DATE}`,
      headers: { authorization: `Bearer ${CLERK_TOKEN}` },
    });
    const wb2 = new ExcelJS.Workbook();
    await wb2.xlsx.load(sync.rawPayload as unknown as ArrayBuffer);
    const values = (w: ExcelJS.Workbook) => {
      const rows: unknown[] = [];
      w.getWorksheet('日结汇总')!.eachRow((r) => rows.push(r.values));
      return rows;
    };
    expect(values(wb).length).toBeGreaterThan(2);
    expect(values(wb)).toEqual(values(wb2));
    expect(done.result.rows.summary).toBe(values(wb).length - 2);
  });

  it('Redis away when the upload comes: the job is taken and waits queued, and runs once Redis is back', async () => {
    const dead = queue(`redis://127.0.0.1:${await freePort()}`);
    const app = await bus(dead);
    const f = manifest.files.find((x) => x.channel === 'alipay' && x.role === 'day')!;
    const up = await app.inject({
      method: 'POST',
      url: `/v1/statements?file=${f.file}&format=${f.format}`,
      headers: { authorization: `Bearer ${CLERK_TOKEN}`, 'content-type': 'application/octet-stream' },
      payload: await readFile(join(simDir, f.file)),
    });
    expect(up.statusCode).toBe(202);
    const job = JSON.parse(up.body) as Json;
    expect(job).toMatchObject({ state: 'queued', enqueuedAt: null });
    // Redis back: a worker's relay hands the job over, a worker runs it.
    const q = queue();
    worker();
    await until('the relay', async () =>
      (await relayQueuedJobs(q, new SqlJobStore(tdb.database.db))) >= 0 ? true : undefined,
    );
    const done = await ended(app, job.jobId);
    expect(done.state, JSON.stringify(done.error)).toBe('succeeded');
    expect(done.enqueuedAt).not.toBeNull();
    expect(done.result).toMatchObject({ file: f.file, duplicate: false });
  });

  it('a projection rebuild asked over the API runs as a job and swaps the rebuilt read model in', async () => {
    const q = queue();
    const app = await bus(q);
    worker();
    const asked = await call(app, 'POST', '/v1/projections/balances/rebuild', undefined, ADMIN_TOKEN);
    expect((await call(app, 'POST', '/v1/projections/balances/rebuild')).status).toBe(403);
    expect(asked.status).toBe(202);
    expect((await call(app, 'POST', '/v1/projections/nope/rebuild', undefined, ADMIN_TOKEN)).body.code).toBe(
      'PROJECTION_UNKNOWN',
    );
    const done = await until('the rebuild to end', async () => {
      const r = await call(app, 'GET', `/v1/jobs/${asked.body.jobId}`, undefined, ADMIN_TOKEN);
      return r.body.state === 'succeeded' || r.body.state === 'failed' ? r.body : undefined;
    });
    expect(done.state, JSON.stringify(done.error)).toBe('succeeded');
    expect(done.result).toMatchObject({ projection: 'balances' });
    expect(BigInt(done.result.position)).toBeGreaterThan(0n);
  });
});

describe('without a queue: the bus runs its jobs itself', SLOW, () => {
  let serve: LedgerProcess | undefined;
  afterAll(async () => serve?.stop('SIGKILL'));

  it('a bus killed mid-import takes the job up again when it restarts; the statement is imported once', async () => {
    const port = await freePort();
    const env = ledgerEnv(tdb.url!, {
      PORT: String(port),
      LEDGER_BACKGROUND: 'off',
      LEDGER_JOB_LOCK_MS: '2000',
      LEDGER_JOB_RESUME_MS: '500',
      LEDGER_STAFF_TOKENS: `${H}:finance-supervisor:wang:${CLERK_TOKEN}`,
    });
    const base = `http://127.0.0.1:${port}`;
    const get = async (path: string) =>
      (
        await fetch(`${base}${path}`, { headers: { authorization: `Bearer ${CLERK_TOKEN}` } })
      ).json() as Promise<Json>;
    await closeGate();
    serve = await startLedger('serve', env);
    const body = bill(3);
    const path = join(work, 'big-3.csv');
    await writeFile(path, body);
    const res = await fetch(`${base}/v1/statements?file=big-3.csv&format=wechat`, {
      method: 'POST',
      headers: { authorization: `Bearer ${CLERK_TOKEN}`, 'content-type': 'application/octet-stream' },
      body,
    });
    expect(res.status).toBe(202);
    const { jobId } = (await res.json()) as Json;
    await until('the bus to wait at the gate', waitingAtGate);
    await serve.stop('SIGKILL');
    await openGate();
    serve = await startLedger('serve', env);
    const done = await until('the job taken up again', async () => {
      const j = await get(`/v1/jobs/${jobId}`);
      return j.state === 'succeeded' || j.state === 'failed' ? j : undefined;
    });
    expect(done.state, JSON.stringify(done.error)).toBe('succeeded');
    expect(done.attempts).toBe(2);
    expect(await importedOnce(done.result.statementId)).toEqual({
      versions: true,
      started: 1,
      completed: 1,
      batchesOnceInOrder: true,
    });
  });
});
