// The job queue for administrators: failed jobs with their error, retried on request, and the BullMQ dashboard
// (bull-board) at /admin/queues. Both behind the administrator role, like every admin route.
import type { Queue } from 'bullmq';
import { Type } from 'typebox';
import { refuseSchedule } from '../../domain/schedules/refusals.ts';
import { ApiError, toErrorResponse } from '../errors.ts';
import { mayAccess } from '../principal.ts';
import { type App, authenticate, type ServerContext } from '../server.ts';
import { route } from '../route.ts';

const JobParams = Type.Object({ id: Type.String({ pattern: '^[A-Za-z0-9:_-]{1,200}$' }) });
const JobsQuery = Type.Object({
  state: Type.Optional(
    Type.Union([
      Type.Literal('failed'),
      Type.Literal('delayed'),
      Type.Literal('active'),
      Type.Literal('waiting'),
      Type.Literal('completed'),
    ]),
  ),
  limit: Type.Optional(Type.Integer({ minimum: 1, maximum: 500 })),
});
const Job = Type.Object({}, { additionalProperties: true });

export const BULL_BOARD_PATH = '/admin/queues';

function queueOf(ctx: ServerContext): Queue {
  const q = ctx.options.jobQueue;
  if (!q)
    throw refuseSchedule('QUEUE_UNAVAILABLE', { reason: 'no REDIS_URL: no worker queue is configured' });
  return q;
}

export async function queueRoutes(app: App, ctx: ServerContext): Promise<void> {
  app.get(
    '/v1/admin/jobs',
    route('admin', ['jobs'], 'Background jobs by state (default: failed, with their error)', {
      querystring: JobsQuery,
      200: Type.Array(Job),
    }),
    async (req) => {
      const jobs = await queueOf(ctx).getJobs([req.query.state ?? 'failed'], 0, (req.query.limit ?? 100) - 1);
      return jobs.map((j) => ({
        id: j.id,
        name: j.name,
        data: j.data,
        attemptsMade: j.attemptsMade,
        failedReason: j.failedReason ?? null,
        createdAt: new Date(j.timestamp).toISOString(),
        finishedAt: j.finishedOn ? new Date(j.finishedOn).toISOString() : null,
      }));
    },
  );
  app.post(
    '/v1/admin/jobs/:id/retry',
    route('admin', ['jobs'], 'Retry a failed job (its handler is safe to run again)', {
      params: JobParams,
      202: Job,
    }),
    async (req, reply) => {
      const job = await queueOf(ctx).getJob(req.params.id);
      if (!job) throw refuseSchedule('QUEUE_JOB_NOT_FOUND', { jobId: req.params.id });
      if (!(await job.isFailed()))
        throw refuseSchedule('QUEUE_JOB_NOT_FAILED', { jobId: req.params.id, state: await job.getState() });
      await job.retry('failed');
      return reply.code(202).send({ id: job.id, state: 'waiting' });
    },
  );

  const queue = ctx.options.jobQueue;
  if (!queue) return;
  // The dashboard loads only with a queue (REDIS_URL).
  const [{ createBullBoard }, { BullMQAdapter }, { FastifyAdapter }] = await Promise.all([
    import('@bull-board/api'),
    import('@bull-board/api/bullMQAdapter'),
    import('@bull-board/fastify'),
  ]);
  const board = new FastifyAdapter();
  createBullBoard({ queues: [new BullMQAdapter(queue, { readOnlyMode: false })], serverAdapter: board });
  board.setBasePath(BULL_BOARD_PATH);
  await app.register(async (scope) => {
    // Every dashboard route needs the administrator role (checked here and answered here: the dashboard's
    // own error handler would turn a refusal into a 500) and stays out of the API document.
    scope.addHook('onRequest', async (req, reply) => {
      try {
        const principal = await authenticate(ctx, req);
        if (!mayAccess(principal, 'admin'))
          throw new ApiError('FORBIDDEN_ROLE', { role: principal.role, needs: 'admin' });
      } catch (error) {
        const { status, body } = toErrorResponse(error);
        return reply.code(status).type('application/json; charset=utf-8').send(body);
      }
    });
    scope.addHook('onRoute', (route) => {
      route.schema = { ...(route.schema ?? {}), hide: true } as typeof route.schema;
    });
    await scope.register(board.registerPlugin() as never, { prefix: BULL_BOARD_PATH });
  });
}
