// Refunds that choose their route (原路退回): preview a plan over the original payments, plan it (the legs then
// run as a reaction), approve a fallback leg (a supervisor other than the planner), and follow each leg.
// Thin: schema → use case → answer; the route rules are the domain's (src/domain/refund).
import { Type } from 'typebox';
import {
  approveRefundLeg,
  loadRefundPlan,
  planRefundRoute,
  previewRefundPlan,
  type RefundPlanRequest,
} from '../../app/refunds.ts';
import { Money } from '../../domain/money.ts';
import type { PlannedLeg, RefundPlanState } from '../../domain/refund/index.ts';
import { refuse } from '../../domain/refund/refusals.ts';
import { MoneySchema } from '../schemas.ts';
import { type App, requestContext, type ServerContext } from '../server.ts';
import { route } from '../route.ts';

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

type PreviewInput = {
  target: RefundPlanRequest['target'];
  amount: string;
  payeeAccountRef?: string;
  closedRoutes?: string[];
};

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
    legs: s.legs,
  };
}

export function refundRoutes(app: App, ctx: ServerContext): void {
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

  app.post(
    '/v1/refund-plans/preview',
    route(
      'finance-work',
      ['refunds'],
      'Preview how a refund of an order or a deposit remainder would go back: its legs, routes and approvals',
      { body: PreviewBody, 200: Loose },
    ),
    async (req) => {
      const c = requestContext(req);
      const legs = await previewRefundPlan(
        ctx.deps,
        request(c.hospitalId, c.actor.id, req.body as PreviewInput, {}),
      );
      return { legs: legs.map(legView) };
    },
  );

  app.post(
    '/v1/refund-plans',
    route(
      'finance-work',
      ['refunds'],
      'Plan a refund (原路退回): legs by the original route are sent at once; fallback legs wait for a supervisor',
      { body: PlanBody, 201: Loose },
    ),
    async (req, reply) => {
      const c = requestContext(req);
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
      return reply.code(201).send(planView(r.state));
    },
  );

  app.get(
    '/v1/refund-plans/:planId',
    route(
      'finance-read',
      ['refunds'],
      'A refund plan and where each leg is (ready, awaiting approval, approved, succeeded, failed)',
      { params: PlanParams, 200: Loose },
    ),
    async (req) => {
      const { planId } = req.params as { planId: string };
      return planView({
        ...(await loadRefundPlan(ctx.deps, requestContext(req).hospitalId, planId)),
        planId,
      });
    },
  );

  app.post(
    '/v1/refund-plans/:planId/legs/:legNo/approve',
    route(
      'finance-check',
      ['refunds'],
      'Approve a fallback leg (bank transfer, cash at the window): a supervisor other than the planner',
      { params: LegParams, 200: Loose },
    ),
    async (req) => {
      const c = requestContext(req);
      const { planId, legNo } = req.params as { planId: string; legNo: string };
      const r = await approveRefundLeg(ctx.deps, c.hospitalId, planId, Number(legNo), c.principal.role, {
        actor: c.actor,
      });
      return planView(r.state);
    },
  );
}
