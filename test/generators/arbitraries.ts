// fast-check arbitraries of money, commands, command sequences and valid event histories. Generic and exported:
// property tests, projection tests, benches and the simulator reuse them.
import fc from 'fast-check';
import { Money } from '../../src/domain/money.ts';
import type { OrderKind } from '../../src/domain/order/types.ts';
import { cmd, type DomainCommand } from './builders.ts';
import { type GeneratedEvent, type Outcome, World } from './world.ts';

// ---- money ----

/** Cents in [min, max]; the default range is a realistic single payment (0.01 … 50,000.00). */
export function arbCents(min = 1, max = 5_000_000): fc.Arbitrary<number> {
  return fc.integer({ min, max });
}

export function arbMoney(min = 1, max = 5_000_000): fc.Arbitrary<Money> {
  return arbCents(min, max).map((c) => Money.fromCents(c));
}

/** The same amount as the outside world writes it: "12.5", "12.50", "1,234.00", "12" (SQL numeric, CSV, forms). */
export function arbAmountText(min = 0, max = 10_000_000_000): fc.Arbitrary<{ cents: number; text: string }> {
  return fc
    .tuple(fc.integer({ min, max }), fc.constantFrom('canonical', 'trimmed', 'grouped'))
    .map(([cents, style]) => {
      const canonical = Money.fromCents(cents).toString();
      if (style === 'canonical') return { cents, text: canonical };
      if (style === 'trimmed') return { cents, text: canonical.replace(/\.?0+$/, '') || '0' };
      const [int = '0', frac = '00'] = canonical.split('.');
      return { cents, text: `${int.replace(/\B(?=(\d{3})+(?!\d))/g, ',')}.${frac}` };
    });
}

// ---- plans and steps ----

export const HOSPITALS = ['H1', 'H2'] as const;
export const CHANNELS = ['wechat', 'alipay', 'unionpay'] as const;

/** One order a scenario will drive; deposit orders top up an admission shared with other deposit orders. */
export interface OrderPlan {
  hospitalId: string;
  orderId: string;
  kind: OrderKind;
  amountCents: number;
  itemCents: number[];
  admissionId: string;
  patientId: string;
  channel: string;
}

export const ACTIONS = [
  'create',
  'request',
  'pay',
  'payWrongAmount',
  'unknown',
  'confirm',
  'fail',
  'cancel',
  'refund',
  'verify',
  'refundOk',
  'refundFail',
  'hisOk',
  'hisFail',
  'topUp',
  'apply',
  'remainder',
  'fee',
  'settle',
] as const;
export type Action = (typeof ACTIONS)[number];

export interface Step {
  order: number;
  action: Action;
  actor: number;
  txn: number;
  attempt: number;
  refund: number;
  pct: number;
  concurrent: boolean;
}

/** A step of a sequence: one command, or two commands racing on the same state. */
export type CommandStep = DomainCommand | readonly [DomainCommand, DomainCommand];

export function arbOrderPlan(index: number): fc.Arbitrary<OrderPlan> {
  return fc
    .record({
      hospitalId: fc.constantFrom(...HOSPITALS),
      kind: fc.constantFrom<OrderKind>('registration', 'outpatient', 'deposit'),
      itemCents: fc.array(arbCents(1, 200_000), { minLength: 1, maxLength: 3 }),
      admission: fc.nat(1),
      channel: fc.constantFrom(...CHANNELS),
    })
    .map(({ hospitalId, kind, itemCents, admission, channel }) => {
      const items = kind === 'outpatient' ? itemCents : [itemCents[0]!];
      return {
        hospitalId,
        orderId: `O${index}`,
        kind,
        amountCents: items.reduce((a, b) => a + b, 0),
        itemCents: items,
        admissionId: `ADM-${admission}`,
        patientId: kind === 'deposit' ? `P-ADM-${admission}` : `P${index}`,
        channel,
      };
    });
}

const WEIGHTED_ACTIONS: Array<{ weight: number; arbitrary: fc.Arbitrary<Action> }> = [
  { weight: 4, arbitrary: fc.constant('create') },
  { weight: 3, arbitrary: fc.constant('request') },
  { weight: 6, arbitrary: fc.constant('pay') },
  { weight: 1, arbitrary: fc.constant('payWrongAmount') },
  { weight: 2, arbitrary: fc.constant('unknown') },
  { weight: 2, arbitrary: fc.constant('confirm') },
  { weight: 2, arbitrary: fc.constant('fail') },
  { weight: 2, arbitrary: fc.constant('cancel') },
  { weight: 6, arbitrary: fc.constant('refund') },
  { weight: 4, arbitrary: fc.constant('verify') },
  { weight: 4, arbitrary: fc.constant('refundOk') },
  { weight: 2, arbitrary: fc.constant('refundFail') },
  { weight: 2, arbitrary: fc.constant('hisOk') },
  { weight: 2, arbitrary: fc.constant('hisFail') },
  { weight: 4, arbitrary: fc.constant('topUp') },
  { weight: 2, arbitrary: fc.constant('apply') },
  { weight: 3, arbitrary: fc.constant('remainder') },
  { weight: 1, arbitrary: fc.constant('fee') },
  { weight: 1, arbitrary: fc.constant('settle') },
];

export function arbStep(): fc.Arbitrary<Step> {
  return fc.record({
    order: fc.nat(7),
    action: fc.oneof(...WEIGHTED_ACTIONS),
    actor: fc.nat(3),
    txn: fc.oneof({ weight: 4, arbitrary: fc.constant(0) }, { weight: 1, arbitrary: fc.nat(2) }),
    attempt: fc.nat(1),
    refund: fc.nat(3),
    pct: fc.oneof(fc.integer({ min: 1, max: 100 }), fc.constant(50), fc.constant(100)),
    concurrent: fc.oneof(
      { weight: 4, arbitrary: fc.constant(false) },
      { weight: 1, arbitrary: fc.constant(true) },
    ),
  });
}

const T0 = Date.parse('2024-05-01T00:30:00.000Z');
const ACTOR_IDS = ['kiosk-01', 'app-01', 'window-3', 'clerk-7'];

function pctOf(cents: number, pct: number): Money {
  return Money.fromCents(Math.max(1, Math.floor((cents * pct) / 100)));
}

/** Turns a plan-relative step into a concrete command (valid or not: the deciders judge). */
export function commandOf(plan: OrderPlan, step: Step, index: number): DomainCommand {
  const o = {
    hospitalId: plan.hospitalId,
    orderId: plan.orderId,
    at: new Date(T0 + index * 60_000),
    actor: { kind: 'bus-client' as const, id: ACTOR_IDS[step.actor] ?? 'kiosk-01' },
  };
  const amount = Money.fromCents(plan.amountCents);
  const txn = `${plan.orderId}-T${step.txn}`;
  const attemptId = `${plan.orderId}-A${step.attempt}`;
  const refundId = `${plan.orderId}-R${step.refund}`;
  switch (step.action) {
    case 'create':
      if (plan.kind === 'outpatient')
        return cmd.createOutpatient({
          ...o,
          patientId: plan.patientId,
          items: plan.itemCents.map((c, i) => [`HIS-${i}`, Money.fromCents(c)]),
        });
      if (plan.kind === 'deposit')
        return cmd.createDepositOrder({
          ...o,
          amount,
          patientId: plan.patientId,
          admissionId: plan.admissionId,
        });
      return cmd.createRegistration({ ...o, amount, patientId: plan.patientId });
    case 'request':
      return cmd.requestPayment({ ...o, attemptId, channel: plan.channel });
    case 'pay':
      return cmd.recordPayment({ ...o, channel: plan.channel, channelTxnId: txn, amount, attemptId });
    case 'payWrongAmount':
      return cmd.recordPayment({
        ...o,
        channel: plan.channel,
        channelTxnId: txn,
        amount: amount.add(Money.fromCents(1)),
      });
    case 'unknown':
      return cmd.markPaymentUnknown({ ...o, attemptId, channel: plan.channel });
    case 'confirm':
      return cmd.confirmPayment({ ...o, attemptId, channelTxnId: txn, amount });
    case 'fail':
      return cmd.recordPaymentFailure({ ...o, attemptId, channel: plan.channel });
    case 'cancel':
      return cmd.cancelOrder({ ...o, refundId });
    case 'refund':
      return cmd.requestRefund({
        ...o,
        refundId,
        amount: pctOf(plan.amountCents, step.pct),
        channelTxnId: step.txn === 0 ? null : txn,
      });
    case 'verify':
      return cmd.verifyRefundIdentity({ ...o, refundId });
    case 'refundOk':
      return cmd.recordRefundSuccess({ ...o, refundId });
    case 'refundFail':
      return cmd.recordRefundFailure({ ...o, refundId });
    case 'hisOk':
      return cmd.hisWritebackSuccess(o);
    case 'hisFail':
      return cmd.hisWritebackFailure({ ...o, attempt: step.attempt + 1 });
    case 'topUp':
      return cmd.topUpDeposit({
        ...o,
        admissionId: plan.admissionId,
        patientId: plan.patientId,
        channel: plan.channel,
        channelTxnId: `${plan.orderId}-T0`,
        amount,
      });
    case 'apply':
      return cmd.applyDeposit({
        ...o,
        admissionId: plan.admissionId,
        amount: pctOf(plan.amountCents, step.pct),
      });
    case 'remainder':
      return cmd.refundDepositRemainder({
        ...o,
        admissionId: plan.admissionId,
        refundId,
        topUpOrderId: plan.orderId,
        amount: pctOf(plan.amountCents, step.pct),
      });
    case 'fee':
      return cmd.recordFee({
        ...o,
        channel: plan.channel,
        feeId: `F${step.refund}`,
        amount: Money.fromCents(step.pct),
      });
    case 'settle':
      return cmd.recordSettlement({
        ...o,
        channel: plan.channel,
        settlementId: `S${step.refund}`,
        amount: pctOf(plan.amountCents, step.pct),
      });
  }
}

export function toCommandSteps(plans: readonly OrderPlan[], steps: readonly Step[]): CommandStep[] {
  const out: CommandStep[] = [];
  for (let i = 0; i < steps.length; i++) {
    const step = steps[i]!;
    const plan = plans[step.order % plans.length]!;
    const c = commandOf(plan, step, i);
    const next = steps[i + 1];
    if (step.concurrent && next) {
      // The racing command touches the same order most of the time: that is where races matter.
      const samePlan = { ...next, order: step.order };
      out.push([c, commandOf(plan, samePlan, i)]);
      i++;
    } else out.push(c);
  }
  return out;
}

/** The usual life of an order of each kind; scenarios take a prefix of it, slightly shuffled, plus noise. */
export const LIFECYCLES: Readonly<Record<OrderKind, readonly Action[]>> = {
  registration: ['create', 'request', 'pay', 'hisOk', 'cancel', 'verify', 'refundOk'],
  outpatient: ['create', 'request', 'pay', 'hisFail', 'hisOk', 'refund', 'verify', 'refundOk'],
  deposit: ['create', 'request', 'pay', 'topUp', 'apply', 'remainder'],
};

const arbLife = fc.record({
  length: fc.integer({ min: 0, max: 8 }),
  jitter: fc.array(fc.integer({ min: 0, max: 14 }), { minLength: 8, maxLength: 8 }),
  pct: fc.integer({ min: 1, max: 100 }),
  actor: fc.nat(3),
});

/**
 * A day of one or two hospitals: a few orders, each living (a prefix of) its usual life with some steps swapped,
 * interleaved with random noise commands (duplicates, wrong amounts, races) from kiosks, apps, channels, staff
 * and the HIS.
 */
export function arbHospitalDay(
  options: { maxOrders?: number; maxSteps?: number } = {},
): fc.Arbitrary<{ plans: OrderPlan[]; steps: CommandStep[] }> {
  const maxOrders = options.maxOrders ?? 4;
  const maxNoise = Math.max(0, (options.maxSteps ?? 40) - 8 * maxOrders);
  return fc
    .integer({ min: 1, max: maxOrders })
    .chain((n) =>
      fc.tuple(
        fc.tuple(...Array.from({ length: n }, (_, i) => arbOrderPlan(i))),
        fc.array(arbLife, { minLength: n, maxLength: n }),
        fc.array(fc.tuple(arbStep(), fc.integer({ min: 0, max: 120 })), { maxLength: Math.max(maxNoise, 4) }),
      ),
    )
    .map(([plans, lives, noise]) => {
      const keyed: Array<[number, Step]> = [];
      plans.forEach((plan, order) => {
        const life = lives[order]!;
        LIFECYCLES[plan.kind].slice(0, life.length).forEach((action, k) => {
          const step: Step = {
            order,
            action,
            actor: life.actor,
            txn: 0,
            attempt: 0,
            refund: 0,
            pct: life.pct,
            concurrent: false,
          };
          keyed.push([k * 15 + (life.jitter[k] ?? 0), step]);
        });
      });
      for (const [step, key] of noise) keyed.push([key, step]);
      keyed.sort((a, b) => a[0] - b[0]);
      return {
        plans,
        steps: toCommandSteps(
          plans,
          keyed.map(([, s]) => s),
        ),
      };
    });
}

/** Command sequences with duplicates, reorderings and racing pairs. Many commands are (rightly) rejected. */
export function arbCommandSequence(
  options: { maxOrders?: number; maxSteps?: number } = {},
): fc.Arbitrary<CommandStep[]> {
  return arbHospitalDay(options).map((d) => d.steps);
}

/** Runs steps through a World (the handler model); returns every outcome in order. */
export function runSteps(
  world: World,
  steps: readonly CommandStep[],
  after?: (world: World) => void,
): Outcome[] {
  const outcomes: Outcome[] = [];
  for (const s of steps) {
    if (Array.isArray(s)) {
      const [a, b] = s as readonly [DomainCommand, DomainCommand];
      outcomes.push(...world.executeConcurrently(a, b));
    } else outcomes.push(world.execute(s as DomainCommand));
    after?.(world);
  }
  return outcomes;
}

/** Valid event histories: whatever the deciders accepted from a random command sequence. */
export function arbOrderHistory(
  options: { maxOrders?: number; maxSteps?: number } = {},
): fc.Arbitrary<GeneratedEvent[]> {
  return arbCommandSequence(options).map((steps) => {
    const world = new World();
    runSteps(world, steps);
    return world.log;
  });
}
