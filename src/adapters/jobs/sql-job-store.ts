// Jobs in the `jobs` schema (migrations 0055, 0110): one row per job, updated as it is claimed, progresses and
// ends; its input and result files in chunks beside it, so a worker on another machine reads what the bus took.
// Leases are compared with the database's clock, the one clock every bus and worker shares.
import { createHash } from 'node:crypto';
import { createReadStream } from 'node:fs';
import { type Kysely, sql } from 'kysely';
import type {
  JobError,
  JobFileMeta,
  JobOutcome,
  JobRecord,
  JobStore,
  LocalFile,
  NewJob,
} from '../../domain/ports/jobs.ts';

/** Bytes per stored chunk of a job's file. */
export const FILE_CHUNK_BYTES = 1024 * 1024;
/** Days a finished job's files (a report to download, a failed upload kept for a retry) are kept. */
export const JOB_FILE_RETENTION_DAYS = 7;

/** `createdAt` -> `created_at`. */
type SnakeCase<S extends string> = S extends `${infer H}${infer T}`
  ? `${H extends Lowercase<H> ? H : `_${Lowercase<H>}`}${SnakeCase<T>}`
  : S;

/** A job's row: the record's fields in snake_case, kind and state as stored text, plus the worker's lease. */
interface JobsTable extends Omit<{ [K in keyof JobRecord as SnakeCase<K>]: JobRecord[K] }, 'kind' | 'state'> {
  kind: string;
  state: string;
  lease_until: Date | null;
  runner: string | null;
}

interface FilesTable {
  job_id: string;
  role: string;
  name: string;
  content_type: string;
  bytes: string | number | bigint;
  chunks: number;
  sha256: string;
}

interface ChunksTable {
  job_id: string;
  role: string;
  seq: number;
  data: Uint8Array;
}

type JobsDb = Kysely<{ 'jobs.jobs': JobsTable; 'jobs.files': FilesTable; 'jobs.file_chunks': ChunksTable }>;

const json = (v: unknown) => JSON.stringify(v) as never;
const lease = (ms: number) => sql<Date>`now() + ${`${Math.max(1, Math.round(ms))} milliseconds`}::interval`;

function recordOf(r: JobsTable): JobRecord {
  return {
    jobId: r.job_id,
    hospitalId: r.hospital_id,
    kind: r.kind as JobRecord['kind'],
    state: r.state as JobRecord['state'],
    subject: r.subject,
    payload: r.payload,
    progress: r.progress,
    result: r.result,
    error: r.error,
    attempts: r.attempts,
    createdBy: r.created_by,
    createdAt: r.created_at,
    updatedAt: r.updated_at,
    startedAt: r.started_at,
    finishedAt: r.finished_at,
    enqueuedAt: r.enqueued_at,
  };
}

/** Stores a file from disk as a job's input or result, in chunks, inside the caller's transaction. */
async function storeFile(
  trx: JobsDb,
  jobId: string,
  role: 'input' | 'result',
  file: LocalFile,
): Promise<void> {
  await trx
    .insertInto('jobs.files')
    .values({
      job_id: jobId,
      role,
      name: file.name,
      content_type: file.contentType,
      bytes: 0,
      chunks: 0,
      sha256: '',
    })
    .execute();
  const hash = createHash('sha256');
  let bytes = 0;
  let seq = 0;
  for await (const chunk of createReadStream(file.path, { highWaterMark: FILE_CHUNK_BYTES })) {
    const data = chunk as Buffer;
    hash.update(data);
    bytes += data.length;
    await trx.insertInto('jobs.file_chunks').values({ job_id: jobId, role, seq: seq++, data }).execute();
  }
  await trx
    .updateTable('jobs.files')
    .set({ bytes, chunks: seq, sha256: hash.digest('hex') })
    .where('job_id', '=', jobId)
    .where('role', '=', role)
    .execute();
}

export class SqlJobStore implements JobStore {
  private readonly db: JobsDb;
  // biome-ignore lint/suspicious/noExplicitAny: the ledger database's handle is untyped; this store types its tables
  constructor(db: Kysely<any>) {
    this.db = db as JobsDb;
  }

  async create(job: NewJob, input?: LocalFile): Promise<void> {
    await this.db.transaction().execute(async (trx) => {
      await trx
        .insertInto('jobs.jobs')
        .values({
          job_id: job.jobId,
          hospital_id: job.hospitalId,
          kind: job.kind,
          state: 'queued',
          subject: job.subject,
          payload: json(job.payload),
          progress: json({ percent: 0 }),
          created_by: job.createdBy,
        } as never)
        .execute();
      if (input) await storeFile(trx, job.jobId, 'input', input);
    });
  }

  async claim(jobId: string, runner: string, leaseMs: number) {
    const claimed = await this.db
      .updateTable('jobs.jobs')
      .set({
        state: 'running',
        attempts: sql`attempts + 1`,
        runner,
        lease_until: lease(leaseMs),
        started_at: sql`coalesce(started_at, now())`,
        updated_at: sql`now()`,
      })
      .where('job_id', '=', jobId)
      .where((eb) =>
        eb.or([
          eb('state', '=', 'queued'),
          // A job that failed for an internal reason (not a refusal) runs again when an administrator retries it.
          eb.and([eb('state', '=', 'failed'), sql<boolean>`error->>'code' = 'INTERNAL_ERROR'`]),
          eb.and([
            eb('state', '=', 'running'),
            eb.or([
              eb('lease_until', 'is', null),
              eb('lease_until', '<', sql<Date>`now()`),
              eb('runner', '=', runner),
            ]),
          ]),
        ]),
      )
      .returningAll()
      .executeTakeFirst();
    if (claimed) return { job: recordOf(claimed) };
    const held = await this.db
      .selectFrom('jobs.jobs')
      .select(['state', 'lease_until'])
      .where('job_id', '=', jobId)
      .executeTakeFirst();
    return held?.state === 'running' && held.lease_until ? { leaseUntil: held.lease_until } : {};
  }

  async progress(jobId: string, runner: string, progress: Record<string, unknown>, leaseMs: number) {
    const r = await this.db
      .updateTable('jobs.jobs')
      .set({ progress: json(progress), lease_until: lease(leaseMs), updated_at: sql`now()` })
      .where('job_id', '=', jobId)
      .where('state', '=', 'running')
      .where('runner', '=', runner)
      .executeTakeFirst();
    return Number(r.numUpdatedRows) > 0;
  }

  async release(jobId: string, runner: string, error: JobError): Promise<void> {
    await this.db
      .updateTable('jobs.jobs')
      .set({ state: 'queued', error: json(error), lease_until: null, runner: null, updated_at: sql`now()` })
      .where('job_id', '=', jobId)
      .where('state', '=', 'running')
      .where('runner', '=', runner)
      .execute();
  }

  async finish(jobId: string, runner: string, outcome: JobOutcome): Promise<boolean> {
    return this.db.transaction().execute(async (trx) => {
      // The row is locked first: a runner whose lease moved on writes nothing, not even its file.
      const mine = await trx
        .selectFrom('jobs.jobs')
        .select('job_id')
        .where('job_id', '=', jobId)
        .where('state', '=', 'running')
        .where('runner', '=', runner)
        .forUpdate()
        .executeTakeFirst();
      if (!mine) return false;
      if (outcome.state === 'succeeded' && outcome.file) {
        await trx.deleteFrom('jobs.files').where('job_id', '=', jobId).where('role', '=', 'result').execute();
        await storeFile(trx, jobId, 'result', outcome.file);
      }
      // The upload is kept only while the job may still run (an internal failure an administrator may retry).
      if (outcome.state === 'succeeded' || outcome.final)
        await trx.deleteFrom('jobs.files').where('job_id', '=', jobId).where('role', '=', 'input').execute();
      await trx
        .updateTable('jobs.jobs')
        .set({
          state: outcome.state,
          result: outcome.state === 'succeeded' ? json(outcome.result) : null,
          error: outcome.state === 'failed' ? json(outcome.error) : null,
          ...(outcome.state === 'succeeded' ? { progress: sql`progress || '{"percent": 100}'::jsonb` } : {}),
          lease_until: null,
          updated_at: sql`now()`,
          finished_at: sql`now()`,
        })
        .where('job_id', '=', jobId)
        .execute();
      // Files of jobs finished long ago go (the job's record stays, its result link then answers the JSON).
      await trx
        .deleteFrom('jobs.files')
        .where('job_id', 'in', (eb) =>
          eb
            .selectFrom('jobs.jobs')
            .select('job_id')
            .where('finished_at', '<', sql<Date>`now() - ${`${JOB_FILE_RETENTION_DAYS} days`}::interval`),
        )
        .execute();
      return true;
    });
  }

  async get(hospitalId: string, jobId: string): Promise<JobRecord | undefined> {
    const r = await this.db
      .selectFrom('jobs.jobs')
      .selectAll()
      .where((eb) => eb.and({ job_id: jobId, hospital_id: hospitalId }))
      .executeTakeFirst();
    return r ? recordOf(r) : undefined;
  }

  async file(jobId: string, role: 'input' | 'result') {
    const f = await this.db
      .selectFrom('jobs.files')
      .selectAll()
      .where((eb) => eb.and({ job_id: jobId, role }))
      .executeTakeFirst();
    if (!f) return undefined;
    const meta: JobFileMeta = {
      name: f.name,
      contentType: f.content_type,
      bytes: Number(f.bytes),
      sha256: f.sha256,
    };
    const db = this.db;
    async function* chunks(): AsyncGenerator<Uint8Array> {
      for (let seq = 0; seq < f!.chunks; seq++) {
        const c = await db
          .selectFrom('jobs.file_chunks')
          .select('data')
          .where('job_id', '=', jobId)
          .where('role', '=', role)
          .where('seq', '=', seq)
          .executeTakeFirst();
        if (!c) throw new Error(`job ${jobId}: chunk ${seq} of its ${role} file is missing`);
        yield c.data;
      }
    }
    return { meta, chunks: chunks() };
  }

  async toEnqueue(limit: number): Promise<string[]> {
    const rows = await this.db
      .selectFrom('jobs.jobs')
      .select('job_id')
      .where('state', '=', 'queued')
      .where('enqueued_at', 'is', null)
      .orderBy('created_at')
      .limit(limit)
      .execute();
    return rows.map((r) => r.job_id);
  }

  async markEnqueued(jobIds: readonly string[]): Promise<void> {
    if (jobIds.length === 0) return;
    await this.db
      .updateTable('jobs.jobs')
      .set({ enqueued_at: sql`coalesce(enqueued_at, now())` })
      .where('job_id', 'in', [...jobIds])
      .execute();
  }

  async unfinished(kind: string, subject: string): Promise<string | undefined> {
    const r = await this.db
      .selectFrom('jobs.jobs')
      .select('job_id')
      .where('kind', '=', kind)
      .where('subject', '=', subject)
      .where('state', 'in', ['queued', 'running'])
      .orderBy('created_at')
      .executeTakeFirst();
    return r?.job_id;
  }

  async resumable(limit: number): Promise<string[]> {
    const rows = await this.db
      .selectFrom('jobs.jobs')
      .select('job_id')
      .where((eb) =>
        eb.or([
          eb('state', '=', 'queued'),
          eb.and([eb('state', '=', 'running'), eb('lease_until', '<', sql<Date>`now()`)]),
        ]),
      )
      .orderBy('created_at')
      .limit(limit)
      .execute();
    return rows.map((r) => r.job_id);
  }
}
