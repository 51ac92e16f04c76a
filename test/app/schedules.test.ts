// Scheduled auto-reconciliation on real PostgreSQL and Redis: a schedule fires and reconciles a day from a drop
// folder; two workers never run one job twice; a killed worker's job completes elsewhere; a statement that
// never comes raises its alert once; a day runs from a file appearing on an SFTP server to a reconciled day.
import { type ChildProcess, spawn } from 'node:child_process';
import { chmod, copyFile, mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { readFile } from 'node:fs/promises';
import type { Job, Queue, Worker } from 'bullmq';
import pino from 'pino';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { SqlEventStore } from '../../src/adapters/event-store/sql-event-store.ts';
import { BullScheduleQueue, openQueue, startWorker } from '../../src/adapters/queue/bullmq.ts';
import { FileCredentialStore } from '../../src/adapters/sources/credentials.ts';
import { statementFetcher } from '../../src/adapters/sources/fetch.ts';
import {
  runScheduledDay,
  type SchedulePorts,
  scheduleRuns,
  schedules,
  setSchedule,
  pauseSchedule,
  reconcileOverduePending,
  runScheduleNow,
} from '../../src/app/schedules.ts';
import { dayStatus } from '../../src/app/reconciliation/index.ts';
import { addDays, businessDate } from '../../src/domain/business-date.ts';
import { UPCASTERS } from '../../src/domain/events.ts';
import { jobHandlers } from '../../src/cli/worker.ts';
import { simulateDay } from '../../src/simulation/scenario.ts';
import type { ScenarioManifest } from '../../src/simulation/files.ts';
import { createPostgresDatabase, type TestDatabase } from '../support/databases.ts';
import { startSftpServer } from '../../src/simulation/sftp-server.ts';

const REDIS_URL = process.env.TEST_REDIS_URL ?? 'redis://127.0.0.1:6379';
const H = 'H1';
const admin = { kind: 'staff' as const, id: 'admin-1' };
const logger = pino({ level: process.env.TEST_LOG ?? 'silent' });
const runTag = `test-sched-${process.pid}-${Math.random().toString(36).slice(2, 8)}`;
/** Each test has its own queue (a key prefix in Redis): no worker of one test takes another's jobs. */
let prefix = runTag;
let tests = 0;
beforeEach(() => {
  prefix = `${runTag}-${++tests}`;
});

let tdb: TestDatabase;
let store: SqlEventStore;
let work: string;
let sim: { dir: string; manifest: ScenarioManifest; wechat: string };
let credentials: string;
const cleanups: (() => Promise<unknown>)[] = [];

/** Yesterday in Shanghai: what a schedule firing now with T-1 reconciles. */
const yesterday = () => addDays(businessDate(new Date(), { timeZone: 'Asia/Shanghai' }), -1);

beforeAll(async () => {
  tdb = await createPostgresDatabase('schedules', 20);
  store = new SqlEventStore(tdb.database, { upcasters: UPCASTERS });
  work = await mkdtemp(join(tmpdir(), 'sched-'));
  const dir = join(work, 'sim');
  await mkdir(dir);
  const day = await simulateDay(
    { store, db: tdb.database.db, leases: tdb.database },
    { date: yesterday(), seed: 'sched', orders: 40, anomalies: 2 },
    dir,
  );
  const wechat = day.manifest.files.find((f) => f.channel === 'wechat' && f.role === 'day')!;
  sim = { dir, manifest: day.manifest, wechat: wechat.file };
  credentials = join(work, 'credentials');
  await mkdir(join(credentials, H), { recursive: true });
  await writeFile(join(credentials, H, 'bank-sftp.json'), JSON.stringify({ password: 's3cret-bank' }), {
    mode: 0o600,
  });
});

afterAll(async () => {
  for (const c of cleanups.reverse()) await c().catch(() => undefined);
  await store?.close();
  await tdb?.dispose();
  await rm(work, { recursive: true, force: true });
});

function ports(over: Partial<SchedulePorts> = {}): SchedulePorts {
  return {
    store,
    db: tdb.database.db,
    fetcher: statementFetcher({ credentials: new FileCredentialStore(credentials), settleMs: 0 }),
    ...over,
  };
}

function queue(): { queue: Queue; scheduleQueue: BullScheduleQueue } {
  const q = openQueue({ redisUrl: REDIS_URL, prefix }, logger);
  cleanups.push(async () => {
    await q.obliterate({ force: true }).catch(() => undefined);
    await q.close();
  });
  return { queue: q, scheduleQueue: new BullScheduleQueue(q) };
}

function worker(
  handlers: Parameters<typeof startWorker>[1],
  options: Parameters<typeof startWorker>[3] = {},
): Worker {
  const w = startWorker({ redisUrl: REDIS_URL, prefix }, handlers, logger, options);
  cleanups.push(() => w.close());
  return w;
}

async function until<T>(what: string, probe: () => Promise<T | undefined>, limitMs = 120_000): Promise<T> {
  const start = Date.now();
  for (;;) {
    const v = await probe();
    if (v !== undefined) return v;
    if (Date.now() - start > limitMs) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 200));
  }
}

const handlers = () =>
  jobHandlers(
    { store, database: tdb.database, seal: async () => ({}) as never },
    { LEDGER_CREDENTIALS_DIR: credentials, LEDGER_FOLDER_SETTLE_MS: '0' },
    logger,
  );

describe('scheduled auto-reconciliation', () => {
  it('a schedule fires on its cron and reconciles T-1 from a drop folder', async () => {
    const drop = join(work, 'drop');
    await mkdir(drop);
    await copyFile(join(sim.dir, sim.wechat), join(drop, sim.wechat));
    const { scheduleQueue } = queue();
    // Every second, so the test need not wait for 10:00; the business day is still the fire time's T-1.
    await setSchedule(ports({ queue: scheduleQueue }), H, admin, {
      scheduleId: 'wechat-drop',
      channel: 'wechat',
      cron: '* * * * * *',
      source: {
        kind: 'folder',
        path: drop,
        pattern: sim.wechat.replace(sim.manifest.businessDate.replaceAll('-', ''), '{yyyymmdd}'),
      },
    });
    expect((await schedules(ports(), H)).map((s) => [s.scheduleId, s.status])).toEqual([
      ['wechat-drop', 'active'],
    ]);
    worker(handlers(), { concurrency: 1 });
    const run = await until('the scheduled day', async () => {
      const rows = await scheduleRuns(ports(), { hospitalId: H, scheduleId: 'wechat-drop' });
      return rows.find((r) => r.state === 'completed');
    });
    await pauseSchedule(ports({ queue: scheduleQueue }), H, admin, 'wechat-drop', 'test over');
    expect(run.businessDate).toBe(sim.manifest.businessDate);
    expect(run.matched).toBeGreaterThan(0);
    const day = await dayStatus(
      { store, db: tdb.database.db },
      { hospitalId: H, channel: 'wechat', businessDate: run.businessDate },
    );
    expect(day.map((d) => d.state)).toEqual([expect.stringMatching(/balanced|open/)]);
    // Later firings of the same day import nothing new and record no second completion.
    const completions = (
      await store.readStream(`${H}/schedule-run/wechat-drop:${run.businessDate}`)
    ).events.filter((e) => e.type === 'ScheduledReconciliationCompleted');
    expect(completions).toHaveLength(1);
  });

  it('two workers never run the same job twice; a day whose statement never comes is alerted once', async () => {
    const { scheduleQueue } = queue();
    const empty = join(work, 'empty');
    await mkdir(empty);
    await setSchedule(ports({ queue: scheduleQueue }), H, admin, {
      scheduleId: 'alipay-never',
      channel: 'alipay',
      cron: '0 10 * * *',
      deadlineMinutes: 0,
      source: { kind: 'folder', path: empty, pattern: 'alipay_{yyyymmdd}.csv' },
    });
    await pauseSchedule(
      ports({ queue: scheduleQueue }),
      H,
      admin,
      'alipay-never',
      'runs only on demand here',
    );
    const { resumeSchedule } = await import('../../src/app/schedules.ts');
    await resumeSchedule(ports(), H, admin, 'alipay-never');
    const seen = new Map<string, number>();
    const base = handlers();
    const counted = {
      'auto-reconcile': async (job: Job, token: string | undefined) => {
        seen.set(job.id!, (seen.get(job.id!) ?? 0) + 1);
        return base['auto-reconcile']!(job, token);
      },
    };
    worker(counted, { concurrency: 4 });
    worker(counted, { concurrency: 4 });
    const dates = Array.from({ length: 12 }, (_, i) => addDays('2026-01-01', i));
    const jobs: string[] = [];
    // Each day twice: a re-run is safe and the alert still comes once.
    for (const d of [...dates, ...dates])
      jobs.push(await runScheduleNow({ ...ports(), queue: scheduleQueue }, H, 'alipay-never', d));
    await until('every job run', async () => (jobs.every((j) => seen.has(j)) ? true : undefined));
    await until('every alert', async () => {
      const rows = await scheduleRuns(ports(), { hospitalId: H, scheduleId: 'alipay-never', alerts: true });
      return rows.length === dates.length ? rows : undefined;
    });
    expect([...seen.values()].every((n) => n === 1)).toBe(true);
    expect(seen.size).toBe(jobs.length);
    for (const d of dates) {
      const events = (await store.readStream(`${H}/schedule-run/alipay-never:${d}`)).events;
      expect(events.filter((e) => e.type === 'StatementMissing')).toHaveLength(1);
    }
  });

  it("a killed worker's job is taken up by another and completes", async () => {
    // The statement is served over HTTP; the first request hangs until the worker holding it is killed.
    const body = await readFile(join(sim.dir, sim.wechat));
    let requests = 0;
    let hold = true;
    const held: (() => void)[] = [];
    const server: Server = createServer((_req, res) => {
      requests++;
      const answer = () => {
        res.writeHead(200, {
          'content-type': 'text/csv',
          'content-disposition': `attachment; filename="${sim.wechat}"`,
        });
        res.end(body);
      };
      if (hold) held.push(answer);
      else answer();
    });
    await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
    cleanups.push(() => new Promise((r) => server.close(r)));
    const port = (server.address() as AddressInfo).port;
    const { scheduleQueue } = queue();
    await setSchedule(ports(), H, admin, {
      scheduleId: 'wechat-http',
      channel: 'wechat',
      source: { kind: 'https', url: `http://127.0.0.1:${port}/bills/{date}/wechat.csv` },
    });
    const date = sim.manifest.businessDate;
    const jobId = await runScheduleNow({ ...ports(), queue: scheduleQueue }, H, 'wechat-http', date);
    // A real `ledger worker` process with a short job lock takes the job …
    const child: ChildProcess = spawn(
      process.execPath,
      ['bin/ledger.mjs', 'worker', '--jobs-only', '--concurrency', '1'],
      {
        env: {
          ...process.env,
          DATABASE_URL: tdb.url,
          REDIS_URL,
          LEDGER_QUEUE_PREFIX: prefix,
          LEDGER_JOB_LOCK_MS: '2000',
          LOG_LEVEL: 'warn',
        },
        stdio: 'ignore',
      },
    );
    cleanups.push(async () => child.kill('SIGKILL'));
    await until('the first worker to fetch', async () => (requests > 0 ? true : undefined));
    // … and dies mid-job.
    child.kill('SIGKILL');
    await new Promise((r) => child.once('exit', r));
    hold = false;
    for (const h of held.splice(0)) h();
    worker(handlers(), { concurrency: 1, stalledIntervalMs: 1_000 });
    const run = await until('the job completed elsewhere', async () => {
      const rows = await scheduleRuns(ports(), { hospitalId: H, scheduleId: 'wechat-http' });
      return rows.find((r) => r.state === 'completed');
    });
    expect(run.businessDate).toBe(date);
    expect(requests).toBeGreaterThanOrEqual(2);
    const { queue: q } = queue();
    expect(await (await q.getJob(jobId))?.getState()).toBe('completed');
  });

  it('a full day from a file appearing on the SFTP server to a reconciled day, waiting while it is absent', async () => {
    const root = join(work, 'sftp');
    const date = sim.manifest.businessDate;
    const yyyymmdd = date.replaceAll('-', '');
    await mkdir(join(root, 'out', yyyymmdd), { recursive: true });
    const sftp = await startSftpServer(root, { username: 'hospital', password: 's3cret-bank' });
    cleanups.push(() => sftp.close());
    await setSchedule(ports(), H, admin, {
      scheduleId: 'unionpay-sftp',
      channel: 'wechat',
      retryMinutes: 30,
      deadlineMinutes: 120,
      source: {
        kind: 'sftp',
        host: '127.0.0.1',
        port: sftp.port,
        username: 'hospital',
        path: '/out/{yyyymmdd}',
        pattern: sim.wechat.replace(sim.manifest.businessDate.replaceAll('-', ''), '{yyyymmdd}'),
        credential: 'bank-sftp',
      },
    });
    const firedAt = new Date();
    const first = await runScheduledDay(ports({ now: () => firedAt }), {
      hospitalId: H,
      scheduleId: 'unionpay-sftp',
      firedAt,
      businessDate: date,
      attempt: 1,
    });
    expect(first).toMatchObject({
      kind: 'retry',
      businessDate: date,
      at: new Date(firedAt.getTime() + 30 * 60_000),
    });
    expect((await scheduleRuns(ports(), { hospitalId: H, scheduleId: 'unionpay-sftp' }))[0]).toMatchObject({
      state: 'waiting',
      attempts: 1,
    });
    // The bank delivers the file; the next look finds it.
    await copyFile(join(sim.dir, sim.wechat), join(root, 'out', yyyymmdd, sim.wechat));
    const later = new Date(firedAt.getTime() + 30 * 60_000);
    const second = await runScheduledDay(ports({ now: () => later }), {
      hospitalId: H,
      scheduleId: 'unionpay-sftp',
      firedAt,
      businessDate: date,
      attempt: 2,
    });
    expect(second, JSON.stringify(second)).toMatchObject({ kind: 'completed', businessDate: date });
    expect(sftp.reads.get(`/out/${yyyymmdd}/${sim.wechat}`)).toBe(1);
    const row = (await scheduleRuns(ports(), { hospitalId: H, scheduleId: 'unionpay-sftp' }))[0]!;
    expect(row).toMatchObject({ state: 'completed', attempts: 2 });
    const day = await dayStatus(
      { store, db: tdb.database.db },
      { hospitalId: H, channel: 'wechat', businessDate: date },
    );
    expect(day.map((d) => d.state)).toEqual([expect.stringMatching(/balanced|open/)]);
  });

  it('a wrong password is not a missing statement: the deadline records the failure with its reason', async () => {
    await writeFile(join(credentials, H, 'wrong.json'), JSON.stringify({ password: 'nope' }), {
      mode: 0o600,
    });
    await chmod(join(credentials, H, 'wrong.json'), 0o600);
    const sftp = await startSftpServer(join(work, 'sim'), { username: 'hospital', password: 'right' });
    cleanups.push(() => sftp.close());
    await setSchedule(ports(), H, admin, {
      scheduleId: 'bad-login',
      channel: 'wechat',
      deadlineMinutes: 0,
      source: {
        kind: 'sftp',
        host: '127.0.0.1',
        port: sftp.port,
        username: 'hospital',
        path: '/',
        pattern: '*.csv',
        credential: 'wrong',
      },
    });
    const firedAt = new Date();
    const r = await runScheduledDay(ports({ now: () => firedAt }), {
      hospitalId: H,
      scheduleId: 'bad-login',
      firedAt,
      attempt: 1,
    });
    expect(r).toMatchObject({ kind: 'failed', code: 'SOURCE_UNREACHABLE' });
    const alerts = await scheduleRuns(ports(), { hospitalId: H, scheduleId: 'bad-login', alerts: true });
    expect(alerts[0]).toMatchObject({ state: 'failed' });
    expect(alerts[0]!.detail).toMatch(/SOURCE_UNREACHABLE/);
  });

  it('the pending-items deadline job raises what waited past its deadline, once, with the day’s own configuration', async () => {
    // The day reconciled above without its next-day bill holds cross-midnight items pending.
    const date = sim.manifest.businessDate;
    const pendingBefore = (
      await dayStatus(
        { store, db: tdb.database.db },
        { hospitalId: H, channel: 'wechat', businessDate: date },
      )
    )[0]!;
    expect(pendingBefore.pending_count).toBeGreaterThan(0);
    // Still inside the deadline: looked at, nothing changes.
    const early = await reconcileOverduePending(ports(), new Date());
    expect(early.days).toBeGreaterThanOrEqual(1);
    expect(early.changed).toBe(0);
    // Ten days on, past every deadline: raised with their real types, and the day holds nothing pending.
    const late = new Date(Date.now() + 10 * 86_400_000);
    const r = await reconcileOverduePending(ports(), late);
    expect(r.changed).toBeGreaterThanOrEqual(1);
    expect(r.raised).toBeGreaterThanOrEqual(pendingBefore.pending_count);
    const after = (
      await dayStatus(
        { store, db: tdb.database.db },
        { hospitalId: H, channel: 'wechat', businessDate: date },
      )
    )[0]!;
    expect(after.pending_count).toBe(0);
    // Again: nothing new.
    expect((await reconcileOverduePending(ports(), late)).changed).toBe(0);
  });
});
