// Properties of the payment attempt decider under random sequences of what the platform and the channel say —
// starts, "user paying", callbacks and query answers (the same or another transaction, the right or a wrong
// amount), failures, reversals (撤销) and closes, each possibly delivered twice and in any order.
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { HospitalId } from '../../../src/domain/ids.ts';
import { Money } from '../../../src/domain/money.ts';
import {
  decidePayment,
  evolvePayment,
  initialPaymentState,
  isFinal,
  PAYMENT_METHODS,
  type PaymentCommand,
  type PaymentEvent,
  type PaymentState,
} from '../../../src/domain/payment/index.ts';
import { InvariantViolation, isRejection, Refusal } from '../../../src/domain/rejection.ts';
import { FC_SEED } from '../../support/property.ts';

const ORDER = 'O-1';
const AT = new Date('2026-12-01T02:00:00Z');
const actor = { kind: 'system' as const, id: 'test' };
const base = (attemptId: string) => ({
  hospitalId: HospitalId('H1'),
  orderId: ORDER,
  attemptId,
  at: AT,
  actor,
});

type Step = (orderAmount: string) => PaymentCommand;

const attemptId = fc.constantFrom('A1', 'A2', 'A3');
const otherAmount = fc.constantFrom('0.01', '1.00', '99999.00');

const arbStep: fc.Arbitrary<Step> = fc.oneof(
  fc
    .record({
      id: attemptId,
      method: fc.constantFrom(...PAYMENT_METHODS),
      channel: fc.constantFrom('wechat', 'alipay'),
    })
    .map(
      (s): Step =>
        (amount) => ({
          ...base(s.id),
          type: 'StartPaymentAttempt',
          method: s.method,
          channel: s.channel as 'wechat',
          amount,
          merchantOrderNo: ORDER,
          expiresAt: new Date(AT.getTime() + 300_000),
        }),
    ),
  attemptId.map(
    (id): Step =>
      () => ({ ...base(id), type: 'RecordAttemptAwaitingPassword' }),
  ),
  fc
    .record({
      id: attemptId,
      txn: fc.constantFrom('T1', 'T2'),
      amount: fc.option(otherAmount, { nil: undefined }),
      via: fc.constantFrom('answer' as const, 'callback' as const, 'query' as const),
    })
    .map(
      (s): Step =>
        (amount) => ({
          ...base(s.id),
          type: 'RecordAttemptSucceeded',
          channelTxnId: s.txn,
          amount: s.amount ?? amount,
          via: s.via,
        }),
    ),
  attemptId.map(
    (id): Step =>
      () => ({ ...base(id), type: 'RecordAttemptFailed', reason: 'declined', channelCode: 'NOTENOUGH' }),
  ),
  fc.record({ id: attemptId, action: fc.constantFrom('close' as const, 'refund' as const) }).map(
    (s): Step =>
      () => ({ ...base(s.id), type: 'RecordAttemptReversed', reason: 'timed out', action: s.action }),
  ),
  attemptId.map(
    (id): Step =>
      () => ({ ...base(id), type: 'RecordAttemptClosed', reason: 'expired' }),
  ),
);

/** Each step delivered once or twice (a redelivered callback, a retried request). */
const arbRun = fc.record({
  orderAmount: fc.constantFrom('25.00', '0.01', '4999.99'),
  steps: fc.array(fc.tuple(arbStep, fc.boolean()), { maxLength: 30 }),
});

interface Outcome {
  events: PaymentEvent[];
  state: PaymentState;
  /** Accepted commands decided again on the state they left: each must answer []. */
  repeats: PaymentEvent[][];
}

function run(orderAmount: string, steps: readonly [Step, boolean][]): Outcome {
  let state = initialPaymentState();
  const events: PaymentEvent[] = [];
  const repeats: PaymentEvent[][] = [];
  for (const [step, twice] of steps) {
    const command = step(orderAmount);
    for (let n = 0; n < (twice ? 2 : 1); n++) {
      let decided: PaymentEvent[];
      try {
        decided = decidePayment(command, state);
      } catch (e) {
        // A refusal is an answer; an invariant violation or a crash fails the property.
        if (e instanceof InvariantViolation || !(e instanceof Refusal || isRejection(e))) throw e;
        break;
      }
      state = decided.reduce(evolvePayment, state);
      events.push(...decided);
      if (decided.length > 0) repeats.push(decidePayment(command, state));
    }
  }
  return { events, state, repeats };
}

describe('the payment attempt decider under random callbacks, queries, closes and reversals', () => {
  it('records a payment at most once, never above the order, never undone; the same result twice changes nothing', () => {
    fc.assert(
      fc.property(arbRun, ({ orderAmount, steps }) => {
        const { events, state, repeats } = run(orderAmount, steps);
        const paid = events.filter((e) => e.type === 'PaymentAttemptSucceeded');
        // At most once, whichever of callback, query or answer came first.
        expect(paid.length).toBeLessThanOrEqual(1);
        expect(state.attempts.filter((a) => a.status === 'succeeded').length).toBe(paid.length);
        // Never more than the order: exactly the attempt's amount, which is the order's.
        for (const e of paid) {
          expect(Money.parse(e.data.amount).lte(Money.parse(orderAmount))).toBe(true);
          expect(e.data.amount).toBe(orderAmount);
        }
        // Once paid, never reversed, closed or failed afterwards, and no other attempt starts on the trade.
        const paidAt = events.findIndex((e) => e.type === 'PaymentAttemptSucceeded');
        if (paidAt >= 0) {
          const after = events.slice(paidAt + 1);
          expect(after.filter((e) => e.data.attemptId === paid[0]!.data.attemptId)).toEqual([]);
          expect(after.filter((e) => e.type === 'PaymentAttemptStarted')).toEqual([]);
          expect(state.attempts.find((a) => a.attemptId === paid[0]!.data.attemptId)?.status).toBe(
            'succeeded',
          );
        }
        // A reversal is a payment code's, and a reversed or closed trade takes no new attempt.
        for (const [i, e] of events.entries()) {
          if (e.type === 'PaymentAttemptReversed') {
            const started = events.find(
              (s) => s.type === 'PaymentAttemptStarted' && s.data.attemptId === e.data.attemptId,
            );
            expect(started?.type === 'PaymentAttemptStarted' && started.data.method).toBe('code');
          }
          if (e.type === 'PaymentAttemptReversed' || e.type === 'PaymentAttemptClosed')
            expect(events.slice(i + 1).filter((x) => x.type === 'PaymentAttemptStarted')).toEqual([]);
        }
        // Only the last attempt may still be in flight.
        expect(state.attempts.slice(0, -1).every(isFinal)).toBe(true);
        // The same result twice (a callback after the query found it, a retried start) is no new fact.
        for (const again of repeats) expect(again).toEqual([]);
      }),
      { seed: FC_SEED, numRuns: 2_000 },
    );
  });

  it('a callback and a query answer for the same payment, in either order, record it once', () => {
    fc.assert(
      fc.property(
        fc.constantFrom<('callback' | 'query')[]>(['callback', 'query'], ['query', 'callback']),
        (order) => {
          const start: Step = (amount) => ({
            ...base('A1'),
            type: 'StartPaymentAttempt',
            method: 'qr',
            channel: 'wechat',
            amount,
            merchantOrderNo: ORDER,
            expiresAt: new Date(AT.getTime() + 300_000),
          });
          const result =
            (via: 'callback' | 'query'): Step =>
            (amount) => ({
              ...base('A1'),
              type: 'RecordAttemptSucceeded',
              channelTxnId: 'T1',
              amount,
              via,
            });
          const { events } = run(
            '25.00',
            [start, ...order.map(result)].map((s) => [s, false] as [Step, boolean]),
          );
          const paid = events.filter((e) => e.type === 'PaymentAttemptSucceeded');
          expect(paid).toHaveLength(1);
          expect(paid[0]?.type === 'PaymentAttemptSucceeded' && paid[0].data.via).toBe(order[0]);
        },
      ),
      { seed: FC_SEED },
    );
  });
});
