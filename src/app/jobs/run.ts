// Running one recorded job: claim it (with a lease renewed while it works), do its kind's work with progress
// written (throttled) to its record, and record how it ended. Shared by the queue's workers and the bus's
// in-process runner (local.ts), so a job behaves the same wherever it runs.
import { DEFAULT_JOB_LEASE_MS, jobErrorOf, PROGRESS_WRITE_INTERVAL_MS } from '../jobs.ts';
import type { JobRunOutcome, RunOptions } from '../../domain/ports/jobs.ts';
import { JOB_WORK, type JobWorkPorts, withScratch } from './kinds.ts';

/** Refusals that say "not now" rather than "never": the job is tried again. */
const RETRYABLE_CODES = new Set(['STATEMENT_IMPORT_IN_PROGRESS', 'QUEUE_UNAVAILABLE']);

export async function runJob(ports: JobWorkPorts, jobId: string, o: RunOptions): Promise<JobRunOutcome> {
  const leaseMs = o.leaseMs ?? DEFAULT_JOB_LEASE_MS;
  const claimed = await ports.jobs.claim(jobId, o.runner, leaseMs);
  if (!claimed.job)
    return claimed.leaseUntil ? { kind: 'busy', until: claimed.leaseUntil } : { kind: 'gone' };
  const job = claimed.job;

  let latest: Record<string, unknown> = job.progress;
  let writing: Promise<unknown> = Promise.resolve();
  let busy = false;
  let last = 0;
  const write = () => {
    busy = true;
    last = Date.now();
    writing = ports.jobs
      .progress(jobId, o.runner, latest, leaseMs)
      .catch(() => false)
      .finally(() => {
        busy = false;
      });
  };
  const report = (p: Record<string, unknown>) => {
    latest = p;
    if (!busy && Date.now() - last >= PROGRESS_WRITE_INTERVAL_MS) write();
  };
  // The lease is renewed even while the work reports nothing (a long validation, a slow fold).
  const heartbeat = setInterval(
    () => {
      if (!busy) write();
    },
    Math.max(100, Math.floor(leaseMs / 3)),
  );
  try {
    // The result's file lives in the scratch folder until it is stored with the outcome.
    await withScratch(async (dir) => {
      const done = await JOB_WORK[job.kind](ports, job, report, dir);
      clearInterval(heartbeat);
      await writing;
      await ports.jobs.finish(jobId, o.runner, { state: 'succeeded', ...done });
    });
    return { kind: 'ended', state: 'succeeded' };
  } catch (e) {
    clearInterval(heartbeat);
    await writing;
    o.onError?.(e, job);
    const { error, refusal } = jobErrorOf(e);
    if (refusal && !RETRYABLE_CODES.has(error.code)) {
      await ports.jobs.finish(jobId, o.runner, { state: 'failed', error, final: true });
      return { kind: 'ended', state: 'failed' };
    }
    if (o.finalAttempt ?? true) {
      await ports.jobs.finish(jobId, o.runner, { state: 'failed', error, final: false });
      return { kind: 'ended', state: 'failed' };
    }
    await ports.jobs.release(jobId, o.runner, error);
    return { kind: 'retry', error, cause: e };
  } finally {
    clearInterval(heartbeat);
  }
}
