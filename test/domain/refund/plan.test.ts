// The refund route decision (原路退回) over the original payments: order, refund windows, fallbacks, and the
// invariants every plan keeps (never more than a payment can return, legs sum to the amount).
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { Money } from '../../../src/domain/money.ts';
import {
  DEFAULT_REFUND_POLICY,
  PLAN_ORDERS,
  planRefund,
  type RefundPolicy,
  type RefundSource,
} from '../../../src/domain/refund/index.ts';
import { RefundPlanRefusal } from '../../../src/domain/refund/refusals.ts';
import { FC_SEED } from '../../support/property.ts';

const NOW = new Date('2026-12-01T04:00:00Z');
const daysAgo = (d: number) => new Date(NOW.getTime() - d * 86_400_000);
const m = Money.parse;

function source(
  txn: string,
  channel: string,
  amount: string,
  paidDaysAgo: number,
  refunded = '0.00',
): RefundSource {
  return {
    orderId: `O-${txn}`,
    channel,
    channelTxnId: txn,
    merchantId: channel === 'wechat' ? '1900000001' : null,
    payerRef: 'o***1',
    paidAt: daysAgo(paidDaysAgo),
    amount: m(amount),
    refunded: m(refunded),
  };
}

const plan = (amount: string, sources: RefundSource[], policy: Partial<RefundPolicy> = {}, payee = true) =>
  planRefund({
    amount: m(amount),
    sources,
    policy: { ...DEFAULT_REFUND_POLICY, ...policy },
    now: NOW,
    payeeAccount: payee ? { accountRef: '6222****0001', verifiedBy: 'clerk-1' } : null,
  });

const refusalCode = (fn: () => unknown) => {
  try {
    fn();
  } catch (e) {
    if (e instanceof RefundPlanRefusal) return e.code;
    throw e;
  }
  return 'none';
};

describe('a refund plan', () => {
  const topUps = [
    source('W1', 'wechat', '500.00', 10),
    source('A1', 'alipay', '300.00', 5),
    source('W2', 'wechat', '200.00', 2),
  ];

  it('splits a deposit remainder newest first by default, each leg within its top-up', () => {
    const legs = plan('650.00', topUps);
    expect(legs.map((l) => [l.channelTxnId, l.amount.toString(), l.route])).toEqual([
      ['W2', '200.00', 'original'],
      ['A1', '300.00', 'original'],
      ['W1', '150.00', 'original'],
    ]);
    expect(legs.every((l) => !l.needsApproval)).toBe(true);
  });

  it('follows the configured order: largest first, oldest first, channel priority', () => {
    expect(plan('650.00', topUps, { order: 'largest-first' }).map((l) => l.channelTxnId)).toEqual([
      'W1',
      'A1',
    ]);
    expect(plan('650.00', topUps, { order: 'oldest-first' }).map((l) => l.channelTxnId)).toEqual([
      'W1',
      'A1',
    ]);
    expect(
      plan('650.00', topUps, { order: 'channel-priority', channelPriority: ['alipay', 'wechat'] }).map(
        (l) => l.channelTxnId,
      ),
    ).toEqual(['A1', 'W2', 'W1']);
  });

  it('never draws on what was already refunded from a payment', () => {
    const legs = plan('300.00', [
      source('W1', 'wechat', '500.00', 3, '400.00'),
      source('A1', 'alipay', '300.00', 1),
    ]);
    expect(legs.map((l) => [l.channelTxnId, l.amount.toString()])).toEqual([['A1', '300.00']]);
    expect(refusalCode(() => plan('401.00', [source('W1', 'wechat', '500.00', 3, '100.00')]))).toBe(
      'REFUND_PLAN_EXCEEDS_REFUNDABLE',
    );
  });

  it('prefers open routes and falls back, with approval, only for what they cannot cover', () => {
    // Alipay's window (90 days) has passed for A-OLD; WeChat's (365 days) has not for W-OLD.
    const legs = plan('250.00', [
      source('A-OLD', 'alipay', '200.00', 120),
      source('W-OLD', 'wechat', '100.00', 200),
    ]);
    expect(
      legs.map((l) => [l.channelTxnId, l.amount.toString(), l.route, l.closedBecause, l.needsApproval]),
    ).toEqual([
      ['W-OLD', '100.00', 'original', null, false],
      ['A-OLD', '150.00', 'bank-transfer', 'window-passed', true],
    ]);
  });

  it('sends cash and cancelled cards to the fallback; bank transfer only with a verified account', () => {
    const cash = source('C1', 'cash', '80.00', 1);
    const cancelled = { ...source('W9', 'wechat', '50.00', 1), closed: 'card cancelled' };
    expect(plan('130.00', [cash, cancelled]).map((l) => [l.route, l.closedBecause])).toEqual([
      ['bank-transfer', 'no-original-route'],
      ['bank-transfer', 'route-closed'],
    ]);
    expect(plan('80.00', [cash], {}, false)[0]!.route).toBe('cash-window');
    expect(refusalCode(() => plan('80.00', [cash], { fallbacks: ['bank-transfer'] }, false))).toBe(
      'REFUND_PLAN_NO_ROUTE',
    );
  });

  it('takes the windows from the policy (channel management may shorten or lengthen them)', () => {
    const s = [source('W1', 'wechat', '10.00', 40)];
    expect(plan('10.00', s)[0]!.route).toBe('original');
    expect(plan('10.00', s, { windowsDays: { wechat: 30 } })[0]!.route).toBe('bank-transfer');
  });
});

describe('refund plan invariants (property)', () => {
  const channelArb = fc.constantFrom('wechat', 'alipay', 'cash', 'unionpay');
  const sourceArb = fc.record({
    channel: channelArb,
    cents: fc.integer({ min: 1, max: 5_000_000 }),
    refundedShare: fc.integer({ min: 0, max: 100 }),
    age: fc.integer({ min: 0, max: 500 }),
    closed: fc.boolean(),
  });
  const policyArb = fc.record({
    order: fc.constantFrom(...PLAN_ORDERS),
    channelPriority: fc.shuffledSubarray(['wechat', 'alipay', 'cash', 'unionpay']),
    windowsDays: fc.record({
      wechat: fc.integer({ min: 1, max: 400 }),
      alipay: fc.integer({ min: 1, max: 120 }),
    }),
    fallbacks: fc.constantFrom<RefundPolicy['fallbacks']>(
      ['bank-transfer', 'cash-window'],
      ['cash-window'],
      ['cash-window', 'bank-transfer'],
    ),
  });

  it('never refunds more than paid per payment and in total; legs sum to the amount', () => {
    fc.assert(
      fc.property(
        fc.array(sourceArb, { minLength: 1, maxLength: 12 }),
        policyArb,
        fc.integer({ min: 1, max: 100 }),
        (raw, policy, share) => {
          const sources = raw.map((r, i) => {
            const amount = Money.fromCents(r.cents);
            const refunded = Money.fromCents(Math.floor((r.cents * r.refundedShare) / 100));
            return {
              ...source(`T${i}`, r.channel, amount.toString(), r.age, refunded.toString()),
              ...(r.closed ? { closed: 'closed' } : {}),
            };
          });
          const refundable = sources.reduce((t, s) => t.add(s.amount.sub(s.refunded)), Money.ZERO);
          const wanted = Money.fromCents((refundable.toCents() * BigInt(share)) / 100n);
          if (!wanted.isPositive()) return;
          const legs = plan(wanted.toString(), sources, policy);
          expect(legs.reduce((t, l) => t.add(l.amount), Money.ZERO).equals(wanted)).toBe(true);
          for (const s of sources) {
            const drawn = legs
              .filter((l) => l.channelTxnId === s.channelTxnId)
              .reduce((t, l) => t.add(l.amount), Money.ZERO);
            expect(drawn.lte(s.amount.sub(s.refunded))).toBe(true);
          }
          for (const l of legs) {
            expect(l.amount.isPositive()).toBe(true);
            expect(l.needsApproval).toBe(l.route !== 'original');
          }
          // Asking for more than everything can return is refused, never planned.
          expect(
            refusalCode(() => plan(refundable.add(Money.parse('0.01')).toString(), sources, policy)),
          ).toBe('REFUND_PLAN_EXCEEDS_REFUNDABLE');
        },
      ),
      { seed: FC_SEED, numRuns: 300 },
    );
  });
});
