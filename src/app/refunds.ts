// Refunds that choose their route (原路退回), as use cases: gather the original payments of an order or an
// admission's deposit as they stand, let the domain plan the route (preview, or plan for real), approve a
// fallback leg, and carry a leg out. Each leg runs through the order's or the deposit's own command path, so
// its money is recorded exactly as any refund is; the refund_plans reaction records each leg's outcome once.
import type { Actor } from '../domain/decider.ts';
import { handle } from '../domain/command-handler.ts';
import { depositDecider } from '../domain/deposit/index.ts';
import type { RecordedEvent } from '../domain/event-store.ts';
import { AdmissionId, ChannelTxnId, HospitalId, OrderId, RefId, RefundId } from '../domain/ids.ts';
import { Money } from '../domain/money.ts';
import { committedRefunds, paymentsOf } from '../domain/order/evolve.ts';
import { type IdentityMethod, orderDecider } from '../domain/order/index.ts';
import {
  type BounceSource,
  DEFAULT_REFUND_POLICY,
  type FallbackRoute,
  planLegOf,
  type LegState,
  type PayeeAccount,
  type PlannedLeg,
  planRefund,
  type RefundPlanEvent,
  type RefundPlanState,
  type RefundPolicy,
  refundPolicyDecider,
  refundPolicyStreamId,
  type RefundSource,
  type RefundTarget,
  refundPlanDecider,
  refundPlanStreamId,
} from '../domain/refund/index.ts';
import { refuse } from '../domain/refund/refusals.ts';
import { isRejection, Refusal } from '../domain/rejection.ts';
import { type CommandContext, execute } from './execute.ts';
import { loadDeposit, loadOrder, loadStream, stateLoader } from './load.ts';
import type { AppPorts } from './ports.ts';

export const REFUND_PLANS_ACTOR: Actor = { kind: 'system', id: 'refund-plans' };

export interface RefundPlanRequest {
  hospitalId: string;
  planId: string;
  target: RefundTarget;
  amount: Money;
  reason: string;
  identity: { method: IdentityMethod; verifiedBy: string } | null;
  payeeAccount: PayeeAccount | null;
  /** Payments whose account can no longer take money back (card cancelled), by channel transaction id. */
  closedRoutes?: readonly string[];
}

/** The hospital's own refund policy as channel management set it, or null when it never set one. */
export async function hospitalRefundPolicy(
  store: AppPorts['store'],
  hospitalId: string,
): Promise<{ policy: RefundPolicy | null; version: number }> {
  const { state, version } = await loadStream(store, refundPolicyStreamId(hospitalId), refundPolicyDecider);
  return { policy: state.policy, version };
}

/**
 * The refundPolicy port: each hospital's own policy when it set one, else `fallback` (REFUND_POLICY from the
 * environment, else the defaults). Read at planning time, so a change applies to the next plan.
 */
export function refundPolicyReader(
  store: AppPorts['store'],
  fallback: RefundPolicy = DEFAULT_REFUND_POLICY,
): (hospitalId: string) => Promise<RefundPolicy> {
  return async (hospitalId) => (await hospitalRefundPolicy(store, hospitalId)).policy ?? fallback;
}

function policyOf(ports: AppPorts, hospitalId: string): Promise<RefundPolicy> {
  return Promise.resolve((ports.refundPolicy ?? refundPolicyReader(ports.store))(hospitalId));
}

/** Sets the hospital's refund policy (an event with its reason; the same policy again changes nothing). */
export function setRefundPolicy(
  ports: AppPorts,
  hospitalId: string,
  policy: RefundPolicy,
  reason: string,
  ctx: CommandContext,
) {
  return execute(
    ports,
    refundPolicyDecider,
    {
      type: 'SetRefundPolicy',
      hospitalId: HospitalId(hospitalId),
      policy,
      reason,
      at: ports.now(),
      actor: ctx.actor,
    },
    ctx,
  );
}

/** When each payment was made: the business time of the event that recorded it. */
function paidTimes(events: readonly unknown[], types: readonly string[], key: string): Map<string, Date> {
  const at = new Map<string, Date>();
  for (const e of events as RecordedEvent[])
    if (types.includes(e.type)) at.set(String(e.data[key]), e.occurredAt);
  return at;
}

/** The original payments a refund of `target` may draw on, as they stand, and the deposit account if any. */
export async function refundSources(
  ports: AppPorts,
  hospitalId: string,
  target: RefundTarget,
  closedRoutes: readonly string[] = [],
): Promise<{ sources: RefundSource[]; deposit?: { settled: boolean; balance: Money } }> {
  const closed = (txn: string) => (closedRoutes.includes(txn) ? { closed: 'account closed' } : {});
  if (target.kind === 'order') {
    const { state, events } = await loadOrder(ports.store, hospitalId, target.orderId);
    if (state.status === 'none')
      throw refuse('REFUND_PLAN_INVALID', { field: 'orderId', reason: 'no such order' });
    if (state.kind === 'deposit')
      throw refuse('REFUND_PLAN_INVALID', {
        field: 'orderId',
        reason: 'a deposit is refunded through its admission',
      });
    const at = paidTimes(
      events,
      ['PaymentSucceeded', 'PaymentConfirmed', 'DuplicatePaymentReceived'],
      'channelTxnId',
    );
    return {
      sources: paymentsOf(state).map((p) => ({
        orderId: state.orderId,
        channel: p.channel,
        channelTxnId: p.channelTxnId,
        merchantId: p.merchantId,
        payerRef: p.payerRef,
        paidAt: at.get(p.channelTxnId) ?? new Date(0),
        amount: p.amount,
        refunded: committedRefunds(state, p.channelTxnId),
        ...closed(p.channelTxnId),
      })),
    };
  }
  const { state, events } = await loadDeposit(ports.store, hospitalId, target.admissionId);
  if (!state.exists) throw refuse('REFUND_PLAN_INVALID', { field: 'admissionId', reason: 'no such deposit' });
  const at = paidTimes(events, ['DepositToppedUp'], 'orderId');
  return {
    sources: [...state.topUps.values()].map((t) => ({
      orderId: t.orderId,
      channel: t.channel,
      channelTxnId: t.channelTxnId,
      merchantId: t.merchantId,
      payerRef: t.payerRef,
      paidAt: at.get(t.orderId) ?? new Date(0),
      amount: t.amount,
      refunded: t.refunded,
      ...closed(t.channelTxnId),
    })),
    deposit: { settled: state.settled, balance: state.balance },
  };
}

/** What a plan would be now, without recording anything. */
export async function previewRefundPlan(ports: AppPorts, request: RefundPlanRequest): Promise<PlannedLeg[]> {
  const { sources, deposit } = await refundSources(
    ports,
    request.hospitalId,
    request.target,
    request.closedRoutes,
  );
  if (deposit && !deposit.settled)
    throw refuse('REFUND_PLAN_INVALID', {
      field: 'target',
      reason: 'the deposit is settled at discharge first',
    });
  if (deposit && request.amount.gt(deposit.balance))
    throw refuse('REFUND_PLAN_EXCEEDS_REFUNDABLE', {
      requested: request.amount.toString(),
      refundable: deposit.balance.toString(),
    });
  return planRefund({
    amount: request.amount,
    sources,
    policy: await policyOf(ports, request.hospitalId),
    now: ports.now(),
    payeeAccount: request.payeeAccount,
  });
}

/** Plans the refund (RefundPlanned); the refund_plans reaction then carries out each leg that may go. */
export async function planRefundRoute(ports: AppPorts, request: RefundPlanRequest, ctx: CommandContext) {
  const { sources, deposit } = await refundSources(
    ports,
    request.hospitalId,
    request.target,
    request.closedRoutes,
  );
  return execute(
    ports,
    refundPlanDecider,
    {
      type: 'PlanRefund',
      hospitalId: HospitalId(request.hospitalId),
      planId: request.planId,
      target: request.target,
      amount: request.amount,
      reason: request.reason,
      sources,
      policy: await policyOf(ports, request.hospitalId),
      payeeAccount: request.payeeAccount,
      identity: request.identity,
      ...(deposit ? { deposit } : {}),
      at: ports.now(),
      actor: ctx.actor,
    },
    ctx,
  );
}

export function approveRefundLeg(
  ports: AppPorts,
  hospitalId: string,
  planId: string,
  legNo: number,
  role: string | undefined,
  ctx: CommandContext,
) {
  return execute(
    ports,
    refundPlanDecider,
    {
      type: 'ApproveRefundLeg',
      hospitalId: HospitalId(hospitalId),
      planId,
      legNo,
      ...(role !== undefined ? { role } : {}),
      at: ports.now(),
      actor: ctx.actor,
    },
    ctx,
  );
}

export const loadRefundPlan = stateLoader(refundPlanStreamId, refundPlanDecider);

/** Records a leg's outcome as its order or deposit stream reported it (the refund_plans reaction runs this). */
export async function recordRefundLegOutcome(
  ports: AppPorts,
  hospitalId: string,
  planId: string,
  legNo: number,
  outcome: 'succeeded' | 'failed',
  detail: string,
  idempotencyKey: string,
): Promise<string> {
  const r = await handle(
    ports.store,
    refundPlanDecider,
    {
      type: 'RecordRefundLegOutcome',
      hospitalId: HospitalId(hospitalId),
      planId,
      legNo,
      outcome,
      detail,
      at: ports.now(),
      actor: REFUND_PLANS_ACTOR,
    },
    { idempotencyKey, metadata: { causationId: `refund-plan:${planId}` } },
  );
  return r.events.length > 0 ? `leg-${outcome}` : 'not-needed';
}

/**
 * Carries out one leg that may go (by the original route, or approved): a refund of the order, or a remainder
 * refund of the deposit, under the leg's refund number. The channel_calls reaction then sends an original-route
 * refund and follows it; a fallback payout is recorded as paid out at once. A leg the order or deposit refuses
 * (something changed since the plan) is recorded as failed.
 */
export async function executeRefundLeg(
  ports: AppPorts,
  hospitalId: string,
  planId: string,
  legNo: number,
  idempotencyKey: string,
): Promise<string> {
  const plan = await loadRefundPlan(ports, hospitalId, planId);
  const leg = plan.legs.find((l) => l.legNo === legNo);
  if (!leg || !plan.target || (leg.status !== 'ready' && leg.status !== 'approved')) return 'not-needed';
  if (leg.reissues > 0) {
    // A bounced leg rerouted by a supervisor: paid out by its new route from what the patient is owed.
    const r = await handle(
      ports.store,
      refundPlanDecider,
      {
        type: 'RecordRefundLegReissue',
        hospitalId: HospitalId(hospitalId),
        planId,
        legNo,
        reissue: leg.reissues,
        at: ports.now(),
        actor: REFUND_PLANS_ACTOR,
      },
      { idempotencyKey, metadata: { causationId: `refund-plan:${leg.refundId}` } },
    );
    return r.events.length > 0 ? 'paid-out-again' : 'not-needed';
  }
  const planned = await plannedEvent(ports, hospitalId, planId);
  const identity = { method: planned.identityMethod, verifiedBy: planned.verifiedBy };
  try {
    if (plan.target.kind === 'deposit')
      await refundDepositLeg(
        ports,
        hospitalId,
        plan.target.admissionId,
        leg,
        identity,
        planned.payeeAccountRef,
        idempotencyKey,
      );
    else await refundOrderLeg(ports, hospitalId, leg, identity, planned.reason, idempotencyKey);
    return leg.route === 'original' ? 'sent' : 'paid-out';
  } catch (error) {
    if (!(error instanceof Refusal) && !isRejection(error)) throw error;
    return recordRefundLegOutcome(
      ports,
      hospitalId,
      planId,
      legNo,
      'failed',
      `refused: ${error.code}`,
      `${idempotencyKey}:refused`,
    );
  }
}

async function plannedEvent(ports: AppPorts, hospitalId: string, planId: string) {
  const read = await ports.store.readStream(refundPlanStreamId(hospitalId, planId));
  const e = (read.events as unknown as RefundPlanEvent[]).find((x) => x.type === 'RefundPlanned');
  if (e?.type !== 'RefundPlanned') throw new Error(`refund plan ${planId} has no RefundPlanned`);
  return e.data;
}

async function refundDepositLeg(
  ports: AppPorts,
  hospitalId: string,
  admissionId: string,
  leg: LegState,
  identity: { method: IdentityMethod; verifiedBy: string },
  payeeAccountRef: string | null,
  idempotencyKey: string,
): Promise<void> {
  await handle(
    ports.store,
    depositDecider,
    {
      type: 'RefundDepositRemainder',
      hospitalId: HospitalId(hospitalId),
      admissionId: AdmissionId(admissionId),
      refundId: RefundId(leg.refundId),
      topUpOrderId: OrderId(leg.orderId),
      amount: Money.parse(leg.amount),
      identity,
      ...(leg.route !== 'original'
        ? { route: { kind: leg.route, approvedBy: leg.approvedBy ?? '', payeeAccountRef } }
        : {}),
      at: ports.now(),
      actor: REFUND_PLANS_ACTOR,
    },
    { idempotencyKey, metadata: { causationId: `refund-plan:${leg.refundId}` } },
  );
}

async function refundOrderLeg(
  ports: AppPorts,
  hospitalId: string,
  leg: LegState,
  identity: { method: IdentityMethod; verifiedBy: string },
  reason: string,
  idempotencyKey: string,
): Promise<void> {
  const base = {
    hospitalId: HospitalId(hospitalId),
    orderId: OrderId(leg.orderId),
    refundId: RefundId(leg.refundId),
    at: ports.now(),
    actor: REFUND_PLANS_ACTOR,
  };
  const meta = { metadata: { causationId: `refund-plan:${leg.refundId}` } };
  await handle(
    ports.store,
    orderDecider,
    {
      ...base,
      type: 'RequestRefund',
      amount: Money.parse(leg.amount),
      channelTxnId: ChannelTxnId(leg.channelTxnId),
      reason,
      identity,
      ...(leg.route !== 'original' ? { payout: { route: leg.route, approvedBy: leg.approvedBy ?? '' } } : {}),
    },
    { ...meta, idempotencyKey },
  );
  if (leg.route === 'original') return;
  // The approved payout is the refund: recorded as paid out (the bank or cash statement reconciles it).
  await handle(
    ports.store,
    orderDecider,
    { ...base, type: 'RecordRefundSuccess', channelRefundId: RefId(`payout:${leg.refundId}`) },
    { ...meta, idempotencyKey: `${idempotencyKey}:paid-out` },
  );
}

export interface LegBounce {
  hospitalId: string;
  planId: string;
  legNo: number;
  amount: Money;
  reason: string;
  source: BounceSource;
  bankRef: string;
}

/** Records that a leg's bank transfer came back (退票): the plan owes it again until a supervisor reroutes it. */
function bounceCommand(ports: Pick<AppPorts, 'now'>, b: LegBounce, ctx: CommandContext) {
  return {
    type: 'RecordRefundLegBounce' as const,
    hospitalId: HospitalId(b.hospitalId),
    planId: b.planId,
    legNo: b.legNo,
    amount: b.amount,
    reason: b.reason,
    source: b.source,
    bankRef: b.bankRef,
    at: ports.now(),
    actor: ctx.actor,
  };
}

export function recordRefundLegBounce(ports: AppPorts, b: LegBounce, ctx: CommandContext) {
  return execute(ports, refundPlanDecider, bounceCommand(ports, b, ctx), {
    ...ctx,
    idempotencyKey: ctx.idempotencyKey ?? `bounce:${b.planId}:${b.legNo}:${b.bankRef}`,
  });
}

/** A supervisor approves a new route for a bounced leg; the refund_plans reaction pays it out. */
export function rerouteRefundLeg(
  ports: AppPorts,
  r: {
    hospitalId: string;
    planId: string;
    legNo: number;
    route: FallbackRoute;
    payeeAccountRef: string | null;
    role: string | undefined;
  },
  ctx: CommandContext,
) {
  return execute(
    ports,
    refundPlanDecider,
    {
      type: 'RerouteRefundLeg',
      hospitalId: HospitalId(r.hospitalId),
      planId: r.planId,
      legNo: r.legNo,
      route: r.route,
      payeeAccountRef: r.payeeAccountRef,
      ...(r.role !== undefined ? { role: r.role } : {}),
      at: ports.now(),
      actor: ctx.actor,
    },
    ctx,
  );
}

/** One line of a bank's return file, or why it could not be read (file, line, reason). */
export type ReturnLineOutcome =
  | { line: number; refundId: string; outcome: 'bounced' | 'already-recorded' }
  | { line: number; refundId: string | null; outcome: 'refused'; code: string; reason: string };

/**
 * A bank's return file (退票文件): CSV with the header `refund_no,amount,reason,bank_ref`, one returned transfer
 * a line, `refund_no` being the leg's refund number the transfer carried (`<planId>.L<n>`). Every line is
 * recorded or refused on its own; the same file again records nothing new.
 */
export async function importBankReturns(
  ports: AppPorts,
  hospitalId: string,
  text: string,
  ctx: CommandContext,
): Promise<ReturnLineOutcome[]> {
  const lines = text.replace(/^\uFEFF/, '').split(/\r?\n/);
  const header = (lines[0] ?? '').trim().toLowerCase();
  if (header !== 'refund_no,amount,reason,bank_ref')
    return [
      {
        line: 1,
        refundId: null,
        outcome: 'refused',
        code: 'RETURN_FILE_HEADER',
        reason: 'header must be refund_no,amount,reason,bank_ref',
      },
    ];
  // Two passes: every line is read and its bounce decided against the plans as they stand (without writing)
  // first; only a file whose every line is good is recorded, so a bad line never leaves the file half-taken.
  const out: ReturnLineOutcome[] = [];
  const bounces: { line: number; refundId: string; bounce: LegBounce }[] = [];
  const plans = new Map<string, RefundPlanState>();
  for (const [i, raw] of lines.entries()) {
    const line = i + 1;
    if (i === 0 || raw.trim() === '') continue;
    const cells = raw.split(',').map((c) => c.trim());
    const refused = (code: string, reason: string, refundId: string | null = null) =>
      out.push({ line, refundId, outcome: 'refused', code, reason });
    if (cells.length !== 4) {
      refused('RETURN_LINE_INVALID', `4 fields expected, ${cells.length} found`);
      continue;
    }
    const [refundId, amountText, reason, bankRef] = cells as [string, string, string, string];
    const leg = planLegOf(refundId);
    if (!leg) {
      refused('RETURN_LINE_INVALID', 'refund_no is not a refund plan leg (<planId>.L<n>)', refundId);
      continue;
    }
    let amount: Money;
    try {
      amount = Money.parse(amountText);
    } catch {
      refused('RETURN_LINE_INVALID', `amount ${amountText} is not money`, refundId);
      continue;
    }
    const bounce: LegBounce = { hospitalId, ...leg, amount, reason, source: 'return-file', bankRef };
    try {
      const state = plans.get(leg.planId) ?? (await loadRefundPlan(ports, hospitalId, leg.planId));
      const events = refundPlanDecider.decide(bounceCommand(ports, bounce, ctx), state);
      plans.set(leg.planId, events.reduce(refundPlanDecider.evolve, state));
      bounces.push({ line, refundId, bounce });
    } catch (error) {
      if (!(error instanceof Refusal) && !isRejection(error)) throw error;
      refused(error.code, error.message, refundId);
    }
  }
  if (out.length > 0) return out;
  for (const { line, refundId, bounce } of bounces) {
    const r = await recordRefundLegBounce(ports, bounce, {
      ...ctx,
      idempotencyKey: `bounce:${bounce.planId}:${bounce.legNo}:${bounce.bankRef}`,
    });
    out.push({
      line,
      refundId,
      outcome: r.events.length > 0 && !r.duplicate ? 'bounced' : 'already-recorded',
    });
  }
  return out;
}
