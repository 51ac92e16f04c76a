import fc from 'fast-check';
import { FC_SEED } from '../support/property.ts';
import { describe, expect, it } from 'vitest';
import { businessDate } from '../../src/domain/business-date.ts';
import { assertDepositInvariants } from '../../src/domain/deposit/index.ts';
import type { DepositState } from '../../src/domain/deposit/types.ts';
import type { DomainEvent } from '../../src/domain/events.ts';
import { balancesOf, type JournalEntry, postingsFor, trialBalance } from '../../src/domain/ledger/index.ts';
import { Money } from '../../src/domain/money.ts';
import { assertOrderInvariants, committedRefunds, paymentsOf } from '../../src/domain/order/index.ts';
import type { OrderState } from '../../src/domain/order/types.ts';
import { arbAmountText, arbCommandSequence, runSteps } from '../generators/arbitraries.ts';
import { cmd } from '../generators/builders.ts';
import { canon, type GeneratedEvent, replay, World } from '../generators/world.ts';

// ≈ 14,000 generated runs in total; sequences stay short so the suite runs in seconds.
const RUNS = { sequences: 2_500, redelivery: 1_500, concurrentRefunds: 2_000, money: 3_000, dates: 1_000 };

function checkInvariants(world: World): void {
  for (const s of world.streams.values()) {
    if (s.category === 'order') assertOrderInvariants(s.state as OrderState);
    if (s.category === 'deposit') assertDepositInvariants(s.state as DepositState);
  }
}

function entriesOf(log: readonly GeneratedEvent[]): JournalEntry[] {
  const out: JournalEntry[] = [];
  for (const e of log) {
    const entry = postingsFor(e as unknown as DomainEvent);
    if (entry) out.push(entry);
  }
  return out;
}

describe('properties of the deciders under random command sequences', () => {
  it('random commands from many actors — duplicates, reorderings, races — never break an invariant', () => {
    fc.assert(
      fc.property(arbCommandSequence(), (steps) => {
        const world = new World();
        // World rethrows anything that is not a Rejection: a crash or an InvariantViolation fails the property.
        runSteps(world, steps, checkInvariants);
      }),
      { seed: FC_SEED, numRuns: RUNS.sequences },
    );
  });

  it('total debits equal total credits, and revenue and payables match the orders', () => {
    fc.assert(
      fc.property(arbCommandSequence(), (steps) => {
        const world = new World();
        runSteps(world, steps);
        const entries = entriesOf(world.log);
        const t = trialBalance(entries);
        expect(t.debits.toString()).toBe(t.credits.toString());
        const balances = balancesOf(entries);
        const expected = new Map<string, Money>();
        const add = (k: string, v: Money) => expected.set(k, (expected.get(k) ?? Money.ZERO).add(v));
        for (const s of world.streams.values()) {
          if (s.category !== 'order') continue;
          const o = s.state as OrderState;
          if (o.payment && o.kind !== 'deposit') add(`revenue:${o.kind}`, o.payment.amount);
          for (const d of o.duplicates) add('payable:refunds', d.amount);
          for (const r of o.refunds.values())
            if (r.status === 'succeeded')
              add(r.of === 'duplicate' ? 'payable:refunds' : `revenue:${o.kind}`, r.amount.negate());
        }
        for (const k of ['revenue:registration', 'revenue:outpatient', 'payable:refunds'])
          expect((balances.get(k) ?? Money.ZERO).toString()).toBe((expected.get(k) ?? Money.ZERO).toString());
      }),
      { seed: FC_SEED, numRuns: RUNS.sequences },
    );
  });

  it('replaying the events (also through JSON) gives the same states and balances', () => {
    fc.assert(
      fc.property(arbCommandSequence(), (steps) => {
        const world = new World();
        runSteps(world, steps);
        const live = new Map(
          [...world.streams].filter(([, s]) => s.version > 0).map(([id, s]) => [id, s.state]),
        );
        const fromJson = JSON.parse(JSON.stringify(world.log)) as GeneratedEvent[];
        expect(canon(replay(world.log))).toEqual(canon(live));
        expect(canon(replay(fromJson))).toEqual(canon(live));
        expect(canon(balancesOf(entriesOf(fromJson)))).toEqual(canon(balancesOf(entriesOf(world.log))));
      }),
      { seed: FC_SEED, numRuns: RUNS.sequences },
    );
  });

  it('re-delivering any accepted command changes nothing', () => {
    fc.assert(
      fc.property(arbCommandSequence({ maxSteps: 30 }), (steps) => {
        const world = new World();
        for (const step of steps) {
          const c = Array.isArray(step) ? step[0] : step;
          const out = world.execute(c);
          if (!out.ok || out.events.length === 0) continue;
          try {
            expect(world.decide(c).events).toEqual([]);
          } catch (e) {
            expect((e as { code?: string }).code).toBe('ORDER_ALREADY_EXISTS');
          }
        }
      }),
      { seed: FC_SEED, numRuns: RUNS.redelivery },
    );
  });

  it('refunds never exceed the payment, even concurrently', () => {
    const arbRace = fc.record({
      cents: fc.integer({ min: 2, max: 1_000_000 }),
      races: fc.array(
        fc.tuple(fc.integer({ min: 1, max: 100 }), fc.integer({ min: 1, max: 100 }), fc.boolean()),
        {
          minLength: 1,
          maxLength: 6,
        },
      ),
    });
    fc.assert(
      fc.property(arbRace, ({ cents, races }) => {
        const amount = Money.fromCents(cents);
        const world = new World();
        for (const c of [
          cmd.createOutpatient({ items: [['X', amount]] }),
          cmd.requestPayment(),
          cmd.recordPayment({ amount }),
        ])
          world.execute(c);
        let n = 0;
        for (const [pa, pb, failFirst] of races) {
          const part = (p: number) => Money.fromCents(Math.max(1, Math.floor((cents * p) / 100)));
          const before = world.stateOf(cmd.requestPayment()) as OrderState;
          const room = amount.sub(committedRefunds(before, 'T1'));
          const a = cmd.requestRefund({ refundId: `R${n++}`, amount: part(pa) });
          const b = cmd.requestRefund({ refundId: `R${n++}`, amount: part(pb) });
          const [ra, rb] = world.executeConcurrently(a, b);
          // Each fits alone but not together: exactly one of them gets through.
          if (a.amount.lte(room) && b.amount.lte(room) && a.amount.add(b.amount).gt(room)) {
            expect(ra.ok).toBe(true);
            expect(rb.ok ? 'accepted' : rb.rejection.code).toBe('REFUND_EXCEEDS_PAYMENT');
          }
          if (failFirst && ra.ok) world.execute(cmd.recordRefundFailure({ refundId: a.refundId }));
          const s = world.stateOf(cmd.requestPayment()) as OrderState;
          for (const p of paymentsOf(s)) expect(committedRefunds(s, p.channelTxnId).lte(p.amount)).toBe(true);
        }
      }),
      { seed: FC_SEED, numRuns: RUNS.concurrentRefunds },
    );
  });
});

describe('properties of money and dates', () => {
  it('money round-trips through JSON and through the strings SQL numeric gives back', () => {
    fc.assert(
      fc.property(arbAmountText(), fc.boolean(), ({ cents, text }, negative) => {
        const m = Money.parse(text);
        expect(m.toCents()).toBe(BigInt(cents));
        expect(Money.parse(JSON.parse(JSON.stringify({ m })).m).equals(m)).toBe(true);
        // numeric without scale prints "12.5"; with scale "12.50": both come back equal.
        const sql = m.toDecimal().toString();
        expect(Money.parse(sql).toString()).toBe(m.toString());
        expect(Money.fromDecimal(m.toDecimal()).equals(m)).toBe(true);
        const signed = negative ? m.negate() : m;
        expect(Money.parse(signed.toString(), { allowNegative: true }).equals(signed)).toBe(true);
        expect(signed.add(m).sub(m).equals(signed)).toBe(true);
      }),
      { seed: FC_SEED, numRuns: RUNS.money },
    );
  });

  it('a cut-off of HH:MM in a zone without DST is the calendar date shifted by (24h − HH:MM)', () => {
    fc.assert(
      fc.property(
        fc.date({ min: new Date('2000-01-01'), max: new Date('2099-12-31'), noInvalidDate: true }),
        fc.integer({ min: 1, max: 23 * 60 + 59 }),
        (instant, minutes) => {
          const cutoff = `${String(Math.floor(minutes / 60)).padStart(2, '0')}:${String(minutes % 60).padStart(2, '0')}`;
          const shifted = new Date(instant.getTime() + (24 * 60 - minutes) * 60_000);
          expect(businessDate(instant, { cutoff })).toBe(businessDate(shifted));
        },
      ),
      { seed: FC_SEED, numRuns: RUNS.dates },
    );
  });
});
