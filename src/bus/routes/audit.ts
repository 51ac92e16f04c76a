// Read-only routes for auditors: the same use cases as `ledger audit trace | verify | replay`, scoped to the
// caller's hospital where the answer holds its data (trace, replay); verify checks the whole log, as a chain
// is only whole across hospitals, and names another hospital's stream only by its position.
import { Type } from 'typebox';
import { replayAsOf } from '../../app/audit/replay.ts';
import { traceId } from '../../app/audit/trace.ts';
import { verifyEvents } from '../../adapters/event-store/integrity.ts';
import { ApiError } from '../errors.ts';
import type { App, ServerContext } from '../server.ts';
import { routes } from '../route.ts';

const TraceParams = Type.Object({
  id: Type.String({
    pattern: '^[A-Za-z0-9_.:-]{1,200}$',
    description:
      'An order id, a channel transaction id, a refund id, a statement line (<12 hex of the statement id>:<line no>) or a discrepancy id',
  }),
});

const TraceAnswer = Type.Object({}, { additionalProperties: true });

/** Positions are bigints in code, decimal strings on the wire. */
function wire(value: unknown): unknown {
  return JSON.parse(JSON.stringify(value, (_k, v) => (typeof v === 'bigint' ? v.toString() : v)));
}

const ReplayQuery = Type.Object({
  asOf: Type.String({
    pattern: '^\\d{4}-\\d{2}-\\d{2}T[0-9:.]+(Z|[+-]\\d{2}:\\d{2})$',
    description: 'The instant (ISO-8601): the figures as the ledger knew them then',
  }),
});

export function auditRoutes(app: App, ctx: ServerContext): void {
  const api = routes(app, ['audit']);
  api.get(
    '/v1/audit/verify',
    'audit',
    'Recompute every hash chain, seal and stream row of the event log: ok, or the first broken position and why (as `ledger audit verify`; the anchors outside the database are checked by the command)',
    { 200: TraceAnswer },
    async (c) => {
      const report = await verifyEvents(ctx.options.database);
      const problem = report.problem;
      const own = problem?.streamId === undefined || problem.streamId.startsWith(`${c.hospitalId}/`);
      return wire({
        ...report,
        ...(problem
          ? { problem: own ? problem : { position: problem.position, reason: problem.reason } }
          : {}),
      });
    },
  );

  api.get(
    '/v1/audit/replay',
    'audit',
    "The hospital's account balances, orders and reconciliation (days, discrepancies) as of an instant, rebuilt from the events up to the last position recorded by then (as `ledger audit replay`)",
    { querystring: ReplayQuery, 200: TraceAnswer },
    async (c, req) => {
      const asOf = new Date(req.query.asOf);
      // The store records wall-clock time: an instant still to come has no figures yet.
      if (Number.isNaN(asOf.getTime()) || asOf.getTime() > Date.now())
        throw new ApiError('VALIDATION_FAILED', { field: 'asOf', reason: 'a past instant' });
      const r = await replayAsOf({
        db: ctx.options.database.db,
        store: ctx.deps.store,
        asOf,
        hospitalId: c.hospitalId,
      });
      return wire({
        asOf: r.asOf.toISOString(),
        position: r.position,
        balances: r.balances,
        orders: r.orders,
        reconciliation: r.reconciliation,
      });
    },
  );

  api.get(
    '/v1/audit/trace/:id',
    'audit',
    'Every event about an order, payment, refund, statement line or discrepancy, with the journal entry each money event posts (computed from the events) and the discrepancies and statement lines that mention it',
    { params: TraceParams, 200: TraceAnswer },
    async (c, req) => {
      return wire(await traceId(ctx.options.database, ctx.deps.store, req.params.id, c.hospitalId));
    },
  );
}
