// The route a refund takes (原路退回), decided over the original payments. Pure: the payments, the policy and
// the instant come in.
//
// 1. Every payment is open (its channel has a refund window, the window has not passed, its account is not
//    closed) or closed (why: window passed, no original route such as cash, account closed).
// 2. Open payments give back first, in the hospital's order (newest first, oldest first, largest first, or
//    channel priority), each at most what it brought in minus what was already refunded from it.
// 3. What is left comes from the closed payments in the same order, each leg by the first usable fallback
//    (bank transfer needs a verified account of the patient's; cash at the window always works); every such leg
//    needs a supervisor's approval.
// Invariants, asserted on the result: legs sum to the amount; no leg, and no payment's legs together, exceed
// what that payment can still return; every leg is positive.
import { Money } from '../money.ts';
import { invariant } from '../rejection.ts';
import { refuse } from './refusals.ts';
import {
  type ClosedBecause,
  FALLBACK_ROUTES,
  type FallbackRoute,
  MAX_REFUND_LEGS,
  MAX_REFUND_WINDOW_DAYS,
  PLAN_ORDERS,
  type PlanInput,
  type PlannedLeg,
  type RefundPolicy,
  type RefundSource,
} from './types.ts';

const DAY_MS = 86_400_000;

export function validatePolicy(policy: RefundPolicy): void {
  const bad = (field: string, reason: string) => refuse('REFUND_PLAN_INVALID', { field, reason });
  if (!PLAN_ORDERS.includes(policy.order)) throw bad('order', `one of ${PLAN_ORDERS.join(', ')}`);
  if (!Array.isArray(policy.channelPriority) || policy.channelPriority.length > 32)
    throw bad('channelPriority', 'at most 32 channels');
  if (
    typeof policy.windowsDays !== 'object' ||
    policy.windowsDays === null ||
    Array.isArray(policy.windowsDays)
  )
    throw bad('windowsDays', 'an object of channel → whole days');
  const windows = Object.entries(policy.windowsDays);
  if (windows.length > 32) throw bad('windowsDays', 'at most 32 channels');
  for (const [channel, days] of windows)
    if (!Number.isInteger(days) || days < 1 || days > MAX_REFUND_WINDOW_DAYS)
      throw bad(`windowsDays.${channel}`, `whole days 1..${MAX_REFUND_WINDOW_DAYS}`);
  if (
    !Array.isArray(policy.fallbacks) ||
    policy.fallbacks.length === 0 ||
    policy.fallbacks.some((f) => !FALLBACK_ROUTES.includes(f)) ||
    new Set(policy.fallbacks).size !== policy.fallbacks.length
  )
    throw bad('fallbacks', `a non-empty list of ${FALLBACK_ROUTES.join(', ')} without repeats`);
}

/** Why a payment cannot go back by its original route at `now`, or null when it can. */
export function closedBecause(source: RefundSource, policy: RefundPolicy, now: Date): ClosedBecause | null {
  if (source.closed) return 'route-closed';
  const days = Object.hasOwn(policy.windowsDays, source.channel)
    ? policy.windowsDays[source.channel]
    : undefined;
  if (days === undefined) return 'no-original-route';
  // The window is counted from the payment's time: a payment exactly `days` days old is still inside.
  return now.getTime() - source.paidAt.getTime() > days * DAY_MS ? 'window-passed' : null;
}

function refundable(s: RefundSource): Money {
  return s.amount.sub(s.refunded);
}

const newestFirst = (a: RefundSource, b: RefundSource) =>
  b.paidAt.getTime() - a.paidAt.getTime() || a.channelTxnId.localeCompare(b.channelTxnId);

/** The payments in the hospital's order (ties broken by time, then transaction id, so the plan is deterministic). */
export function inPolicyOrder(sources: readonly RefundSource[], policy: RefundPolicy): RefundSource[] {
  const rank = (c: string) => {
    const i = policy.channelPriority.indexOf(c);
    return i < 0 ? policy.channelPriority.length : i;
  };
  const compare: Record<RefundPolicy['order'], (a: RefundSource, b: RefundSource) => number> = {
    'newest-first': newestFirst,
    'oldest-first': (a, b) => -newestFirst(a, b),
    'largest-first': (a, b) => refundable(b).compare(refundable(a)) || newestFirst(a, b),
    'channel-priority': (a, b) => rank(a.channel) - rank(b.channel) || newestFirst(a, b),
  };
  return [...sources].sort(compare[policy.order]);
}

function fallbackFor(input: PlanInput): FallbackRoute {
  const usable = input.policy.fallbacks.find((f) => f !== 'bank-transfer' || input.payeeAccount?.verifiedBy);
  if (!usable) throw refuse('REFUND_PLAN_NO_ROUTE', { fallbacks: input.policy.fallbacks.join(',') });
  return usable;
}

export function planRefund(input: PlanInput): PlannedLeg[] {
  validatePolicy(input.policy);
  const amount = input.amount;
  if (!Money.isMoney(amount) || !amount.isPositive())
    throw refuse('REFUND_PLAN_INVALID', { field: 'amount', reason: 'must be > 0' });
  if (input.sources.length > MAX_REFUND_LEGS)
    throw refuse('REFUND_PLAN_INVALID', { field: 'sources', reason: `at most ${MAX_REFUND_LEGS}` });
  const available = input.sources.reduce((t, s) => t.add(Money.max(refundable(s), Money.ZERO)), Money.ZERO);
  if (amount.gt(available))
    throw refuse('REFUND_PLAN_EXCEEDS_REFUNDABLE', {
      requested: amount.toString(),
      refundable: available.toString(),
    });

  const ordered = inPolicyOrder(input.sources, input.policy).map((s) => ({
    s,
    closed: closedBecause(s, input.policy, input.now),
  }));
  const legs: PlannedLeg[] = [];
  let remaining = amount;
  const draw = (open: boolean) => {
    for (const { s, closed } of ordered) {
      if (remaining.isZero()) return;
      if ((closed === null) !== open) continue;
      const take = Money.min(remaining, refundable(s));
      if (!take.isPositive()) continue;
      const route = closed === null ? 'original' : fallbackFor(input);
      legs.push({
        legNo: legs.length + 1,
        orderId: s.orderId,
        channel: s.channel,
        channelTxnId: s.channelTxnId,
        merchantId: s.merchantId,
        amount: take,
        route,
        closedBecause: closed,
        needsApproval: route !== 'original',
      });
      remaining = remaining.sub(take);
    }
  };
  draw(true);
  draw(false);
  assertPlan(input, legs);
  return legs;
}

/** The plan's invariants, checked on every plan before it becomes a fact. */
export function assertPlan(input: PlanInput, legs: readonly PlannedLeg[]): void {
  const total = legs.reduce((t, l) => t.add(l.amount), Money.ZERO);
  invariant(total.equals(input.amount), `refund plan legs sum to ${total}, not ${input.amount}`);
  const drawn = new Map<string, Money>();
  for (const l of legs) {
    invariant(l.amount.isPositive(), `refund plan leg ${l.legNo} is not positive`);
    drawn.set(l.channelTxnId, (drawn.get(l.channelTxnId) ?? Money.ZERO).add(l.amount));
  }
  for (const s of input.sources) {
    const d = drawn.get(s.channelTxnId);
    invariant(
      !d || d.lte(refundable(s)),
      `refund plan draws ${d} from ${s.channelTxnId}, more than it can return`,
    );
  }
}
