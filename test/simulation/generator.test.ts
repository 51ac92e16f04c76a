import { describe, expect, it } from 'vitest';
import { addDays, businessDate } from '../../src/domain/business-date.ts';
import { depositCreditFor, depositDecider } from '../../src/domain/deposit/index.ts';
import { Rejection } from '../../src/domain/rejection.ts';
import { type OrderState, orderDecider } from '../../src/domain/order/index.ts';
import { DISCREPANCY_TYPES } from '../../src/domain/reconciliation/types.ts';
import { settlementDecider } from '../../src/domain/settlement/index.ts';
import { daySeed, expectedFee, generateDay, simulationConfig } from '../../src/simulation/generate.ts';
import { seededRandom } from '../../src/simulation/random.ts';
import { Money } from '../../src/domain/money.ts';
import { EDGE_CASE_FINDINGS, EDGE_CASE_KINDS, type SimulatedDay } from '../../src/simulation/types.ts';

const DATE = '2024-05-01';
const day = (seed: string, orders = 600, anomalies = 18) =>
  generateDay({ date: DATE, seed, orders, anomalies });

/**
 * Folds every episode through the pure deciders: what the use cases would decide, without a store. The deposit
 * credit reaction is folded in where it would run (after a paid top-up order), as the platform's policy says.
 */
function foldDay(d: SimulatedDay): { events: number; rejected: string[]; empty: string[] } {
  const deciders = { order: orderDecider, deposit: depositDecider, settlement: settlementDecider } as const;
  const states = new Map<string, unknown>();
  let events = 0;
  const rejected: string[] = [];
  const empty: string[] = [];
  const apply = (storyKey: string, decider: keyof typeof deciders, command: { type: string }): unknown[] => {
    // biome-ignore lint/suspicious/noExplicitAny: three deciders, one loop
    const dd = deciders[decider] as any;
    const key = `${decider}/${dd.streamKey(command)}`;
    const state = states.get(key) ?? dd.initialState();
    try {
      const es = dd.decide(command, state);
      if (es.length === 0) empty.push(`${storyKey} ${command.type}`);
      events += es.length;
      const next = es.reduce(dd.evolve, state);
      states.set(key, next);
      return [es, next];
    } catch (e) {
      if (!(e instanceof Rejection)) throw e;
      rejected.push(`${storyKey} ${command.type} ${e.code}`);
      return [[], state];
    }
  };
  for (const s of d.stories)
    for (const step of s.commands) {
      if (step.decider === 'await') continue;
      const [es, next] = apply(s.key, step.decider, step.command) as [{ type: string }[], OrderState];
      if (step.decider !== 'order') continue;
      for (const e of es)
        if (e.type === 'PaymentSucceeded' || e.type === 'PaymentConfirmed') {
          const credit = depositCreditFor(d.config.hospitalId, next, step.command.at);
          if (credit) apply(s.key, 'deposit', credit);
        }
    }
  return { events, rejected, empty };
}

describe('scenario generator', () => {
  it('is deterministic per seed: the same config gives the same day, another seed another day', () => {
    const a = JSON.stringify(day('alpha'));
    expect(JSON.stringify(day('alpha'))).toBe(a);
    expect(JSON.stringify(day('beta'))).not.toBe(a);
    expect(day('alpha').runTag).not.toBe(day('alpha', 601).runTag);
    // The random source can be passed in: the config's own seed gives the same day.
    const cfg = { date: DATE, seed: 'alpha', orders: 600, anomalies: 18 };
    expect(JSON.stringify(generateDay(cfg, seededRandom(daySeed(simulationConfig(cfg)))))).toBe(a);
  });

  it('seeded random source: same seed, same draws; forks are independent of later draws', () => {
    const r1 = seededRandom('x');
    const r2 = seededRandom('x');
    const xs = Array.from({ length: 50 }, () => r1.int(0, 1_000_000));
    expect(Array.from({ length: 50 }, () => r2.int(0, 1_000_000))).toEqual(xs);
    const f = seededRandom('y').fork('a');
    const g = seededRandom('y').fork('a');
    expect(f.next()).toBe(g.next());
    const sample = Array.from({ length: 10_000 }, () => r1.next());
    expect(Math.min(...sample)).toBeGreaterThanOrEqual(0);
    expect(Math.max(...sample)).toBeLessThan(1);
  });

  it('every command it issues is accepted by the domain and produces facts', () => {
    for (const seed of ['alpha', 'beta', 'gamma']) {
      const d = day(seed);
      const r = foldDay(d);
      expect(r.rejected).toEqual([]);
      expect(r.empty).toEqual([]);
      expect(r.events).toBeGreaterThanOrEqual(d.stats.commands);
    }
  });

  it('makes a realistic day: the asked number of orders across kinds and channels, refunds, deposits, retries', () => {
    const d = day('alpha', 3_000);
    const s = d.stats;
    expect(s.orders).toBe(3_000);
    for (const k of ['registration', 'outpatient', 'deposit'] as const)
      expect(s.byKind[k]).toBeGreaterThan(200);
    for (const c of ['wechat', 'alipay', 'unionpay', 'cash'] as const)
      expect(s.byChannel[c]).toBeGreaterThan(150);
    expect(s.refunds).toBeGreaterThan(50);
    expect(s.cancellations).toBeGreaterThan(20);
    expect(s.discharges).toBe(60);
    expect(s.unknownConfirmed).toBeGreaterThan(0);
    expect(s.hisRetries).toBeGreaterThan(10);
    expect(s.crossMidnight).toBeGreaterThanOrEqual(2);
    const types = new Set<string>(d.stories.flatMap((x) => x.commands.map((c) => c.command.type)));
    for (const t of [
      'CreateOrder',
      'RequestPayment',
      'RecordPayment',
      'MarkPaymentUnknown',
      'ConfirmPayment',
      'RecordPaymentFailure',
      'CancelOrder',
      'RequestRefund',
      'VerifyRefundIdentity',
      'RecordRefundSuccess',
      'ApplyDepositAtDischarge',
      'RefundDepositRemainder',
      'RecordChannelSettlement',
    ])
      expect(types.has(t)).toBe(true);
    // Partial refunds exist: some refund is less than its order.
    const partial = d.stories.some((x) => {
      const created = x.commands.find((o) => o.command.type === 'CreateOrder')?.command;
      return x.commands.some(
        ({ command: c }) =>
          c.type === 'RequestRefund' && created?.type === 'CreateOrder' && !created.amount.equals(c.amount),
      );
    });
    expect(partial).toBe(true);
  });

  it('injects every discrepancy type with the subject conventions of reconciliation/types.ts', () => {
    const d = day('alpha', 600, 18);
    expect(d.answerKey).toHaveLength(18 + EDGE_CASE_FINDINGS);
    for (const t of DISCREPANCY_TYPES) expect(d.answerKey.some((k) => k.type === t)).toBe(true);
    for (const k of d.answerKey) {
      expect(k.businessDate).toBe(DATE);
      expect(k.amount).toMatch(/^\d+\.\d{2}$/);
      expect(Money.parse(k.amount).isPositive()).toBe(true);
      expect(['wechat', 'alipay', 'unionpay']).toContain(k.channel);
      if (k.type === 'FEE_MISMATCH') expect(k.subject).toMatch(/^fee:/);
      if (k.type === 'SETTLEMENT_SHORTFALL') expect(k.subject).toBe(`settlement:${DATE}`);
      if (k.type === 'HIS_ONLY') expect(k.subject).toMatch(/^his:(payment|refund):HIS/);
      if (k.type === 'DUPLICATE') expect(k.subject).toMatch(/^dup:/);
      if (k.type === 'STATUS_MISMATCH') expect(k.subject).toMatch(/^TF/);
    }
    // Settlement shortfalls: at most one per statement channel, the rest round-robin over the other types.
    const d40 = day('alpha', 600, 40);
    expect(d40.answerKey.filter((k) => k.type === 'SETTLEMENT_SHORTFALL')).toHaveLength(3);
    expect(d40.answerKey).toHaveLength(40 + EDGE_CASE_FINDINGS);
  });

  it('injects every edge case, and its answer key says what each must end as with and without the next day', () => {
    const d = day('alpha', 600, 18);
    expect(new Set(d.cases.map((c) => c.case))).toEqual(new Set(EDGE_CASE_KINDS));
    for (const k of EDGE_CASE_KINDS)
      expect(d.stats.edgeCases[k]).toBe(d.cases.filter((c) => c.case === k).length);
    const of = (kind: string) => d.cases.filter((c) => c.case === kind);
    for (const c of of('cross-midnight'))
      expect([c.withoutNextDay, c.withNextDay, c.awaiting]).toEqual([
        'pending',
        'resolved',
        'next-statement',
      ]);
    const [inFlight] = of('refund-in-flight');
    expect(d.channelRecords.find((r) => r.refundNo === inFlight!.subject)?.status).toBe('PROCESSING');
    expect([inFlight!.withoutNextDay, inFlight!.withNextDay]).toEqual(['pending', 'pending']);
    const [failed] = of('refund-failed');
    expect(d.channelRecords.find((r) => r.refundNo === failed!.subject)?.status).toBe('FAIL');
    const [split] = of('split-lines');
    const parts = d.channelRecords.filter(
      (r) => r.merchantOrderNo === split!.subject && r.kind === 'payment',
    );
    expect(parts).toHaveLength(2);
    expect(Money.sum(parts.map((r) => Money.parse(r.amount))).toString()).toBe(split!.amount);
    const [shared] = of('his-shared-number');
    const hisNo = shared!.subject.split(':')[2];
    expect(d.hisRecords.filter((r) => r.hisNo === hisNo).map((r) => r.kind)).toEqual(['payment', 'refund']);
    expect(d.answerKey.filter((k) => k.subject.includes(`:${hisNo}`))).toHaveLength(2);
  });

  it('anomalies sit where they happen: the channel has what the platform lacks and vice versa', () => {
    const d = day('gamma', 800, 27);
    const paidOrders = new Set(
      d.stories.flatMap((s) =>
        s.commands
          .filter((c) => c.command.type === 'RecordPayment' || c.command.type === 'ConfirmPayment')
          .map((c) => (c.command as { orderId: string }).orderId),
      ),
    );
    const channelPayments = new Set(
      d.channelRecords.filter((r) => r.kind === 'payment').map((r) => r.merchantOrderNo),
    );
    const his = new Set(d.hisRecords.filter((r) => r.kind === 'payment').map((r) => r.merchantOrderNo));
    for (const k of d.answerKey) {
      if (k.type === 'CHANNEL_ONLY') {
        expect(channelPayments.has(k.subject)).toBe(true);
        expect(paidOrders.has(k.subject)).toBe(false);
      }
      if (k.type === 'PLATFORM_ONLY') {
        expect(paidOrders.has(k.subject)).toBe(true);
        expect(channelPayments.has(k.subject)).toBe(false);
      }
      if (k.type === 'HIS_MISSING') {
        expect(paidOrders.has(k.subject)).toBe(true);
        expect(his.has(k.subject)).toBe(false);
      }
      if (k.type === 'DUPLICATE')
        expect(d.channelRecords.filter((r) => `dup:${r.merchantOrderNo}` === k.subject)).toHaveLength(2);
      if (k.type === 'FEE_MISMATCH') {
        const r = d.channelRecords.find((x) => `fee:${x.merchantOrderNo}` === k.subject)!;
        const expected = expectedFee(r.channel, Money.parse(r.amount));
        expect(Money.parse(r.fee).sub(expected).abs().toString()).toBe(k.amount);
      }
    }
    // Every other channel line carries the contract fee.
    const feeSubjects = new Set(d.answerKey.filter((k) => k.type === 'FEE_MISMATCH').map((k) => k.subject));
    for (const r of d.channelRecords) {
      if (feeSubjects.has(`fee:${r.merchantOrderNo}`)) continue;
      const fee = expectedFee(r.channel, Money.parse(r.amount));
      expect(r.fee).toBe((r.kind === 'payment' ? fee : fee.negate()).toString());
    }
  });

  it('cross-midnight payments: 23:59:5x on the platform, after midnight at the channel, never in the answer key', () => {
    const d = day('alpha', 1_200);
    const late = d.channelRecords.filter((r) => r.businessDate === addDays(DATE, 1));
    const early = d.channelRecords.filter(
      (r) => r.businessDate === DATE && Date.parse(r.occurredAt) < Date.parse('2024-04-30T16:00:10Z'),
    );
    expect(late.length).toBeGreaterThanOrEqual(1);
    expect(early.length).toBeGreaterThanOrEqual(1);
    const paidAt = new Map<string, Date>();
    for (const s of d.stories)
      for (const c of s.commands)
        if (c.command.type === 'RecordPayment') paidAt.set(c.command.orderId, c.command.at);
    for (const r of late) {
      const at = paidAt.get(r.merchantOrderNo)!;
      expect(businessDate(at)).toBe(DATE);
      expect(at.toISOString() >= '2024-05-01T15:59:50.000Z').toBe(true);
      expect(d.answerKey.some((k) => k.subject.includes(r.merchantOrderNo))).toBe(false);
    }
    for (const r of early) expect(businessDate(paidAt.get(r.merchantOrderNo)!)).toBe(addDays(DATE, -1));
  });

  it('POS refunds (消费撤销/退货) print their own 参考号 and the original 订单号, no refund no; the platform knows the 参考号', () => {
    // The contract reconciliation must match on: RefundSucceeded.channelRefundId = the POS line's 参考号 (channelTxnId);
    // deposit remainder refunds (no channel refund id on the platform) by order no and amount.
    const d = day('alpha', 3_000);
    const pos = d.channelRecords.filter((r) => r.channel === 'unionpay' && r.kind === 'refund');
    expect(pos.length).toBeGreaterThan(5);
    const refundIds = new Set<string>(
      d.stories.flatMap((s) =>
        s.commands.flatMap((c) =>
          c.command.type === 'RecordRefundSuccess' ? [c.command.channelRefundId] : [],
        ),
      ),
    );
    const depositRefundOrders = new Set<string>(
      d.stories.flatMap((s) =>
        s.commands.flatMap((c) =>
          c.command.type === 'RefundDepositRemainder' ? [c.command.topUpOrderId] : [],
        ),
      ),
    );
    for (const r of pos) {
      expect(r.refundNo).toBeUndefined();
      expect(r.referenceNo).toBe(r.channelTxnId);
      expect(['消费撤销', '退货']).toContain(r.tradeType);
      expect(refundIds.has(r.channelTxnId) || depositRefundOrders.has(r.merchantOrderNo)).toBe(true);
    }
  });

  it('the bank credit is the statement net (failed lines moved no money) less any injected shortfall', () => {
    const d = day('beta', 600, 18);
    for (const c of d.bankCredits) {
      const lines = d.channelRecords.filter(
        (r) => r.channel === c.channel && r.businessDate === DATE && r.status !== 'FAIL',
      );
      let net = Money.ZERO;
      for (const r of lines)
        net = (r.kind === 'payment' ? net.add(Money.parse(r.amount)) : net.sub(Money.parse(r.amount))).sub(
          Money.parse(r.fee, { allowNegative: true }),
        );
      expect(c.due).toBe(net.toString());
      const short = d.answerKey.find((k) => k.type === 'SETTLEMENT_SHORTFALL' && k.channel === c.channel);
      expect(c.amount).toBe(short ? net.sub(Money.parse(short.amount)).toString() : net.toString());
    }
  });

  it('refuses configs beyond its limits', () => {
    expect(() => simulationConfig({ date: DATE, orders: 0 })).toThrow(/orders/);
    expect(() => simulationConfig({ date: DATE, orders: 50, anomalies: 18 })).toThrow(/anomalies need/);
    expect(() => simulationConfig({ date: '2024-02-30' })).toThrow();
  });
});
