// The ports of long work a request starts (a statement upload, a projection rebuild, a report): where jobs and
// their files are kept, how a recorded job is handed over, and what running one answers. The use cases
// (src/app/jobs.ts, src/app/jobs/run.ts) work on these; the adapters (src/adapters/jobs, src/adapters/queue)
// satisfy them.

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

/** How one attempt at running a recorded job came out. */
export type JobRunOutcome =
  /** It ended (or had ended before): its record says how. */
  | { kind: 'ended'; state: 'succeeded' | 'failed' }
  /** Another runner holds it under a live lease: look again after `until`. */
  | { kind: 'busy'; until: Date }
  /** Unknown, or it ended before this runner came. */
  | { kind: 'gone' }
  /** This attempt failed for a reason a later one may get past; the job is queued again. */
  | { kind: 'retry'; error: JobError; cause: unknown };

export interface RunOptions {
  /** Who runs it (host, process): the lease's holder. */
  runner: string;
  leaseMs?: number;
  /** The last attempt the caller will make: an internal error then fails the job instead of queueing it again. */
  finalAttempt?: boolean;
  onError?: (e: unknown, job: JobRecord) => void;
}

/** Runs one recorded job (app/jobs/run.ts), as the queue's handler calls it. */
export type RunJob = (jobId: string, o: RunOptions) => Promise<JobRunOutcome>;
