// Auto-reconciliation schedules of the caller's hospital: administrators configure them, finance staff and
// auditors read them and their alerts (statement missing, failed). The same use cases as `ledger schedules`.
import { Type } from 'typebox';
import {
  pauseSchedule,
  removeSchedule,
  resumeSchedule,
  runScheduleNow,
  type ScheduleConfigPorts,
  scheduleRuns,
  schedules,
  setSchedule,
} from '../../app/schedules.ts';
import { refuseSchedule } from '../../domain/schedules/refusals.ts';
import type { App, ServerContext } from '../server.ts';
import { routes } from '../route.ts';

const IdParams = Type.Object({ id: Type.String({ pattern: '^[a-z0-9][a-z0-9-]{0,63}$' }) });
const Reason = Type.Object({ reason: Type.String({ minLength: 1, maxLength: 500 }) });
const Open = Type.Object({}, { additionalProperties: true });
const Source = Type.Object(
  {
    kind: Type.Union([
      Type.Literal('folder'),
      Type.Literal('sftp'),
      Type.Literal('https'),
      Type.Literal('channel'),
    ]),
  },
  {
    additionalProperties: true,
    description:
      'folder {path, pattern} | sftp {host, port, username, path, pattern, credential} | https {url, credential?} | channel {channel, bill}',
  },
);
const ScheduleBody = Type.Object(
  {
    channel: Type.String({ minLength: 1, maxLength: 32 }),
    cron: Type.Optional(Type.String({ maxLength: 100, description: 'Default 0 10 * * * (10:00 each day)' })),
    timeZone: Type.Optional(Type.String({ maxLength: 64, description: 'IANA zone, default Asia/Shanghai' })),
    dayOffset: Type.Optional(Type.Integer({ minimum: 0, maximum: 31, description: 'Default 1 (T-1)' })),
    source: Source,
    retryMinutes: Type.Optional(Type.Integer({ minimum: 1, maximum: 1440 })),
    deadlineMinutes: Type.Optional(Type.Integer({ minimum: 0, maximum: 10080 })),
    format: Type.Optional(Type.String({ maxLength: 32 })),
  },
  { additionalProperties: false },
);
const RunBody = Type.Object(
  { businessDate: Type.Optional(Type.String({ pattern: '^\\d{4}-\\d{2}-\\d{2}$' })) },
  { additionalProperties: false },
);
const RunsQuery = Type.Object({
  schedule: Type.Optional(Type.String({ pattern: '^[a-z0-9][a-z0-9-]{0,63}$' })),
  alerts: Type.Optional(Type.Boolean({ description: 'Only statement-missing and failed days' })),
  limit: Type.Optional(Type.Integer({ minimum: 1, maximum: 1000 })),
});

const wire = (v: unknown) => JSON.parse(JSON.stringify(v));

export function scheduleRoutes(app: App, ctx: ServerContext): void {
  const api = routes(app, ['schedules']);
  const ports = (): ScheduleConfigPorts => ({
    store: ctx.deps.store,
    db: ctx.options.database.db,
    ...(ctx.options.scheduleQueue ? { queue: ctx.options.scheduleQueue } : {}),
  });
  const stateAnswer = (s: Awaited<ReturnType<typeof setSchedule>>) =>
    wire({ status: s.status, changes: s.changes, spec: s.spec });

  api.get(
    '/v1/schedules',
    'read',
    "The hospital's auto-reconciliation schedules",
    { 200: Type.Array(Open) },
    async (c) => wire(await schedules(ports(), c.hospitalId)),
  );
  api.get(
    '/v1/schedules/runs',
    'read',
    'Scheduled days, newest first (alerts=true: statement missing or failed)',
    {
      querystring: RunsQuery,
      200: Type.Array(Open),
    },
    async (c, req) =>
      wire(
        await scheduleRuns(ports(), {
          hospitalId: c.hospitalId,
          ...(req.query.schedule !== undefined ? { scheduleId: req.query.schedule } : {}),
          ...(req.query.alerts !== undefined ? { alerts: req.query.alerts } : {}),
          ...(req.query.limit !== undefined ? { limit: req.query.limit } : {}),
        }),
      ),
  );
  /** A change to one schedule that takes the administrator's reason (pause, remove). */
  const withReason = (
    method: 'post' | 'delete',
    path: string,
    summary: string,
    change: typeof pauseSchedule,
  ) =>
    api[method](path, 'admin', summary, { params: IdParams, body: Reason, 200: Open }, async (c, req) =>
      stateAnswer(await change(ports(), c.hospitalId, c.actor, req.params.id, req.body.reason)),
    );
  api.put(
    '/v1/schedules/:id',
    'admin',
    'Create or change a schedule',
    {
      params: IdParams,
      body: ScheduleBody,
      200: Open,
    },
    async (c, req) => {
      return stateAnswer(
        await setSchedule(ports(), c.hospitalId, c.actor, { ...req.body, scheduleId: req.params.id }),
      );
    },
  );
  withReason('post', '/v1/schedules/:id/pause', 'Pause a schedule (with a reason)', pauseSchedule);
  api.post(
    '/v1/schedules/:id/resume',
    'admin',
    'Resume a paused schedule',
    { params: IdParams, 200: Open },
    async (c, req) => {
      return stateAnswer(await resumeSchedule(ports(), c.hospitalId, c.actor, req.params.id));
    },
  );
  withReason('delete', '/v1/schedules/:id', 'Remove a schedule (with a reason)', removeSchedule);
  api.post(
    '/v1/schedules/:id/run',
    'admin',
    'Run a schedule now, for its usual day or a given past day (safe to repeat); answers the job',
    { params: IdParams, body: RunBody, 202: Open },
    async (c, req) => {
      const queue = ctx.options.scheduleQueue;
      if (!queue)
        throw refuseSchedule('QUEUE_UNAVAILABLE', { reason: 'no REDIS_URL: no worker queue is configured' });
      const jobId = await runScheduleNow(
        { ...ports(), queue },
        c.hospitalId,
        req.params.id,
        req.body?.businessDate,
      );
      return { jobId };
    },
  );
}
