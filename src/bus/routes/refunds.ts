// Refunds that choose their route (原路退回): preview a plan over the original payments, plan it (the legs then
// run as a reaction), approve a fallback leg (a supervisor other than the planner), and follow each leg.
// Thin: schema → use case → answer; the route rules are the domain's (src/domain/refund).
import { Type } from 'typebox';
import {
  approveRefundLeg,
  hospitalRefundPolicy,
  importBankReturns,
  loadRefundPlan,
  planRefundRoute,
  previewRefundPlan,
  type RefundPlanRequest,
  recordRefundLegBounce,
  rerouteRefundLeg,
  setRefundPolicy,
} from '../../app/refunds.ts';
import { Money } from '../../domain/money.ts';
import {
  type FallbackRoute,
  owedOf,
  type PlannedLeg,
  type RefundPlanState,
  type RefundPolicy,
} from '../../domain/refund/index.ts';
import { refuse } from '../../domain/refund/refusals.ts';
import { MoneySchema } from '../schemas.ts';
import type { App, RequestContext, ServerContext } from '../server.ts';
import { routes } from '../route.ts';

const Id = Type.String({ pattern: '^[A-Za-z0-9_.:-]{1,128}$' });
const PlanId = Type.String({ pattern: '^[A-Za-z0-9_-]{1,48}$' });
const Target = Type.Union([
  Type.Object({ kind: Type.Literal('order'), orderId: Id }, { additionalProperties: false }),
  Type.Object({ kind: Type.Literal('deposit'), admissionId: Id }, { additionalProperties: false }),
]);
const IDENTITY_METHODS = ['id-card', 'insurance-card', 'face', 'app-login', 'staff-check'] as const;
const PlanFields = {
  target: Target,
  amount: MoneySchema,
  /** A bank account of the patient's, checked at the counter (masked), for the bank-transfer fallback. */
  payeeAccountRef: Type.Optional(Type.String({ pattern: '^[0-9*]{4,40}$' })),
  /** Payments whose account can no longer take money back (card cancelled), by channel transaction id. */
  closedRoutes: Type.Optional(Type.Array(Id, { maxItems: 200 })),
};
const PreviewBody = Type.Object(PlanFields, { additionalProperties: false });
const PlanBody = Type.Object(
  {
    ...PlanFields,
    planId: PlanId,
    reason: Type.String({ minLength: 1, maxLength: 500 }),
    identityMethod: Type.Union(IDENTITY_METHODS.map((m) => Type.Literal(m))),
  },
  { additionalProperties: false },
);
const PlanParams = Type.Object({ planId: PlanId });
const LegParams = Type.Object({ planId: PlanId, legNo: Type.String({ pattern: '^[1-9][0-9]{0,3}$' }) });
const Loose = Type.Object({}, { additionalProperties: true });
// The shape only: which orders, windows and fallbacks are allowed is the domain's rule (validatePolicy), so a
// wrong value is refused with REFUND_PLAN_INVALID naming the field.
const PolicyBody = Type.Object(
  {
    policy: Type.Object(
      {
        order: Type.String({ maxLength: 32 }),
        channelPriority: Type.Optional(Type.Array(Type.String({ maxLength: 32 }), { maxItems: 32 })),
        windowsDays: Type.Record(Type.String({ maxLength: 32 }), Type.Integer()),
        fallbacks: Type.Array(Type.String({ maxLength: 32 }), { maxItems: 8 }),
      },
      { additionalProperties: false },
    ),
    reason: Type.String({ minLength: 1, maxLength: 500 }),
  },
  { additionalProperties: false },
);

type PreviewInput = {
  target: RefundPlanRequest['target'];
  amount: string;
  payeeAccountRef?: string;
  closedRoutes?: string[];
};

/** The leg a leg route names. */
type LegRef = { hospitalId: string; planId: string; legNo: number };

function legView(l: PlannedLeg) {
  return { ...l, amount: l.amount.toString() };
}

function planView(s: RefundPlanState) {
  if (s.status === 'none') throw refuse('REFUND_PLAN_NOT_FOUND', { planId: s.planId });
  return {
    planId: s.planId,
    status: s.status,
    target: s.target,
    amount: s.amount.toString(),
    plannedBy: s.plannedBy,
    /** Still owed to the patient: the amount less what legs paid out and kept (a bounced leg owes again). */
    owed: owedOf(s).toString(),
    legs: s.legs,
  };
}

const BounceBody = Type.Object(
  {
    amount: MoneySchema,
    reason: Type.String({ minLength: 1, maxLength: 500 }),
    bankRef: Type.String({ pattern: '^[A-Za-z0-9_.:/-]{1,64}$' }),
  },
  { additionalProperties: false },
);
const RerouteBody = Type.Object(
  {
    route: Type.Union([Type.Literal('cash-window'), Type.Literal('bank-transfer')]),
    payeeAccountRef: Type.Optional(Type.String({ pattern: '^[0-9*]{4,40}$' })),
  },
  { additionalProperties: false },
);
const ReturnsBody = Type.Object(
  { text: Type.String({ minLength: 1, maxLength: 1_000_000 }) },
  { additionalProperties: false },
);

export function refundRoutes(app: App, ctx: ServerContext): void {
  const api = routes(app, ['refunds']);
  const adminApi = routes(app, ['admin']);
  const request = (
    hospitalId: string,
    by: string,
    b: PreviewInput,
    more: { planId?: string; reason?: string; method?: string },
  ): RefundPlanRequest => ({
    hospitalId,
    planId: more.planId ?? 'preview',
    target: b.target,
    amount: Money.parse(b.amount),
    reason: more.reason ?? 'preview',
    // The staff member who plans the refund is the one who checked the patient's identity at the counter.
    identity: { method: (more.method ?? 'id-card') as (typeof IDENTITY_METHODS)[number], verifiedBy: by },
    payeeAccount: b.payeeAccountRef ? { accountRef: b.payeeAccountRef, verifiedBy: by } : null,
    closedRoutes: b.closedRoutes ?? [],
  });

  api.post(
    '/v1/refund-plans/preview',
    'finance-work',
    'Preview how a refund of an order or a deposit remainder would go back: its legs, routes and approvals',
    { body: PreviewBody, 200: Loose },
    async (c, req) => {
      const legs = await previewRefundPlan(
        ctx.deps,
        request(c.hospitalId, c.actor.id, req.body as PreviewInput, {}),
      );
      return { legs: legs.map(legView) };
    },
  );

  api.post(
    '/v1/refund-plans',
    'finance-work',
    'Plan a refund (原路退回): legs by the original route are sent at once; fallback legs wait for a supervisor',
    { body: PlanBody, 201: Loose },
    async (c, req) => {
      const b = req.body as PreviewInput & { planId: string; reason: string; identityMethod: string };
      const r = await planRefundRoute(
        ctx.deps,
        request(c.hospitalId, c.actor.id, b, {
          planId: b.planId,
          reason: b.reason,
          method: b.identityMethod,
        }),
        { actor: c.actor },
      );
      return planView(r.state);
    },
  );

  api.get(
    '/v1/refund-plans/:planId',
    'finance-read',
    'A refund plan and where each leg is (ready, awaiting approval, approved, succeeded, failed)',
    { params: PlanParams, 200: Loose },
    async (c, req) => {
      const { planId } = req.params as { planId: string };
      return planView({
        ...(await loadRefundPlan(ctx.deps, c.hospitalId, planId)),
        planId,
      });
    },
  );

  /** A leg route's handler: the leg its path names (in the caller's hospital) changed by `change`, the plan answered. */
  const onLeg =
    <B>(change: (leg: LegRef, body: B, c: RequestContext) => Promise<{ state: RefundPlanState }>) =>
    async (c: RequestContext, req: { params: unknown; body: unknown }) => {
      const { planId, legNo } = req.params as { planId: string; legNo: string };
      const r = await change({ hospitalId: c.hospitalId, planId, legNo: Number(legNo) }, req.body as B, c);
      return planView(r.state);
    };

  api.post(
    '/v1/refund-plans/:planId/legs/:legNo/approve',
    'finance-check',
    'Approve a fallback leg (bank transfer, cash at the window): a supervisor other than the planner',
    { params: LegParams, 200: Loose },
    onLeg((leg, _, c) =>
      approveRefundLeg(ctx.deps, leg.hospitalId, leg.planId, leg.legNo, c.principal.role, { actor: c.actor }),
    ),
  );

  const policyAnswer = async (hospitalId: string) => {
    const own = await hospitalRefundPolicy(ctx.deps.store, hospitalId);
    const effective = await (ctx.deps.refundPolicy?.(hospitalId) ?? own.policy);
    return { hospitalSet: own.policy !== null, policy: effective, version: own.version };
  };

  adminApi.get(
    '/v1/admin/refund-policy',
    'read',
    "The hospital's refund policy (order, refund windows, fallbacks): its own, or the configured default",
    { 200: Loose },
    async (c) => policyAnswer(c.hospitalId),
  );

  adminApi.put(
    '/v1/admin/refund-policy',
    'admin',
    "Set the hospital's refund policy (an event with its reason; applies to the next plan)",
    { body: PolicyBody, 200: Loose },
    async (c, req) => {
      const b = req.body as {
        policy: Omit<RefundPolicy, 'channelPriority'> & { channelPriority?: string[] };
        reason: string;
      };
      await setRefundPolicy(
        ctx.deps,
        c.hospitalId,
        { ...b.policy, channelPriority: b.policy.channelPriority ?? [] },
        b.reason,
        { actor: c.actor },
      );
      return policyAnswer(c.hospitalId);
    },
  );

  api.post(
    '/v1/refund-plans/:planId/legs/:legNo/bounce',
    'finance-work',
    'Record that a leg’s bank transfer came back (退票): the money is owed to the patient until a supervisor reroutes it',
    { params: LegParams, body: BounceBody, 200: Loose },
    onLeg<{ amount: string; reason: string; bankRef: string }>((leg, b, c) =>
      recordRefundLegBounce(
        ctx.deps,
        { ...leg, amount: Money.parse(b.amount), reason: b.reason, source: 'operator', bankRef: b.bankRef },
        { actor: c.actor },
      ),
    ),
  );

  api.post(
    '/v1/refund-plans/:planId/legs/:legNo/reroute',
    'finance-check',
    'Approve a new route for a bounced leg (cash at the window, or a corrected bank account): a supervisor other than the planner',
    { params: LegParams, body: RerouteBody, 200: Loose },
    onLeg<{ route: FallbackRoute; payeeAccountRef?: string }>((leg, b, c) =>
      rerouteRefundLeg(
        ctx.deps,
        { ...leg, route: b.route, payeeAccountRef: b.payeeAccountRef ?? null, role: c.principal.role },
        { actor: c.actor },
      ),
    ),
  );

  api.post(
    '/v1/refund-bounces',
    'finance-work',
    'Import a bank return file (退票, CSV refund_no,amount,reason,bank_ref): each line recorded as a bounce or refused with its code',
    { body: ReturnsBody, 200: Loose },
    async (c, req) => {
      const lines = await importBankReturns(ctx.deps, c.hospitalId, (req.body as { text: string }).text, {
        actor: c.actor,
      });
      return { lines };
    },
  );
}
