// Job records in `jobs.jobs` (migration 0055): one row per job, updated as it progresses and when it ends.
import type { Kysely } from 'kysely';
import type { JobRecord, JobStore } from '../../app/jobs.ts';

interface JobsTable {
  job_id: string;
  hospital_id: string;
  kind: string;
  state: string;
  subject: string | null;
  progress: Record<string, unknown>;
  result: Record<string, unknown> | null;
  error: JobRecord['error'];
  created_by: string;
  created_at: Date;
  updated_at: Date;
  finished_at: Date | null;
}

type JobsDb = Kysely<{ 'jobs.jobs': JobsTable }>;

export class SqlJobStore implements JobStore {
  private readonly db: JobsDb;
  // biome-ignore lint/suspicious/noExplicitAny: the ledger database's handle is untyped; this store types its table
  constructor(db: Kysely<any>) {
    this.db = db as JobsDb;
  }

  async create(
    job: Pick<JobRecord, 'jobId' | 'hospitalId' | 'kind' | 'subject' | 'createdBy'>,
  ): Promise<void> {
    await this.db
      .insertInto('jobs.jobs')
      .values({
        job_id: job.jobId,
        hospital_id: job.hospitalId,
        kind: job.kind,
        state: 'running',
        subject: job.subject,
        progress: JSON.stringify({}) as never,
        created_by: job.createdBy,
      } as never)
      .execute();
  }

  async progress(jobId: string, progress: Record<string, unknown>): Promise<void> {
    await this.db
      .updateTable('jobs.jobs')
      .set({ progress: JSON.stringify(progress) as never, updated_at: new Date() })
      .where('job_id', '=', jobId)
      .where('state', '=', 'running')
      .execute();
  }

  async finish(
    jobId: string,
    outcome:
      | { state: 'succeeded'; result: Record<string, unknown> }
      | { state: 'failed'; error: JobRecord['error'] },
  ): Promise<void> {
    const at = new Date();
    await this.db
      .updateTable('jobs.jobs')
      .set({
        state: outcome.state,
        result: outcome.state === 'succeeded' ? (JSON.stringify(outcome.result) as never) : null,
        error: outcome.state === 'failed' ? (JSON.stringify(outcome.error) as never) : null,
        updated_at: at,
        finished_at: at,
      })
      .where('job_id', '=', jobId)
      .execute();
  }

  async get(hospitalId: string, jobId: string): Promise<JobRecord | undefined> {
    const r = await this.db
      .selectFrom('jobs.jobs')
      .selectAll()
      .where('job_id', '=', jobId)
      .where('hospital_id', '=', hospitalId)
      .executeTakeFirst();
    if (!r) return undefined;
    return {
      jobId: r.job_id,
      hospitalId: r.hospital_id,
      kind: r.kind,
      state: r.state as JobRecord['state'],
      subject: r.subject,
      progress: r.progress,
      result: r.result,
      error: r.error,
      createdBy: r.created_by,
      createdAt: r.created_at,
      updatedAt: r.updated_at,
      finishedAt: r.finished_at,
    };
  }
}
