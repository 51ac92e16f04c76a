// Read-only routes for auditors: the same use case as `ledger audit trace`, scoped to the caller's hospital.
import { Type } from 'typebox';
import { traceId } from '../../app/audit/trace.ts';
import { errorResponses } from '../schemas.ts';
import { type App, requestContext, type ServerContext } from '../server.ts';

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

export function auditRoutes(app: App, ctx: ServerContext): void {
  app.get(
    '/v1/audit/trace/:id',
    {
      config: { access: 'audit' },
      schema: {
        tags: ['audit'],
        summary:
          'Every event about an order, payment, refund, statement line or discrepancy, with the journal entry each money event posts (computed from the events) and the discrepancies and statement lines that mention it',
        params: TraceParams,
        response: { ...errorResponses, 200: TraceAnswer },
      },
    },
    async (req) => {
      const c = requestContext(req);
      return wire(await traceId(ctx.options.database, ctx.deps.store, req.params.id, c.hospitalId));
    },
  );
}
