// Long work a request starts — a large statement upload, a projection rebuild, a large report — and the caller
// polls (GET /v1/jobs/:id). The request records the job `queued` with everything it needs (its parameters, and
// its input file stored in the database), hands it to a dispatcher, and answers 202. Whoever runs it — a
// `ledger worker` through the queue in Redis, or the bus's own process when there is no queue — claims it with
// a lease it renews while it works, writes its progress, and records how it ended with its result in one
// transaction. A runner that dies leaves its lease to expire; the job is then taken up again, and every kind
// of job is safe to run again (see jobs/kinds.ts), so nothing is left half done and no job stays `interrupted`.
import type { Refusal } from '../domain/rejection.ts';

export type JobState = 'queued' | 'running' | 'succeeded' | 'failed';
export type JobKind = 'statement-import' | 'projection-rebuild' | 'report';
export const JOB_KINDS: readonly JobKind[] = ['statement-import', 'projection-rebuild', 'report'];

export interface JobError {
  code: string;
  message: string;
  details: Record<string, unknown>;
}

export interface JobRecord {
  jobId: string;
  hospitalId: string;
  kind: JobKind;
  state: JobState;
  /** What the job works on (a file name, a projection, a report), for people. */
  subject: string | null;
  /** The job's parameters, as the request gave them (what a runner needs besides the input file). */
  payload: Record<string, unknown>;
  progress: Record<string, unknown>;
  result: Record<string, unknown> | null;
  /** How it failed; on a queued job, why its last attempt did not finish (it will be tried again). */
  error: JobError | null;
  attempts: number;
  createdBy: string;
  createdAt: Date;
  updatedAt: Date;
  startedAt: Date | null;
  finishedAt: Date | null;
  /** When it was handed to the worker queue (null: not yet, or run in process). */
  enqueuedAt: Date | null;
}

export interface JobFileMeta {
  name: string;
  contentType: string;
  bytes: number;
  sha256: string;
}

/** A file on disk to store with a job (the upload spooled by the bus, the report written by the runner). */
export interface LocalFile {
  path: string;
  name: string;
  contentType: string;
}

export type NewJob = Pick<JobRecord, 'jobId' | 'hospitalId' | 'kind' | 'subject' | 'payload' | 'createdBy'>;

export type JobOutcome =
  | { state: 'succeeded'; result: Record<string, unknown>; file?: LocalFile }
  | { state: 'failed'; error: JobError /** A refusal is final: the input goes with it. */; final: boolean };

/** Where jobs and their files live (adapters/jobs/sql-job-store.ts: the `jobs` schema of the ledger's database). */
export interface JobStore {
  /** Records a queued job and its input file in one transaction (the file is read from disk). */
  create(job: NewJob, input?: LocalFile): Promise<void>;
  /**
   * Takes a job to run: queued, or running under a lease that expired (its runner died) or is the caller's.
   * Undefined when it has ended, or another runner holds a live lease (`leaseUntil` says until when).
   */
  claim(
    jobId: string,
    runner: string,
    leaseMs: number,
  ): Promise<{ job: JobRecord } | { job?: undefined; leaseUntil?: Date }>;
  /** Writes progress and renews the runner's lease; false when the job is no longer the runner's. */
  progress(
    jobId: string,
    runner: string,
    progress: Record<string, unknown>,
    leaseMs: number,
  ): Promise<boolean>;
  /** Puts a job back in the queue after an attempt that failed for a reason a later one may get past. */
  release(jobId: string, runner: string, error: JobError): Promise<void>;
  /** Records how the job ended (and its result file) in one transaction, if it is still the runner's. */
  finish(jobId: string, runner: string, outcome: JobOutcome): Promise<boolean>;
  /** The hospital's job of that id (another hospital's is not found). */
  get(hospitalId: string, jobId: string): Promise<JobRecord | undefined>;
  /** A job's stored file and its bytes, in order. */
  file(
    jobId: string,
    role: 'input' | 'result',
  ): Promise<{ meta: JobFileMeta; chunks: AsyncIterable<Uint8Array> } | undefined>;
  /** Queued jobs not yet handed to the worker queue, oldest first. */
  toEnqueue(limit: number): Promise<string[]>;
  markEnqueued(jobIds: readonly string[]): Promise<void>;
  /** An unfinished job of that kind and subject (a rebuild already asked for), if any. */
  unfinished(kind: JobKind, subject: string): Promise<string | undefined>;
  /** Jobs a runner may take up: queued, or running under an expired lease. */
  resumable(limit: number): Promise<string[]>;
}

/** Hands a recorded job to whoever runs it; never throws (a job it could not hand over stays queued). */
export interface JobDispatch {
  dispatch(jobId: string): Promise<void>;
}

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
