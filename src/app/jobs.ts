// Long work a request starts — a large statement upload, a projection rebuild, a large report — and the caller
// polls (GET /v1/jobs/:id). The request records the job `queued` with everything it needs (its parameters, and
// its input file stored in the database), hands it to a dispatcher, and answers 202. Whoever runs it — a
// `ledger worker` through the queue in Redis, or the bus's own process when there is no queue — claims it with
// a lease it renews while it works, writes its progress, and records how it ended with its result in one
// transaction. A runner that dies leaves its lease to expire; the job is then taken up again, and every kind
// of job is safe to run again (see jobs/kinds.ts), so nothing is left half done and no job stays `interrupted`.
import type { JobDispatch, JobError, JobRecord, JobStore, LocalFile, NewJob } from '../domain/ports/jobs.ts';
import type { Refusal } from '../domain/rejection.ts';

/** Fewest milliseconds between two progress writes of one job (the last one is always written). */
export const PROGRESS_WRITE_INTERVAL_MS = 250;
/** How long a runner's claim on a job lasts without renewal (renewed at a third of it while it works). */
export const DEFAULT_JOB_LEASE_MS = 60_000;

/** How a failure is recorded: a refusal with its code and details (final); anything else as an internal error. */
export function jobErrorOf(e: unknown): { error: JobError; refusal: boolean } {
  const r = e as Partial<Refusal> & { message?: string };
  if (typeof r?.code === 'string' && typeof r.messageIn === 'function')
    return {
      error: { code: r.code, message: r.messageIn('en'), details: { ...(r.details ?? {}) } },
      refusal: true,
    };
  return {
    error: { code: 'INTERNAL_ERROR', message: 'the job failed; see the worker log', details: {} },
    refusal: false,
  };
}

/** Records a job (with its input) and hands it over: the request's part. */
export async function submitJob(
  ports: { jobs: JobStore; dispatch: JobDispatch },
  job: NewJob,
  input?: LocalFile,
): Promise<JobRecord> {
  await ports.jobs.create(job, input);
  await ports.dispatch.dispatch(job.jobId);
  const recorded = await ports.jobs.get(job.hospitalId, job.jobId);
  if (!recorded) throw new Error(`job ${job.jobId} vanished after it was recorded`);
  return recorded;
}
