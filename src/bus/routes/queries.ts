// List queries served from read models (projections). They are eventually consistent: every answer says
// which event position it reflects and how far the projection lags the store (GET /v1/projections too).
import { sql } from 'kysely';
import { Type } from 'typebox';
import { PatientId } from '../../domain/ids.ts';
import { readCheckpoint } from '../../projections/checkpoint.ts';
import { allProjections } from '../../projections/index.ts';
import { reactionStatuses } from '../../app/reactions/runtime.ts';
import { errorResponses, PageQuery, PatientParams } from '../schemas.ts';
import { type App, requestContext, type ServerContext } from '../server.ts';

export const DEFAULT_PAGE_ROWS = 100;
export const MAX_PAGE_ROWS = 500;

export function pageLimit(limit: string | undefined): number {
  return Math.min(MAX_PAGE_ROWS, limit === undefined ? DEFAULT_PAGE_ROWS : Number(limit));
}

/** Position a read model reflects and its lag; `head` may be passed in when several are reported at once. */
export async function readModelFreshness(ctx: ServerContext, projection: string, head?: bigint) {
  const position = (await readCheckpoint(ctx.options.database.db, `rm_${projection}`)) ?? 0n;
  const top = head ?? (await ctx.deps.store.headPosition());
  return { asOfPosition: position.toString(), lag: (top > position ? top - position : 0n).toString() };
}

const Listing = Type.Object({}, { additionalProperties: true });

export function queryRoutes(app: App, ctx: ServerContext): void {
  const db = () => ctx.options.database.db;

  app.get(
    '/v1/patients/:patientId/orders',
    {
      config: { access: 'read' },
      schema: {
        tags: ['queries'],
        summary:
          "A patient's orders with what was paid and refunded on each (read model: eventually consistent)",
        params: PatientParams,
        querystring: PageQuery,
        response: { ...errorResponses, 200: Listing },
      },
    },
    async (req) => {
      const c = requestContext(req);
      const { rows } = await sql<
        Record<string, unknown>
      >`SELECT order_id, kind, admission_id, amount::text AS amount,
          paid::text AS paid, surplus::text AS surplus, refund_requested::text AS refund_requested,
          refunded::text AS refunded, status, channel, channel_txn_id, his_synced, created_at, paid_at
        FROM rm_orders.orders WHERE hospital_id = ${c.hospitalId} AND patient_id = ${PatientId(req.params.patientId)}
        ORDER BY created_at DESC, order_id LIMIT ${pageLimit(req.query.limit)}`.execute(db());
      const orders = rows.map((r) => ({
        orderId: r.order_id,
        kind: r.kind,
        admissionId: r.admission_id,
        amount: r.amount,
        paid: r.paid,
        surplus: r.surplus,
        refundRequested: r.refund_requested,
        refunded: r.refunded,
        status: r.status,
        channel: r.channel,
        channelTxnId: r.channel_txn_id,
        hisSynced: r.his_synced,
        createdAt: new Date(r.created_at as string).toISOString(),
        paidAt: r.paid_at ? new Date(r.paid_at as string).toISOString() : null,
      }));
      return { patientId: req.params.patientId, orders, ...(await readModelFreshness(ctx, 'orders')) };
    },
  );

  app.get(
    '/v1/patients/:patientId/deposits',
    {
      config: { access: 'read' },
      schema: {
        tags: ['queries'],
        summary: "A patient's deposit accounts (read model: eventually consistent)",
        params: PatientParams,
        querystring: PageQuery,
        response: { ...errorResponses, 200: Listing },
      },
    },
    async (req) => {
      const c = requestContext(req);
      const { rows } = await sql<Record<string, unknown>>`SELECT admission_id, topped_up::text AS topped_up,
          applied::text AS applied, refunded::text AS refunded, balance::text AS balance, top_ups, status
        FROM rm_deposits.deposit_balances WHERE hospital_id = ${c.hospitalId} AND patient_id = ${PatientId(req.params.patientId)}
        ORDER BY admission_id LIMIT ${pageLimit(req.query.limit)}`.execute(db());
      return {
        patientId: req.params.patientId,
        deposits: rows.map((r) => ({
          admissionId: r.admission_id,
          toppedUp: r.topped_up,
          applied: r.applied,
          refunded: r.refunded,
          balance: r.balance,
          topUps: Number(r.top_ups),
          status: r.status,
        })),
        ...(await readModelFreshness(ctx, 'deposits')),
      };
    },
  );

  app.get(
    '/v1/his-sync',
    {
      config: { access: 'read' },
      schema: {
        tags: ['his'],
        summary: 'Paid orders not (yet) confirmed by the HIS: pending / failed / needs-refund (read model)',
        querystring: Type.Object(
          {
            status: Type.Optional(
              Type.Union(
                ['pending', 'failed', 'synced', 'needs-refund', 'refunded'].map((s) => Type.Literal(s)),
              ),
            ),
            limit: PageQuery.properties.limit,
          },
          { additionalProperties: false },
        ),
        response: { ...errorResponses, 200: Listing },
      },
    },
    async (req) => {
      const c = requestContext(req);
      const statuses = req.query.status ? [req.query.status] : ['pending', 'failed', 'needs-refund'];
      const { rows } = await sql<
        Record<string, unknown>
      >`SELECT order_id, channel, channel_txn_id, amount::text AS amount,
          status, attempts, last_error, his_receipt_id, paid_at
        FROM rm_his_sync.his_sync_status WHERE hospital_id = ${c.hospitalId} AND status = ANY(${statuses})
        ORDER BY paid_at LIMIT ${pageLimit(req.query.limit)}`.execute(db());
      return {
        orders: rows.map((r) => ({
          orderId: r.order_id,
          channel: r.channel,
          channelTxnId: r.channel_txn_id,
          amount: r.amount,
          status: r.status,
          attempts: Number(r.attempts),
          lastError: r.last_error,
          hisReceiptId: r.his_receipt_id,
          paidAt: new Date(r.paid_at as string).toISOString(),
        })),
        ...(await readModelFreshness(ctx, 'his_sync')),
      };
    },
  );

  app.get(
    '/v1/projections',
    {
      config: { access: 'read' },
      schema: {
        tags: ['ops'],
        summary: 'Read-model freshness: position applied and lag behind the event store, per projection',
        response: { ...errorResponses, 200: Listing },
      },
    },
    async () => {
      // Every read model (reconciliation's included), against one head read.
      const head = await ctx.deps.store.headPosition();
      const projections = await Promise.all(
        allProjections().map(async (p) => ({
          name: p.name,
          ...(await readModelFreshness(ctx, p.name, head)),
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
