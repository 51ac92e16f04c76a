// A schedule whose source is a channel's bill download API, through the channel sandbox (WeChat Pay v3 with real
// signatures), on real PostgreSQL and Redis: the schedule fires on its cron, the worker downloads yesterday's
// trade bill, imports it and reconciles the day — the payment the platform recorded matches, the one only the
// channel saw is raised as a discrepancy — and firing again imports nothing new.
import type { Queue, Worker } from 'bullmq';
import pino from 'pino';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { wechatClient } from '../../src/adapters/channels/credentials.ts';
import { SqlEventStore } from '../../src/adapters/event-store/sql-event-store.ts';
import { BullScheduleQueue, openQueue, startWorker } from '../../src/adapters/queue/bullmq.ts';
import { FileCredentialStore } from '../../src/adapters/sources/credentials.ts';
import { statementFetcher } from '../../src/adapters/sources/fetch.ts';
import { pauseSchedule, type SchedulePorts, scheduleRuns, setSchedule } from '../../src/app/schedules.ts';
import { jobHandlers } from '../../src/cli/worker.ts';
import { addDays, businessDate } from '../../src/domain/business-date.ts';
import type { ChannelGateway } from '../../src/domain/channel/gateway.ts';
import { handle } from '../../src/domain/command-handler.ts';
import { UPCASTERS } from '../../src/domain/events.ts';
import { orderDecider } from '../../src/domain/order/index.ts';
import { ChannelSandbox } from '../../src/simulation/channels/sandbox.ts';
import { cmd } from '../generators/builders.ts';
import { createPostgresDatabase, type TestDatabase } from '../support/databases.ts';

const REDIS_URL = process.env.TEST_REDIS_URL ?? 'redis://127.0.0.1:6379';
const H = 'H1';
const admin = { kind: 'staff' as const, id: 'admin-1' };
const logger = pino({ level: process.env.TEST_LOG ?? 'silent' });
const prefix = `test-sched-channel-${process.pid}-${Math.random().toString(36).slice(2, 8)}`;

let tdb: TestDatabase;
let store: SqlEventStore;
let sandbox: ChannelSandbox;
let wechat: ChannelGateway;
let queue: Queue | undefined;
let worker: Worker | undefined;

/** Yesterday in Shanghai: what a schedule firing now with T-1 reconciles. */
const day = addDays(businessDate(new Date(), { timeZone: 'Asia/Shanghai' }), -1);
const at = new Date(`${day}T11:00:00+08:00`);

beforeAll(async () => {
  tdb = await createPostgresDatabase('schedules_channel');
  store = new SqlEventStore(tdb.database, { upcasters: UPCASTERS });
  sandbox = new ChannelSandbox();
  await sandbox.start();
  wechat = wechatClient(sandbox.credentials().wechat, { timeoutMs: 5_000 });
});

afterAll(async () => {
  await worker?.close();
  await queue?.obliterate({ force: true }).catch(() => undefined);
  await queue?.close();
  await sandbox?.close();
  await store?.close();
  await tdb?.dispose();
});

const ports = (over: Partial<SchedulePorts> = {}): SchedulePorts => ({
  store,
  db: tdb.database.db,
  fetcher: statementFetcher({ credentials: new FileCredentialStore('/nonexistent') }),
  ...over,
});

async function until<T>(what: string, probe: () => Promise<T | undefined>, limitMs = 120_000): Promise<T> {
  const start = Date.now();
  for (;;) {
    const v = await probe();
    if (v !== undefined) return v;
    if (Date.now() - start > limitMs) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 200));
  }
}

describe('a schedule reading the channel’s bill API (sandbox)', () => {
  it('fires, downloads the day’s bill, imports it and reconciles the day', async () => {
    // The platform's day: one registration paid through WeChat …
    await handle(
      store,
      orderDecider,
      cmd.createRegistration({ orderId: 'CH-1', amount: '25.00', at }) as never,
    );
    await handle(
      store,
      orderDecider,
      cmd.requestPayment({ orderId: 'CH-1', channel: 'wechat', at }) as never,
    );
    const trade = await sandbox.pay('wechat', 'CH-1', '25.00', at);
    await handle(
      store,
      orderDecider,
      cmd.recordPayment({
        orderId: 'CH-1',
        channel: 'wechat',
        channelTxnId: trade.txnId,
        amount: '25.00',
        at,
      }) as never,
    );
    // … and the channel's: that payment, and one the platform never heard of (长款).
    sandbox.book.pay('wechat', 'CH-LONG', '40.00', new Date(at.getTime() + 3_600_000));

    queue = openQueue({ redisUrl: REDIS_URL, prefix }, logger);
    const scheduleQueue = new BullScheduleQueue(queue);
    // Every second, so the test need not wait for 10:00; the business day is still the fire time's T-1.
    await setSchedule(ports({ queue: scheduleQueue }), H, admin, {
      scheduleId: 'wechat-api',
      channel: 'wechat',
      cron: '* * * * * *',
      source: { kind: 'channel', channel: 'wechat', bill: 'trade' },
    });
    worker = startWorker(
      { redisUrl: REDIS_URL, prefix },
      jobHandlers({ store, database: tdb.database, seal: async () => ({}) as never }, {}, logger, {
        gateway: async (h, channel) => (h === H && channel === 'wechat' ? wechat : undefined),
      }),
      logger,
      { concurrency: 1 },
    );
    const run = await until('the scheduled day', async () => {
      const rows = await scheduleRuns(ports(), { hospitalId: H, scheduleId: 'wechat-api' });
      return rows.find((r) => r.state === 'completed' || r.state === 'failed');
    });
    await pauseSchedule(ports({ queue: scheduleQueue }), H, admin, 'wechat-api', 'test over');
    expect(run, JSON.stringify(run)).toMatchObject({
      state: 'completed',
      businessDate: day,
      channel: 'wechat',
    });
    expect(run.statementId).not.toBeNull();
    expect(run.matched).toBe(1);
    expect(run.open).toBeGreaterThanOrEqual(1);

    // The bill came from the channel's API and was imported once, as WeChat's trade bill.
    const statement = await store.readStream(`${H}/statement/${run.statementId}`, { maxCount: 1 });
    expect(statement.events[0]?.data).toMatchObject({
      format: 'wechat',
      channel: 'wechat',
      businessDate: day,
    });
    const raised = (await store.readAll({ types: ['DiscrepancyRaised'] })).filter((e) =>
      e.streamId.startsWith(`${H}/`),
    );
    expect(raised.map((e) => (e.data as { type: string }).type)).toContain('CHANNEL_ONLY');
    expect(JSON.stringify(raised.map((e) => e.data))).toContain('CH-LONG');

    // Later firings of the same day record no second completion and import nothing new.
    const completions = (await store.readStream(`${H}/schedule-run/wechat-api:${day}`)).events.filter(
      (e) => e.type === 'ScheduledReconciliationCompleted',
    );
    expect(completions).toHaveLength(1);
    const imports = (await store.readAll({ types: ['StatementImportStarted'] })).filter((e) =>
      e.streamId.startsWith(`${H}/`),
    );
    expect(imports).toHaveLength(1);
  });
});
