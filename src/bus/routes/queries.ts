// List queries served from read models (projections). They are eventually consistent: every answer says
// which event position it reflects and how far the projection lags the store (GET /v1/projections too).
import type { FastifyRequest } from 'fastify';
import { Type } from 'typebox';
import { PatientId } from '../../domain/ids.ts';
import { allProjections, liveSchema } from '../../projections/index.ts';
import {
  DEPOSITS,
  HIS_SYNC,
  HIS_SYNC_STATUSES,
  hisSyncList,
  ORDERS,
  patientDeposits,
  patientOrders,
  readModelFreshness as freshness,
} from '../../projections/queries.ts';
import { reactionStatuses } from '../../app/reactions/runtime.ts';
import { requireHospitalRead } from '../grants.ts';
import { PageQuery, PatientParams } from '../schemas.ts';
import { type App, requestContext, type ServerContext } from '../server.ts';
import { route, routes } from '../route.ts';

export const DEFAULT_PAGE_ROWS = 100;
export const MAX_PAGE_ROWS = 500;

export function pageLimit(limit: string | undefined): number {
  return Math.min(MAX_PAGE_ROWS, limit === undefined ? DEFAULT_PAGE_ROWS : Number(limit));
}

/**
 * Position a read model (its schema, e.g. ORDERS.schema) reflects and its lag; `head` may be passed in when
 * several are reported at once.
 */
export async function readModelFreshness(ctx: ServerContext, schema: string, head?: bigint) {
  const top = head ?? (await ctx.deps.store.headPosition());
  const f = await freshness(ctx.options.database.db, schema, top);
  return { asOfPosition: f.position.toString(), lag: f.lag.toString() };
}

const Listing = Type.Object({}, { additionalProperties: true });

export function queryRoutes(app: App, ctx: ServerContext): void {
  const api = routes(app, ['his']);
  const db = () => ctx.options.database.db;

  /** A patient's page of a hospital-wide read: the caller must read the whole hospital. */
  const patientPage = (req: FastifyRequest) => {
    const c = requestContext(req);
    requireHospitalRead(c.principal);
    const params = req.params as { patientId: string };
    const query = req.query as { limit?: string };
    return {
      hospitalId: c.hospitalId,
      patientId: PatientId(params.patientId),
      limit: pageLimit(query.limit),
    };
  };

  app.get(
    '/v1/patients/:patientId/orders',
    route(
      'read',
      ['queries'],
      "A patient's orders with what was paid and refunded on each (read model: eventually consistent)",
      { params: PatientParams, querystring: PageQuery, 200: Listing },
    ),
    async (req) => {
      const rows = await patientOrders(db(), patientPage(req));
      const orders = rows.map((r) => ({
        ...r,
        amount: r.amount.toString(),
        paid: r.paid.toString(),
        surplus: r.surplus.toString(),
        refundRequested: r.refundRequested.toString(),
        refunded: r.refunded.toString(),
        createdAt: r.createdAt.toISOString(),
        paidAt: r.paidAt?.toISOString() ?? null,
      }));
      return { patientId: req.params.patientId, orders, ...(await readModelFreshness(ctx, ORDERS.schema)) };
    },
  );

  app.get(
    '/v1/patients/:patientId/deposits',
    route('read', ['queries'], "A patient's deposit accounts (read model: eventually consistent)", {
      params: PatientParams,
      querystring: PageQuery,
      200: Listing,
    }),
    async (req) => {
      const rows = await patientDeposits(db(), patientPage(req));
      return {
        patientId: req.params.patientId,
        deposits: rows.map((r) => ({
          ...r,
          toppedUp: r.toppedUp.toString(),
          applied: r.applied.toString(),
          refunded: r.refunded.toString(),
          balance: r.balance.toString(),
        })),
        ...(await readModelFreshness(ctx, DEPOSITS.schema)),
      };
    },
  );

  api.get(
    '/v1/his-sync',
    'read',
    'Paid orders not (yet) confirmed by the HIS: pending / failed / needs-refund (read model)',
    {
      querystring: Type.Object(
        {
          status: Type.Optional(Type.Union(HIS_SYNC_STATUSES.map((s) => Type.Literal(s)))),
          limit: PageQuery.properties.limit,
        },
        { additionalProperties: false },
      ),
      200: Listing,
    },
    async (c, req) => {
      requireHospitalRead(c.principal);
      const rows = await hisSyncList(db(), {
        hospitalId: c.hospitalId,
        ...(req.query.status ? { statuses: [req.query.status] } : {}),
        limit: pageLimit(req.query.limit),
      });
      return {
        orders: rows.map((r) => ({ ...r, amount: r.amount.toString(), paidAt: r.paidAt.toISOString() })),
        ...(await readModelFreshness(ctx, HIS_SYNC.schema)),
      };
    },
  );

  app.get(
    '/v1/projections',
    route(
      'read',
      ['ops'],
      'Read-model freshness: position applied and lag behind the event store, per projection',
      { 200: Listing },
    ),
    async () => {
      // Every read model (reconciliation's included), against one head read.
      const head = await ctx.deps.store.headPosition();
      const projections = await Promise.all(
        allProjections().map(async (p) => ({
          name: p.name,
          ...(await readModelFreshness(ctx, liveSchema(p), head)),
        })),
      );
      const runners = await Promise.all(
        (ctx.options.projections ?? []).map(async (r) => {
          const s = await r.status();
          return { name: s.name, leader: s.leader, lag: s.lag.toString() };
        }),
      );
      // Reactions beside the projections: how far they have recorded, and the work still to carry out.
      const reactions = (await reactionStatuses(ctx.deps)).map((r) => ({
        name: r.name,
        version: r.version,
        asOfPosition: r.position.toString(),
        lag: r.lag.toString(),
        work: { ...r.work, nextDueAt: r.work.nextDueAt?.toISOString() ?? null },
      }));
      return { projections, runners, reactions };
    },
  );
}
