// Schedules and the job queue over HTTP: administrators configure, finance staff read, nobody else writes;
// run-now answers a job; failed jobs are listed with their error and retried; the dashboard is the admins'.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import pino from 'pino';
import { UnrecoverableError } from 'bullmq';
import { BullScheduleQueue, openQueue, startWorker } from '../../src/adapters/queue/bullmq.ts';
import { type Harness, startHarness, TOKENS } from './harness.ts';

const REDIS_URL = process.env.TEST_REDIS_URL ?? 'redis://127.0.0.1:6379';
const prefix = `test-sched-bus-${process.pid}-${Math.random().toString(36).slice(2, 8)}`;
const queue = openQueue({ redisUrl: REDIS_URL, prefix }, pino({ level: 'silent' }));
let h: Harness;

beforeAll(async () => {
  h = await startHarness('bus_schedules', {
    server: { jobQueue: queue, scheduleQueue: new BullScheduleQueue(queue) },
  });
});
afterAll(async () => {
  await h?.close();
  await queue.obliterate({ force: true }).catch(() => undefined);
  await queue.close();
});

const schedule = {
  channel: 'wechat',
  cron: '0 10 * * *',
  timeZone: 'Asia/Shanghai',
  source: { kind: 'folder', path: '/srv/drop/wechat', pattern: 'wechat_*_{yyyymmdd}_ALL.csv' },
};

describe('/v1/schedules', () => {
  it('an administrator sets, pauses and resumes a schedule; the queue gets its job scheduler', async () => {
    const admin = h.staff(TOKENS.admin);
    const set = await admin('PUT', '/v1/schedules/wechat-daily', schedule);
    expect(set.status).toBe(200);
    expect(set.body).toMatchObject({ status: 'active', spec: { cron: '0 10 * * *', dayOffset: 1 } });
    expect((await queue.getJobScheduler('auto-reconcile:H001:wechat-daily'))?.pattern).toBe('0 10 * * *');
    const list = await h.staff(TOKENS.clerk)('GET', '/v1/schedules');
    expect(list.status).toBe(200);
    expect(list.body.map((s: { scheduleId: string; status: string }) => [s.scheduleId, s.status])).toEqual([
      ['wechat-daily', 'active'],
    ]);
    expect(
      (await admin('POST', '/v1/schedules/wechat-daily/pause', { reason: 'bank holiday' })).body.status,
    ).toBe('paused');
    expect(await queue.getJobScheduler('auto-reconcile:H001:wechat-daily')).toBeUndefined();
    expect((await admin('POST', '/v1/schedules/wechat-daily/resume')).body.status).toBe('active');
    expect(await queue.getJobScheduler('auto-reconcile:H001:wechat-daily')).toBeDefined();
  });

  it('refuses what is wrong, and whoever may not', async () => {
    const admin = h.staff(TOKENS.admin);
    const bad = await admin('PUT', '/v1/schedules/x', { ...schedule, timeZone: 'Mars/Olympus' });
    expect(bad.status).toBe(422);
    expect(bad.body.code).toBe('SCHEDULE_INVALID');
    expect(bad.body.details.field).toBe('timeZone');
    expect((await admin('PUT', '/v1/schedules/Not_An_Id', schedule)).status).toBe(400);
    expect((await admin('POST', '/v1/schedules/nope/resume')).body.code).toBe('SCHEDULE_NOT_FOUND');
    expect((await admin('POST', '/v1/schedules/wechat-daily/pause', { reason: '' })).status).toBe(400);
    for (const caller of [h.staff(TOKENS.clerk), h.staff(TOKENS.auditor), h.kiosk]) {
      const r = await caller('PUT', '/v1/schedules/y', schedule);
      expect(r.status).toBe(403);
    }
  });

  it('run-now answers a job; a failed job keeps its error and an administrator retries it', async () => {
    const admin = h.staff(TOKENS.admin);
    const run = await admin('POST', '/v1/schedules/wechat-daily/run', { businessDate: '2026-11-30' });
    expect(run.status).toBe(202);
    const job = await queue.getJob(run.body.jobId);
    expect(job?.data).toMatchObject({
      hospitalId: 'H001',
      scheduleId: 'wechat-daily',
      businessDate: '2026-11-30',
    });
    expect(
      (await admin('POST', '/v1/schedules/wechat-daily/run', { businessDate: '2026-13-01' })).body.code,
    ).toBe('SCHEDULE_RUN_DATE_INVALID');
    // A job that failed in a worker is listed with its reason and can be retried once.
    const failing = startWorker(
      { redisUrl: REDIS_URL, prefix },
      {
        'auto-reconcile': async () => {
          throw new UnrecoverableError('SOURCE_UNREACHABLE: sftp.bank.example:22 refused');
        },
      },
      pino({ level: 'silent' }),
    );
    for (let i = 0; i < 600 && !(await job!.isFailed()); i++) await new Promise((r) => setTimeout(r, 100));
    await failing.close();
    const failed = await admin('GET', '/v1/admin/jobs?state=failed');
    expect(failed.status).toBe(200);
    expect(failed.body.find((j: { id: string }) => j.id === run.body.jobId)?.failedReason).toMatch(
      /SOURCE_UNREACHABLE/,
    );
    expect((await admin('POST', `/v1/admin/jobs/${run.body.jobId}/retry`)).status).toBe(202);
    expect(await (await queue.getJob(run.body.jobId))?.getState()).toBe('waiting');
    expect((await admin('POST', `/v1/admin/jobs/${run.body.jobId}/retry`)).body.code).toBe(
      'QUEUE_JOB_NOT_FAILED',
    );
    expect((await h.staff(TOKENS.clerk)('GET', '/v1/admin/jobs')).status).toBe(403);
  });

  it('the queue dashboard is for administrators only', async () => {
    const clerk = await h.staff(TOKENS.clerk)('GET', '/admin/queues');
    expect(clerk.status, clerk.text + h.logs.slice(-2).join('')).toBe(403);
    const page = await h.staff(TOKENS.admin)('GET', '/admin/queues');

    expect(page.status).toBe(200);
    expect(page.text).toMatch(/<html/i);
    const anonymous = await h.app.inject({ method: 'GET', url: '/admin/queues' });
    expect(anonymous.statusCode).toBe(401);
  });
});
