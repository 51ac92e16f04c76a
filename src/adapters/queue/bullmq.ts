// Background jobs on BullMQ (Redis): one queue `ledger` shared by every worker on every machine. BullMQ's job
// lock means one worker at a time runs a job; a worker that dies leaves its job stalled, and another takes it
// up after the lock expires. Job handlers are use cases, written to be safe to run again (see app/schedules).
//
// Jobs: `auto-reconcile` (from each schedule's job scheduler, or run-now), `seal` (periodic seals of the log).
import { DelayedError, type Job, Queue, UnrecoverableError, Worker } from 'bullmq';
import { Redis } from 'ioredis';
import type { Logger } from 'pino';
import type { ScheduledRunOutcome, ScheduleQueue } from '../../domain/ports/schedules.ts';
import { bounded, QUEUE_CALL_TIMEOUT_MS } from './bounded.ts';
import type { ScheduleSpec } from '../../domain/schedules/schedule.ts';

export const QUEUE_NAME = 'ledger';

export interface QueueConfig {
  redisUrl: string;
  /** Key prefix in Redis (tests give each file its own). */
  prefix?: string;
}

export function queueConfigFromEnv(env: NodeJS.ProcessEnv): QueueConfig {
  return {
    redisUrl: env.REDIS_URL ?? 'redis://127.0.0.1:6379',
    ...(env.LEDGER_QUEUE_PREFIX ? { prefix: env.LEDGER_QUEUE_PREFIX } : {}),
  };
}

const REDIS_ERROR_LOG_MS = 10_000;

/** A connection BullMQ can block on: retries forever with a bounded backoff; faults logged at most every 10 s. */
export function queueConnection(url: string, logger: Logger): Redis {
  const redis = new Redis(url, {
    maxRetriesPerRequest: null,
    enableOfflineQueue: true,
    retryStrategy: (times) => Math.min(times * 200, 5_000),
  });
  let last = 0;
  redis.on('error', (e: Error & { code?: string }) => {
    if (Date.now() - last < REDIS_ERROR_LOG_MS) return;
    last = Date.now();
    logger.warn({ code: e.code ?? 'REDIS_ERROR', err: e.message }, 'queue: Redis unavailable');
  });
  return redis;
}

export type AutoReconcileData = {
  hospitalId: string;
  scheduleId: string;
  /** Set by run-now; a scheduler's job takes its fire time from BullMQ. */
  firedAt?: number;
  businessDate?: string;
  attempt?: number;
};

export const schedulerIdOf = (hospitalId: string, scheduleId: string) =>
  `auto-reconcile:${hospitalId}:${scheduleId}`;

export { bounded, QUEUE_CALL_TIMEOUT_MS };

export class BullScheduleQueue implements ScheduleQueue {
  constructor(readonly queue: Queue) {}

  async upsert(s: { hospitalId: string; scheduleId: string; spec: ScheduleSpec }): Promise<void> {
    const data: AutoReconcileData = { hospitalId: s.hospitalId, scheduleId: s.scheduleId };
    await bounded(
      'upsert job scheduler',
      this.queue.upsertJobScheduler(
        schedulerIdOf(s.hospitalId, s.scheduleId),
        { pattern: s.spec.cron, tz: s.spec.timeZone },
        { name: 'auto-reconcile', data, opts: { removeOnComplete: 1000, removeOnFail: 5000 } },
      ),
    );
  }

  async remove(hospitalId: string, scheduleId: string): Promise<void> {
    await bounded(
      'remove job scheduler',
      this.queue.removeJobScheduler(schedulerIdOf(hospitalId, scheduleId)),
    );
  }

  async enqueue(run: { hospitalId: string; scheduleId: string; businessDate?: string }): Promise<string> {
    const data: AutoReconcileData = { ...run, firedAt: Date.now(), attempt: 1 };
    const job = await bounded(
      'queue a run',
      this.queue.add('auto-reconcile', data, { removeOnComplete: 1000, removeOnFail: 5000 }),
    );
    return job.id ?? '';
  }
}

export function openQueue(config: QueueConfig, logger: Logger): Queue {
  const queue = new Queue(QUEUE_NAME, {
    connection: queueConnection(config.redisUrl, logger),
    ...(config.prefix ? { prefix: config.prefix } : {}),
  });
  // The connection logs its faults (throttled); an 'error' nobody listens to would end the process.
  queue.on('error', () => {});
  return queue;
}

/** Closes a queue, waiting at most `ms` (Redis away: the connection is dropped instead of waited for). */
export async function closeQueue(queue: Queue, ms = QUEUE_CALL_TIMEOUT_MS): Promise<void> {
  let timer: NodeJS.Timeout | undefined;
  await Promise.race([
    queue.close().catch(() => undefined),
    new Promise<void>((resolve) => {
      timer = setTimeout(() => {
        void queue.disconnect().catch(() => undefined);
        resolve();
      }, ms);
    }),
  ]);
  clearTimeout(timer);
}

export type JobHandler = (job: Job, token: string | undefined) => Promise<unknown>;

export interface WorkerOptions {
  concurrency?: number;
  /** How long a job's lock lives without renewal (a dead worker's job is taken up after about this). */
  lockDurationMs?: number;
  stalledIntervalMs?: number;
}

export function startWorker(
  config: QueueConfig,
  handlers: Readonly<Record<string, JobHandler>>,
  logger: Logger,
  options: WorkerOptions = {},
): Worker {
  const worker = new Worker(
    QUEUE_NAME,
    async (job, token) => {
      const handler = handlers[job.name];
      if (!handler) throw new UnrecoverableError(`no handler for job "${job.name}"`);
      return handler(job, token);
    },
    {
      connection: queueConnection(config.redisUrl, logger),
      ...(config.prefix ? { prefix: config.prefix } : {}),
      concurrency: options.concurrency ?? 2,
      lockDuration: options.lockDurationMs ?? 60_000,
      stalledInterval: options.stalledIntervalMs ?? 30_000,
      // A job found stalled this many times (its worker died each time) fails visibly instead of looping.
      maxStalledCount: 3,
    },
  );
  worker.on('failed', (job, err) =>
    logger.error({ job: job?.id, name: job?.name, err: err.message }, 'job failed'),
  );
  worker.on('error', (err) => logger.warn({ err: err.message }, 'worker error'));
  return worker;
}

/**
 * The `auto-reconcile` handler around the use case: a statement not there yet puts the job back as delayed
 * until the next look (the same job, its attempt counted in its data), so the waiting costs no worker.
 */
export function autoReconcileHandler(
  run: (r: {
    hospitalId: string;
    scheduleId: string;
    firedAt: Date;
    businessDate?: string;
    attempt: number;
    onProgress: (m: string) => void;
  }) => Promise<ScheduledRunOutcome>,
): JobHandler {
  return async (job, token) => {
    const data = job.data as AutoReconcileData;
    const firedAt = new Date(data.firedAt ?? job.opts.prevMillis ?? job.timestamp);
    const attempt = data.attempt ?? 1;
    const outcome = await run({
      hospitalId: data.hospitalId,
      scheduleId: data.scheduleId,
      firedAt,
      ...(data.businessDate !== undefined ? { businessDate: data.businessDate } : {}),
      attempt,
      onProgress: (m) => void job.log(m).catch(() => undefined),
    });
    if (outcome.kind === 'retry') {
      await job.updateData({
        ...data,
        firedAt: firedAt.getTime(),
        businessDate: outcome.businessDate,
        attempt: attempt + 1,
      });
      await job.moveToDelayed(outcome.at.getTime(), token);
      throw new DelayedError();
    }
    return outcome;
  };
}
