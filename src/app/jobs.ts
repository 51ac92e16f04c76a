// Long work a request starts and the caller polls (GET /v1/jobs/:id): a durable record of its state and
// progress. The work runs in this process; the record is in the database, so a caller still learns how it
// ended after a restart, and a job whose process died is reported `interrupted` (its record stopped moving).
import { randomUUID } from 'node:crypto';
import type { Refusal } from '../domain/rejection.ts';

export type JobState = 'running' | 'succeeded' | 'failed';

export interface JobRecord {
  jobId: string;
  hospitalId: string;
  kind: string;
  state: JobState;
  /** What the job works on (a file name), for people. */
  subject: string | null;
  progress: Record<string, unknown>;
  result: Record<string, unknown> | null;
  error: { code: string; message: string; details: Record<string, unknown> } | null;
  createdBy: string;
  createdAt: Date;
  updatedAt: Date;
  finishedAt: Date | null;
}

/** Where job records live (adapters/jobs/sql-job-store.ts). */
export interface JobStore {
  create(job: Pick<JobRecord, 'jobId' | 'hospitalId' | 'kind' | 'subject' | 'createdBy'>): Promise<void>;
  progress(jobId: string, progress: Record<string, unknown>): Promise<void>;
  finish(
    jobId: string,
    outcome:
      | { state: 'succeeded'; result: Record<string, unknown> }
      | { state: 'failed'; error: JobRecord['error'] },
  ): Promise<void>;
  /** The hospital's job of that id (another hospital's is not found). */
  get(hospitalId: string, jobId: string): Promise<JobRecord | undefined>;
}

/** Fewest milliseconds between two progress writes of one job (the last one is always written). */
export const PROGRESS_WRITE_INTERVAL_MS = 250;
/** A running job whose record has not moved for this long was cut off (its process ended). */
export const JOB_STALE_AFTER_MS = 5 * 60_000;

export type JobView = Omit<JobRecord, 'state'> & { state: JobState | 'interrupted' };

/** A job as the caller sees it (`interrupted` when its record stopped moving while running). */
export function jobView(job: JobRecord, now: Date): JobView {
  const stale = job.state === 'running' && now.getTime() - job.updatedAt.getTime() > JOB_STALE_AFTER_MS;
  return { ...job, state: stale ? 'interrupted' : job.state };
}

export interface StartedJob {
  jobId: string;
  /** Settles when the work and its record's last write are done (never rejects: the record says how it ended). */
  done: Promise<void>;
}

/** How a failure is recorded: a refusal with its code and details; anything else as an internal error. */
function errorOf(e: unknown): NonNullable<JobRecord['error']> {
  const r = e as Partial<Refusal> & { message?: string };
  if (typeof r?.code === 'string' && typeof r.messageIn === 'function')
    return { code: r.code, message: r.messageIn('en'), details: { ...(r.details ?? {}) } };
  return { code: 'INTERNAL_ERROR', message: 'the job failed; see the server log', details: {} };
}

/**
 * Records a job and starts `work` in the background, handing it a progress reporter (writes throttled to one per
 * PROGRESS_WRITE_INTERVAL_MS, never two at once). Its outcome is written when it ends.
 */
export async function startJob<T>(
  jobs: JobStore,
  o: { hospitalId: string; kind: string; subject: string | null; by: string; now?: () => number },
  work: (report: (progress: Record<string, unknown>) => void) => Promise<T>,
  resultOf: (value: T) => Record<string, unknown>,
  onError?: (e: unknown) => void,
): Promise<StartedJob> {
  const jobId = randomUUID();
  const now = o.now ?? Date.now;
  await jobs.create({ jobId, hospitalId: o.hospitalId, kind: o.kind, subject: o.subject, createdBy: o.by });
  let writing: Promise<void> = Promise.resolve();
  let busy = false;
  let last = 0;
  const report = (p: Record<string, unknown>) => {
    const t = now();
    if (busy || t - last < PROGRESS_WRITE_INTERVAL_MS) return;
    busy = true;
    last = t;
    writing = jobs
      .progress(jobId, p)
      .catch(() => {})
      .finally(() => {
        busy = false;
      });
  };
  const done = (async () => {
    try {
      const value = await work(report);
      await writing;
      await jobs.finish(jobId, { state: 'succeeded', result: resultOf(value) });
    } catch (e) {
      onError?.(e);
      await writing;
      await jobs.finish(jobId, { state: 'failed', error: errorOf(e) }).catch(() => {});
    }
  })();
  return { jobId, done };
}
