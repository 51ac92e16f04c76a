// Jobs a request started (app/jobs.ts), on the worker queue: the bus hands a recorded job over as a BullMQ job
// named `request-job` whose id is derived from the job's (so handing it over twice adds it once), and a worker
// runs it with the use case it is handed (app/jobs/run.ts). Redis away when the request comes: the job stays
// queued in the database and the relay (every worker, every few seconds) hands it over once Redis is back.
import { hostname } from 'node:os';
import type { Queue } from 'bullmq';
import type { Logger } from 'pino';
import type { JobDispatch, JobStore, RunJob } from '../../domain/ports/jobs.ts';
import { bounded } from './bounded.ts';
import type { JobHandler } from './bullmq.ts';

export const REQUEST_JOB = 'request-job';
/** Attempts BullMQ makes at a job whose attempts fail for a reason a later one may get past. */
export const REQUEST_JOB_ATTEMPTS = 3;
/** Queued jobs handed over per look of the relay. */
const RELAY_BATCH = 100;

export type RequestJobData = { jobId: string };

/** The BullMQ job id of a recorded job (BullMQ ids may not hold ':'). */
export const queueJobIdOf = (jobId: string) => `req-${jobId}`;

const jobOptions = (jobId: string) => ({
  jobId: queueJobIdOf(jobId),
  attempts: REQUEST_JOB_ATTEMPTS,
  backoff: { type: 'exponential' as const, delay: 5_000 },
  removeOnComplete: 1000,
  removeOnFail: 5000,
});

/** Who runs a job here: host and process, for the lease and the log. */
export function runnerId(role: string): string {
  return `${role}@${hostname()}:${process.pid}`;
}

export class QueueJobDispatch implements JobDispatch {
  constructor(
    private readonly queue: Queue,
    private readonly jobs: JobStore,
    private readonly logger: Logger,
  ) {}

  async dispatch(jobId: string): Promise<void> {
    try {
      await bounded(
        'queue a job',
        this.queue.add(REQUEST_JOB, { jobId } satisfies RequestJobData, jobOptions(jobId)),
      );
      await this.jobs.markEnqueued([jobId]);
    } catch (e) {
      // Recorded and kept: the relay hands it over once Redis answers again.
      this.logger.warn(
        { job: jobId, err: (e as Error).message },
        'job recorded, not yet queued (Redis away)',
      );
    }
  }
}

/** Hands the queued jobs not yet on the queue over to it (what Redis being away held back). */
export async function relayQueuedJobs(queue: Queue, jobs: JobStore): Promise<number> {
  const ids = await jobs.toEnqueue(RELAY_BATCH);
  if (ids.length === 0) return 0;
  await bounded(
    'queue jobs',
    queue.addBulk(ids.map((jobId) => ({ name: REQUEST_JOB, data: { jobId }, opts: jobOptions(jobId) }))),
  );
  await jobs.markEnqueued(ids);
  return ids.length;
}

/**
 * The `request-job` handler: runs the recorded job. Another runner's live lease (a worker that lost its
 * BullMQ lock but still works) puts the job back as delayed until the lease ends; an attempt that failed for a
 * passing reason is thrown for BullMQ to retry with backoff.
 */
export function requestJobHandler(
  runJob: RunJob,
  o: { runner: string; leaseMs: number; logger: Logger },
): JobHandler {
  return async (job, token) => {
    const { jobId } = job.data as RequestJobData;
    const finalAttempt = job.attemptsMade + 1 >= (job.opts.attempts ?? 1);
    const r = await runJob(jobId, {
      runner: o.runner,
      leaseMs: o.leaseMs,
      finalAttempt,
      onError: (e, rec) =>
        o.logger.info(
          { job: jobId, kind: rec.kind, code: (e as { code?: string }).code, err: (e as Error).message },
          'job did not succeed',
        ),
    });
    if (r.kind === 'busy') {
      await job.moveToDelayed(r.until.getTime() + 1_000, token);
      const { DelayedError } = await import('bullmq'); // loaded already by the worker running this handler
      throw new DelayedError();
    }
    if (r.kind === 'retry') throw r.cause instanceof Error ? r.cause : new Error(r.error.message);
    return r;
  };
}
