// Jobs a request started, for the staff who started them: where a job is (queued, running with its progress,
// succeeded with its result, failed with its refusal), its result file, and the routes that start the long
// work as a job — a projection rebuild, a large report (a large statement upload is one too: statements.ts).
// Each answers 202 with the job's id and links as soon as the job is recorded; the work runs on a worker
// (`ledger worker`, through the queue in Redis) or, with no queue configured, in this process.
import { randomUUID } from 'node:crypto';
import { Readable } from 'node:stream';
import { Type } from 'typebox';
import { SqlJobStore } from '../../adapters/jobs/sql-job-store.ts';
import { QueueJobDispatch, runnerId } from '../../adapters/queue/request-jobs.ts';
import { submitJob } from '../../app/jobs.ts';
import type {
  JobDispatch,
  JobKind,
  JobRecord,
  JobStore,
  LocalFile,
  NewJob,
} from '../../domain/ports/jobs.ts';
import type { ReportJobPayload } from '../../app/jobs/kinds.ts';
import { LocalJobRunner } from '../../app/jobs/local.ts';
import { checkReportRequest, reportPosition } from '../../app/reports.ts';
import { refuse } from '../../domain/reconciliation/refusals.ts';
import { refuseSchedule } from '../../domain/schedules/refusals.ts';
import { allProjections } from '../../projections/catalog.ts';
import { FORMATS } from '../../reports/export/index.ts';
import { ApiError } from '../errors.ts';
import { type Access, mayAccess } from '../principal.ts';
import type { App, ServerContext, RequestContext } from '../server.ts';
import { routes } from '../route.ts';

/** Who may see a job of each kind (besides being of its hospital). */
const ACCESS_OF_KIND: Readonly<Record<JobKind, Access>> = {
  'statement-import': 'finance-read',
  'projection-rebuild': 'admin',
  report: 'report',
};

export interface RequestJobs {
  jobs: JobStore;
  dispatch: JobDispatch;
  /** The in-process runner, when this bus runs its jobs itself. */
  local?: LocalJobRunner;
  submit(job: Omit<NewJob, 'jobId'>, input?: LocalFile): Promise<JobRecord>;
}

const wired = new WeakMap<ServerContext, RequestJobs>();

/**
 * The bus's jobs: recorded in the database; handed to the worker queue when there is one (REDIS_URL), else run
 * by this process's own runner.
 */
export function requestJobs(ctx: ServerContext): RequestJobs {
  let w = wired.get(ctx);
  if (w) return w;
  const o = ctx.options;
  const jobs = o.jobs ?? new SqlJobStore(o.database.db);
  const local =
    o.jobDispatch || o.jobQueue
      ? undefined
      : new LocalJobRunner(
          {
            jobs,
            store: ctx.deps.store,
            db: ctx.deps.db,
            now: ctx.deps.now,
            ...(o.dateOptions ? { dateOptions: o.dateOptions } : {}),
            ...(o.mappings ? { mappings: o.mappings } : {}),
          },
          { runner: runnerId('bus'), logger: ctx.deps.logger },
        );
  const dispatch =
    o.jobDispatch ??
    local ??
    new QueueJobDispatch(o.jobQueue as NonNullable<typeof o.jobQueue>, jobs, ctx.deps.logger);
  w = {
    jobs,
    dispatch,
    ...(local ? { local } : {}),
    submit: (job, input) => submitJob({ jobs, dispatch }, { ...job, jobId: randomUUID() }, input),
  };
  wired.set(ctx, w);
  return w;
}

/** A job as its caller sees it, with the links to poll it and fetch its result. */
export function jobAnswer(job: JobRecord) {
  const self = `/v1/jobs/${job.jobId}`;
  return {
    jobId: job.jobId,
    hospitalId: job.hospitalId,
    kind: job.kind,
    subject: job.subject,
    state: job.state,
    progress: job.progress,
    result: job.result,
    error: job.error,
    attempts: job.attempts,
    createdBy: job.createdBy,
    createdAt: job.createdAt.toISOString(),
    updatedAt: job.updatedAt.toISOString(),
    startedAt: job.startedAt?.toISOString() ?? null,
    finishedAt: job.finishedAt?.toISOString() ?? null,
    enqueuedAt: job.enqueuedAt?.toISOString() ?? null,
    links: { self, ...(job.state === 'succeeded' ? { result: `${self}/result` } : {}) },
  };
}

/** The 202 answer of a request that started a job. */
export function acceptedJob(job: JobRecord) {
  return { ...jobAnswer(job), poll: `/v1/jobs/${job.jobId}` };
}

const Loose = Type.Object({}, { additionalProperties: true });
const JobParams = Type.Object({ id: Type.String({ pattern: '^[0-9a-f-]{36}$' }) });
const DATE = '^[0-9]{4}-[0-9]{2}-[0-9]{2}$';

const ReportJobBody = Type.Object(
  {
    from: Type.String({ pattern: DATE, description: 'First business date (YYYY-MM-DD), inclusive' }),
    to: Type.String({ pattern: DATE, description: 'Last business date, inclusive; at most 366 days' }),
    asOf: Type.Optional(Type.String({ maxLength: 40, description: 'ISO-8601 instant with a zone' })),
    format: Type.Optional(
      Type.Union(
        FORMATS.map((f) => Type.Literal(f)),
        { description: 'Default xlsx' },
      ),
    ),
    lang: Type.Optional(Type.Union([Type.Literal('zh'), Type.Literal('en')])),
    sheet: Type.Optional(Type.String({ pattern: '^[a-z][a-z-]{0,40}$' })),
  },
  { additionalProperties: false },
);

export function jobRoutes(app: App, ctx: ServerContext): void {
  const reportsApi = routes(app, ['reports']);
  const jobsApi = routes(app, ['jobs']);
  const rj = requestJobs(ctx);
  if (rj.local) {
    const local = rj.local;
    app.addHook('onReady', async () => {
      local.start();
    });
    app.addHook('onClose', async () => local.stop());
  }

  const visibleJob = async (c: RequestContext, id: string) => {
    const job = await rj.jobs.get(c.hospitalId, id);
    if (!job) throw refuse('JOB_NOT_FOUND', { jobId: id });
    const needs = ACCESS_OF_KIND[job.kind];
    if (!mayAccess(c.principal, needs))
      throw new ApiError('FORBIDDEN_ROLE', { role: c.principal.role, needs });
    return job;
  };

  jobsApi.get(
    '/v1/jobs/:id',
    'staff',
    'A job a request started (a large statement upload, a projection rebuild, a large report): queued, running (progress.percent and its counts), succeeded (result; links.result) or failed (error: its refusal)',
    { params: JobParams, 200: Loose },
    async (c, req) => jobAnswer(await visibleJob(c, req.params.id)),
  );

  jobsApi.get(
    '/v1/jobs/:id/result',
    'staff',
    "A succeeded job's result: its file (a report's xlsx, CSV or JSON), else its result as JSON. JOB_RESULT_NOT_READY (409) until it has succeeded",
    {
      params: JobParams,
      200: {
        description: 'The result',
        content: { '*/*': { schema: { type: 'string', format: 'binary' } } },
      },
    },
    async (c, req, reply) => {
      const job = await visibleJob(c, req.params.id);
      if (job.state !== 'succeeded')
        throw refuseSchedule('JOB_RESULT_NOT_READY', { jobId: job.jobId, state: job.state });
      const file = await rj.jobs.file(job.jobId, 'result');
      if (!file) return reply.type('application/json; charset=utf-8').send(JSON.stringify(job.result));
      return reply
        .header('content-type', file.meta.contentType)
        .header('content-length', String(file.meta.bytes))
        .header(
          'content-disposition',
          `attachment; filename="${file.meta.name.replace(/[^A-Za-z0-9_.-]/g, '_')}"; filename*=UTF-8''${encodeURIComponent(file.meta.name)}`,
        )
        .header('x-content-sha256', file.meta.sha256)
        .header('cache-control', 'no-store')
        .send(Readable.from(file.chunks));
    },
  );

  reportsApi.post(
    '/v1/reports/:name/jobs',
    'report',
    'Produce a large report as a job (202): checked now, built to the event position of now (or of asOf) on a worker, its progress at GET /v1/jobs/:id, its file at GET /v1/jobs/:id/result',
    {
      params: Type.Object({ name: Type.String({ pattern: '^[a-z][a-z-]{1,40}$' }) }),
      body: ReportJobBody,
      202: Loose,
    },
    async (c, req, reply) => {
      const b = req.body;
      const request = checkReportRequest(
        { name: req.params.name, hospitalId: c.hospitalId, ...b },
        new Date(ctx.now()),
      );
      const toPosition = await reportPosition(ctx.deps, request);
      const payload: ReportJobPayload = {
        name: request.definition.name,
        ...b,
        toPosition: String(toPosition),
      };
      const job = await rj.submit({
        hospitalId: c.hospitalId,
        kind: 'report',
        subject: `${request.definition.name} ${request.from}..${request.to} (${request.format})`,
        payload: payload as unknown as Record<string, unknown>,
        createdBy: c.actor.id,
      });
      return reply.code(202).header('location', `/v1/jobs/${job.jobId}`).send(acceptedJob(job));
    },
  );

  jobsApi.post(
    '/v1/projections/:name/rebuild',
    'admin',
    'Rebuild a read model from position 0 beside the live one and swap it in, as a job (202); asking again while one runs answers that job',
    { params: Type.Object({ name: Type.String({ pattern: '^[a-z][a-z0-9_]{0,62}$' }) }), 202: Loose },
    async (c, req, reply) => {
      const name = req.params.name;
      if (!allProjections().some((p) => p.name === name))
        throw refuseSchedule('PROJECTION_UNKNOWN', { name });
      const running = await rj.jobs.unfinished('projection-rebuild', name);
      const job =
        (running ? await rj.jobs.get(c.hospitalId, running) : undefined) ??
        (await rj.submit({
          hospitalId: c.hospitalId,
          kind: 'projection-rebuild',
          subject: name,
          payload: { projection: name },
          createdBy: c.actor.id,
        }));
      return reply.code(202).header('location', `/v1/jobs/${job.jobId}`).send(acceptedJob(job));
    },
  );
}
