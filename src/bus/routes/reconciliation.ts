// Reconciliation for finance staff: run it for a date or a range, the days with their state and summary, the
// discrepancy worklist (filters, sorting, cursor pages), one discrepancy with the three parties side by side,
// and the work on it (assign, comment, propose a resolution, approve or reject as the checker, accept timing
// items in bulk), closing and reopening a day. Every route is the caller's hospital only; the use cases are the
// ones the CLI calls.
import { type TObject, Type } from 'typebox';
import {
  acceptTimingItems,
  approveResolution,
  assignDiscrepancy,
  closeDay,
  commentOnDiscrepancy,
  type DayRef,
  MAX_BULK_ITEMS,
  type ReconciliationPorts,
  rejectResolution,
  reopenDay,
  resolveDiscrepancy,
} from '../../app/reconciliation/index.ts';
import {
  discrepancyDetail,
  listDays,
  listWorklist,
  reconcileDates,
  showDay,
} from '../../app/reconciliation/worklist.ts';
import { pick } from '../../domain/pick.ts';
import type { DiscrepancyState } from '../../domain/reconciliation/discrepancy.ts';
import { RESOLUTION_ACTIONS } from '../../domain/reconciliation/events.ts';
import { DISCREPANCY_TYPES } from '../../domain/reconciliation/types.ts';
import { DISCREPANCY_SORTS } from '../../projections/reconciliation/worklist.ts';
import { ChannelIdSchema, MoneySchema } from '../schemas.ts';
import { type App, requestContext, type ServerContext } from '../server.ts';
import { intradayDay, intradayDays } from '../../app/intraday-checks.ts';
import { ApiError } from '../errors.ts';
import { route, routes } from '../route.ts';

const DateQ = Type.String({ pattern: '^\\d{4}-\\d{2}-\\d{2}$', description: 'YYYY-MM-DD' });
const Loose = Type.Object({}, { additionalProperties: true });
const StaffName = Type.String({ pattern: '^[A-Za-z0-9_.:@-]{1,128}$', description: 'A staff user id' });
const DiscrepancyParams = Type.Object({
  id: Type.String({ pattern: '^[0-9a-f]{32}$', description: 'Discrepancy id' }),
});
const DayParams = Type.Object({ channel: ChannelIdSchema, date: DateQ });
/** A reason's schema lets an empty or missing one through: the domain refuses it with its own code. */
const Reason = Type.Optional(Type.String({ maxLength: 2_000, description: 'Why (required)' }));
const STATUSES = ['open', 'assigned', 'proposed', 'resolved', 'auto-resolved', 'unresolved'] as const;

const opt = <K extends string, V>(key: K, v: V | undefined): { [P in K]?: V } =>
  (v === undefined ? {} : { [key]: v }) as { [P in K]?: V };

/** A discrepancy's state as answered after an action. */
function stateAnswer(s: DiscrepancyState) {
  return pick(
    s,
    'discrepancyId',
    'status',
    'type',
    'channel',
    'businessDate',
    'subject',
    'amount',
    'assignee',
    'proposal',
    'approvedBy',
    'resolvedBy',
  );
}

/** Positions are bigints in code, decimal strings on the wire. */
function wire(value: unknown): unknown {
  return JSON.parse(JSON.stringify(value, (_k, v) => (typeof v === 'bigint' ? v.toString() : v)));
}

/** The business-date options the bus was configured with, as the use cases take them. */
const dateOptionsOf = (ctx: ServerContext) =>
  ctx.options.dateOptions ? { dateOptions: ctx.options.dateOptions } : {};

/** The reconciliation use cases' ports: the bus's store and database, with its business-date options. */
export function reconciliationPorts(ctx: ServerContext): ReconciliationPorts {
  return { store: ctx.deps.store, db: ctx.deps.db, ...dateOptionsOf(ctx) };
}

export function reconciliationRoutes(app: App, ctx: ServerContext): void {
  const api = routes(app, ['reconciliation']);
  const ports = () => reconciliationPorts(ctx);
  const badRange = (e: unknown, field: string): never => {
    if (e instanceof RangeError) throw new ApiError('VALIDATION_FAILED', { field, reason: e.message });
    throw e;
  };

  api.post(
    '/v1/reconciliations',
    'finance-work',
    'Reconcile a date (or a range up to 31 days) for one channel or every channel with a statement imported for it',
    {
      body: Type.Object(
        {
          date: DateQ,
          to: Type.Optional(DateQ),
          channel: Type.Optional(ChannelIdSchema),
          feeRates: Type.Optional(
            Type.Record(
              Type.String({ pattern: '^[a-z][a-z0-9-]{0,31}$' }),
              Type.String({ pattern: '^0(\\.[0-9]{1,6})?$' }),
              {
                description: 'Agreed fee rate per channel ("0.006"); without one, fees are not checked',
              },
            ),
          ),
        },
        { additionalProperties: false },
      ),
      200: Loose,
    },
    async (c, req) => {
      const b = req.body;
      const r = await reconcileDates(ports(), {
        hospitalId: c.hospitalId,
        from: b.date,
        actor: c.actor,
        at: ctx.deps.now(),
        ...opt('to', b.to),
        ...opt('channel', b.channel),
        ...(b.feeRates ? { config: { feeRates: b.feeRates } } : {}),
      }).catch((e) => badRange(e, 'body.to'));
      return {
        days: r.reports.map((x) => ({
          channel: x.channel,
          businessDate: x.businessDate,
          runId: x.runId,
          state: x.state,
          matched: x.matched,
          timing: x.timing,
          byType: x.byType,
          parties: x.parties,
          findings: x.findings.length,
          discrepancies: x.discrepancies,
        })),
      };
    },
  );

  api.get(
    '/v1/days',
    'finance-read',
    'Reconciliation days of a date range (default: one date) per channel: state, matched, per category, open and resolved discrepancies, amounts',
    {
      querystring: Type.Object(
        {
          from: DateQ,
          to: Type.Optional(DateQ),
          channel: Type.Optional(ChannelIdSchema),
          state: Type.Optional(Type.Union(['balanced', 'open', 'closed'].map((s) => Type.Literal(s)))),
        },
        { additionalProperties: false },
      ),
      200: Loose,
    },
    async (c, req) => {
      const q = req.query;
      const days = await listDays(ports(), {
        hospitalId: c.hospitalId,
        from: q.from,
        ...opt('to', q.to),
        ...opt('channel', q.channel),
        ...opt('state', q.state),
      }).catch((e) => badRange(e, 'querystring.to'));
      // What the intraday checks already settled on each of these days (多时点对账), beside its reconciliation.
      const intraday = await intradayDays(ctx.deps, {
        hospitalId: c.hospitalId,
        days: days.map((d) => ({ channel: d.channel, businessDate: d.business_date })),
        ...dateOptionsOf(ctx),
      });
      return { days: days.map((d, i) => ({ ...d, intraday: intraday[i] })) };
    },
  );

  api.get(
    '/v1/days/:channel/:date',
    'finance-read',
    "One channel's day: its summary (read model) and its state from its stream",
    { params: DayParams, 200: Loose },
    async (c, req) => {
      const day = { hospitalId: c.hospitalId, channel: req.params.channel, businessDate: req.params.date };
      const v = await showDay(ports(), day);
      const intraday = await intradayDay(ctx.deps, { ...day, ...dateOptionsOf(ctx) });
      return { day: v.row ?? null, state: v.state, intraday };
    },
  );

  /** Closing or reopening a channel's day, by the caller now; answers the day and its state after. */
  const dayChange = (
    verb: 'close' | 'reopen',
    summary: string,
    body: TObject | undefined,
    change: (day: DayRef, reason: string) => Promise<unknown>,
  ) =>
    api.post(
      `/v1/days/:channel/:date/${verb}`,
      'finance-work',
      summary,
      { params: DayParams, ...(body ? { body } : {}), 200: Loose },
      async (c, req) => {
        const { channel, date } = req.params;
        const day = {
          hospitalId: c.hospitalId,
          channel,
          businessDate: date,
          by: c.actor.id,
          at: ctx.deps.now(),
        };
        const state = await change(day, (req.body as { reason?: string } | undefined)?.reason ?? '');
        return { channel, businessDate: date, state };
      },
    );

  dayChange(
    'close',
    'Close the day (refused while a discrepancy of its last run is open); its summary becomes an event',
    undefined,
    (day) => closeDay(ports(), day),
  );
  dayChange(
    'reopen',
    'Reopen a closed day, with a reason (recorded as an event)',
    Type.Object({ reason: Reason }, { additionalProperties: false }),
    (day, reason) => reopenDay(ports(), { ...day, reason }),
  );

  api.get(
    '/v1/discrepancies',
    'finance-read',
    'The discrepancy worklist: filters (dates, channel, type, status, amount range, assignee, order/refund/transaction id), sorting, cursor pages',
    {
      querystring: Type.Object(
        {
          from: Type.Optional(DateQ),
          to: Type.Optional(DateQ),
          channel: Type.Optional(ChannelIdSchema),
          type: Type.Optional(Type.Union(DISCREPANCY_TYPES.map((t) => Type.Literal(t)))),
          status: Type.Optional(Type.Union(STATUSES.map((t) => Type.Literal(t)))),
          minAmount: Type.Optional(MoneySchema),
          maxAmount: Type.Optional(MoneySchema),
          assignee: Type.Optional(StaffName),
          ref: Type.Optional(
            Type.String({
              pattern: '^[A-Za-z0-9_.:-]{1,128}$',
              description: 'Order, refund or transaction id',
            }),
          ),
          sort: Type.Optional(Type.Union(DISCREPANCY_SORTS.map((t) => Type.Literal(t)))),
          order: Type.Optional(Type.Union([Type.Literal('asc'), Type.Literal('desc')])),
          limit: Type.Optional(Type.String({ pattern: '^[1-9][0-9]{0,2}$', description: 'Rows, 1..500' })),
          cursor: Type.Optional(
            Type.String({ pattern: '^[A-Za-z0-9_-]{1,512}$', description: 'From `next`' }),
          ),
        },
        { additionalProperties: false },
      ),
      200: Loose,
    },
    async (c, req) => {
      const q = req.query;
      const page = await listWorklist(ports(), {
        hospitalId: c.hospitalId,
        ...opt('from', q.from),
        ...opt('to', q.to),
        ...opt('channel', q.channel),
        ...opt('type', q.type),
        ...opt('status', q.status),
        ...opt('minAmount', q.minAmount),
        ...opt('maxAmount', q.maxAmount),
        ...opt('assignee', q.assignee),
        ...opt('ref', q.ref),
        ...opt('sort', q.sort),
        ...(q.order === 'desc' ? { descending: true } : {}),
        ...(q.limit !== undefined ? { limit: Number(q.limit) } : {}),
        ...opt('cursor', q.cursor),
      }).catch((e) => badRange(e, 'querystring.cursor'));
      return { discrepancies: page.rows, next: page.next };
    },
  );

  api.get(
    '/v1/discrepancies/:id',
    'finance-read',
    'One discrepancy: its state and history, the three parties side by side (platform movements, the channel line raw and normalized, the HIS line and writeback) and the order’s whole event history',
    { params: DiscrepancyParams, 200: Loose },
    async (c, req) => wire(await discrepancyDetail(ports(), c.hospitalId, req.params.id)),
  );

  const action = (
    url: string,
    summary: string,
    access: 'finance-work' | 'finance-check',
    body: ReturnType<typeof Type.Object>,
    run: (
      ref: { hospitalId: string; discrepancyId: string; by: string; at: Date },
      body: Record<string, string | undefined>,
      role: string,
    ) => Promise<DiscrepancyState>,
  ) =>
    app.post(
      url,
      route(access, ['reconciliation'], summary, { params: DiscrepancyParams, body, 200: Loose }),
      async (req) => {
        const c = requestContext(req);
        const { id } = req.params as { id: string };
        const s = await run(
          { hospitalId: c.hospitalId, discrepancyId: id, by: c.actor.id, at: ctx.deps.now() },
          (req.body ?? {}) as Record<string, string | undefined>,
          c.principal.role,
        );
        return stateAnswer(s);
      },
    );

  action(
    '/v1/discrepancies/:id/assign',
    'Assign the discrepancy to a finance user',
    'finance-work',
    Type.Object({ assignee: StaffName }, { additionalProperties: false }),
    (ref, b) => assignDiscrepancy(ports(), { ...ref, assignee: b.assignee! }),
  );
  action(
    '/v1/discrepancies/:id/comments',
    'Add a comment to the discrepancy’s history',
    'finance-work',
    Type.Object({ text: Type.Optional(Type.String({ maxLength: 4_000 })) }, { additionalProperties: false }),
    (ref, b) => commentOnDiscrepancy(ports(), { ...ref, text: b.text ?? '' }),
  );
  action(
    '/v1/discrepancies/:id/resolution',
    'Propose a resolution with a reason: accept and repush-his resolve at once; refund-patient, adjusting-entry and write-off wait for a supervisor’s approval',
    'finance-work',
    Type.Object(
      { action: Type.Union(RESOLUTION_ACTIONS.map((a) => Type.Literal(a))), reason: Reason },
      { additionalProperties: false },
    ),
    (ref, b) =>
      resolveDiscrepancy(ports(), {
        ...ref,
        action: b.action as (typeof RESOLUTION_ACTIONS)[number],
        reason: b.reason ?? '',
      }),
  );
  action(
    '/v1/discrepancies/:id/approve',
    'Approve a money-moving resolution (a supervisor other than its proposer): posts its entry and resolves',
    'finance-check',
    Type.Object({}, { additionalProperties: false }),
    (ref, _b, role) => approveResolution(ports(), { ...ref, role }),
  );
  action(
    '/v1/discrepancies/:id/reject',
    'Send a money-moving resolution back, with a reason (a supervisor other than its proposer)',
    'finance-check',
    Type.Object({ reason: Reason }, { additionalProperties: false }),
    (ref, b, role) => rejectResolution(ports(), { ...ref, reason: b.reason ?? '', role }),
  );

  api.post(
    '/v1/discrepancies/accept-timing',
    'finance-work',
    'Accept one-sided items (channel only / platform only) as timing differences, all or none, with one reason',
    {
      body: Type.Object(
        {
          ids: Type.Array(Type.String({ pattern: '^[0-9a-f]{32}$' }), {
            minItems: 1,
            maxItems: MAX_BULK_ITEMS,
          }),
          reason: Reason,
        },
        { additionalProperties: false },
      ),
      200: Loose,
    },
    async (c, req) => {
      const states = await acceptTimingItems(ports(), {
        hospitalId: c.hospitalId,
        discrepancyIds: req.body.ids,
        reason: req.body.reason ?? '',
        by: c.actor.id,
        at: ctx.deps.now(),
      });
      return { accepted: states.map(stateAnswer) };
    },
  );
}
