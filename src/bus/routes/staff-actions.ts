// The auditor's list of staff actions (/v1/audit/staff-actions): every event a staff user of the caller's
// hospital caused, with when and from which address, filtered by user and time, a page at a time.
import { listStaffActions } from '../../app/staff/actions.ts';
import type { App, ServerContext } from '../server.ts';
import { ActionsAnswer, ActionsQuery } from '../staff-schemas.ts';
import { routes } from '../route.ts';

export function staffActionRoutes(app: App, ctx: ServerContext): void {
  const api = routes(app, ['audit']);
  api.get(
    '/v1/audit/staff-actions',
    'audit',
    "What staff did in the caller's hospital: every event a staff user caused (account changes, sign-ins, failures, lock-outs, commands), with when and the client address",
    { querystring: ActionsQuery, 200: ActionsAnswer },
    async (c, req) => {
      const q = req.query;
      const page = await listStaffActions(ctx.deps.db, {
        hospitalId: c.hospitalId,
        ...(q.user !== undefined ? { user: q.user } : {}),
        ...(q.from !== undefined ? { from: new Date(q.from) } : {}),
        ...(q.to !== undefined ? { to: new Date(q.to) } : {}),
        ...(q.cursor !== undefined ? { cursor: q.cursor } : {}),
        ...(q.limit !== undefined ? { limit: Number(q.limit) } : {}),
      });
      return {
        nextCursor: page.nextCursor,
        actions: page.actions.map((a) => ({
          ...a,
          position: a.position.toString(),
          occurredAt: a.occurredAt.toISOString(),
          recordedAt: a.recordedAt.toISOString(),
        })),
      };
    },
  );
}
