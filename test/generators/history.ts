// A plain seeded generator of realistic, valid histories (no fast-check): replay benchmarks, projection load
// tests, the simulator. Every event comes from the real deciders through the World handler model, so the
// history is valid by construction; the PRNG makes it deterministic per seed.
import { Money } from '../../src/domain/money.ts';
import { cmd, type DomainCommand } from './builders.ts';
import { type GeneratedEvent, streamIdOf, World } from './world.ts';

/** Small, fast, good-enough PRNG (mulberry32). */
export function mulberry32(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

export interface HistoryOptions {
  hospitals?: number;
  channels?: readonly string[];
  /** First business time. */
  start?: Date;
  /** Orders/admissions in flight at once (interleaving). */
  concurrency?: number;
  /**
   * Events simulated through the deciders; beyond it the block is replayed for further tenants (hospital ids
   * suffixed `-b<k>`, times shifted after the previous block), which keeps 1M events to a couple of seconds.
   * Data objects are shared between blocks: treat events as immutable.
   */
  blockSize?: number;
}

/** Default number of events simulated through the deciders before blocks are replicated. */
export const DEFAULT_HISTORY_BLOCK = 50_000;

/**
 * Exactly `n` valid domain events, deterministic for a seed (see simulateHistory). Large histories replicate one
 * simulated block across tenants: every stream stays valid, streams of different blocks are distinct.
 */
export function generateHistory(seed: number, n: number, options: HistoryOptions = {}): GeneratedEvent[] {
  const blockSize = Math.max(1, options.blockSize ?? DEFAULT_HISTORY_BLOCK);
  const block = simulateHistory(seed, Math.min(n, blockSize), options);
  if (n <= block.length) return block;
  const first = block[0]!.occurredAt.getTime();
  const span = block[block.length - 1]!.occurredAt.getTime() - first + 60_000;
  const out: GeneratedEvent[] = block.slice();
  out.length = n;
  for (let k = 1, i = block.length; i < n; k++) {
    const suffix = `-b${k}`;
    const shift = k * span;
    for (let j = 0; j < block.length && i < n; j++, i++) {
      const e = block[j]!;
      const hospitalId = e.hospitalId + suffix;
      out[i] = {
        ...e,
        hospitalId,
        streamId: hospitalId + e.streamId.slice(e.hospitalId.length),
        occurredAt: new Date(e.occurredAt.getTime() + shift),
      };
    }
  }
  return out;
}

const DAY_MS = 86_400_000;
const SHANGHAI_OFFSET_MS = 8 * 3_600_000;
/** Channel fee rate the generator charges (0.6%, WeChat/Alipay's usual). */
const FEE_PER_MILLE = 6;

type Script = { at: number; steps: Array<(at: Date) => DomainCommand>; streams?: Set<string> };

/**
 * Exactly `n` valid domain events, all decided by the real deciders, deterministic for a seed: registrations, outpatient payments, admissions with
 * deposit top-ups, discharge and remainder refunds, failures, unknown kiosk payments, duplicate callbacks and
 * payments, cancellations, partial refunds, HIS writeback failures, and each day's channel fees and settlements.
 */
export function simulateHistory(seed: number, n: number, options: HistoryOptions = {}): GeneratedEvent[] {
  const rnd = mulberry32(seed);
  const int = (min: number, max: number) => min + Math.floor(rnd() * (max - min + 1));
  const chance = (p: number) => rnd() < p;
  const hospitals = Array.from(
    { length: options.hospitals ?? 3 },
    (_, i) => `H${String(i + 1).padStart(3, '0')}`,
  );
  const channels = options.channels ?? ['wechat', 'alipay', 'unionpay', 'cash'];
  const concurrency = options.concurrency ?? 64;
  const world = new World();
  let clock = (options.start ?? new Date('2024-01-01T00:00:00.000Z')).getTime();
  let seq = 0;
  const active: Script[] = [];
  // Net cents per hospital|channel|date, for that day's fee and settlement.
  const dayNet = new Map<string, number>();
  let day = Math.floor((clock + SHANGHAI_OFFSET_MS) / DAY_MS);

  const run = (c: DomainCommand) => {
    const out = world.execute(c);
    if (!out.ok) throw new Error(`generateHistory bug: ${c.type} rejected with ${out.rejection.code}`);
    for (const e of out.events) {
      const d = e.data as { channel?: string; amount?: string };
      const sign =
        e.type === 'PaymentSucceeded' ||
        e.type === 'PaymentConfirmed' ||
        e.type === 'DuplicatePaymentReceived'
          ? 1
          : e.type === 'RefundSucceeded' || e.type === 'DepositRemainderRefunded'
            ? -1
            : 0;
      if (sign !== 0 && d.channel && d.amount) {
        const key = `${c.hospitalId}|${d.channel}|${day}`;
        dayNet.set(key, (dayNet.get(key) ?? 0) + sign * Number(Money.parse(d.amount).toCents()));
      }
    }
  };

  const newScript = (): Script => {
    const h = hospitals[int(0, hospitals.length - 1)]!;
    const channel = channels[int(0, channels.length - 1)]!;
    const id = ++seq;
    const base = { hospitalId: h, actor: { kind: 'bus-client' as const, id: `kiosk-${id % 40}` } };
    const orderId = `O${id}`;
    const pay = (
      o: string,
      cents: number,
      attempt: string,
      txn: string,
    ): Array<(at: Date) => DomainCommand> => [
      (at) => cmd.requestPayment({ ...base, at, orderId: o, attemptId: attempt, channel }),
      (at) =>
        cmd.recordPayment({
          ...base,
          at,
          orderId: o,
          channel,
          channelTxnId: txn,
          attemptId: attempt,
          amount: Money.fromCents(cents),
        }),
    ];
    const r = rnd();
    if (r < 0.15) {
      // An admission: 1-3 deposit top-ups, discharge settlement, remainder refunds.
      const admissionId = `ADM${id}`;
      const patientId = `P${id}`;
      const tops = Array.from({ length: int(1, 3) }, (_, k) => ({
        orderId: `${orderId}-D${k}`,
        cents: int(50, 500) * 1000,
      }));
      const steps: Script['steps'] = [];
      for (const t of tops) {
        const amount = Money.fromCents(t.cents);
        steps.push((at) =>
          cmd.createDepositOrder({ ...base, at, orderId: t.orderId, amount, patientId, admissionId }),
        );
        steps.push(...pay(t.orderId, t.cents, `${t.orderId}-A1`, `${t.orderId}-T1`));
        steps.push((at) =>
          cmd.topUpDeposit({
            ...base,
            at,
            admissionId,
            patientId,
            orderId: t.orderId,
            channel,
            channelTxnId: `${t.orderId}-T1`,
            amount,
          }),
        );
      }
      const total = tops.reduce((a, t) => a + t.cents, 0);
      const applied = Math.floor((total * int(30, 100)) / 100);
      steps.push((at) =>
        cmd.applyDeposit({
          ...base,
          at,
          admissionId,
          settlementId: `DS${id}`,
          amount: Money.fromCents(applied),
        }),
      );
      let remainder = total - applied;
      for (const t of tops) {
        if (remainder <= 0) break;
        const cents = Math.min(remainder, t.cents);
        remainder -= cents;
        steps.push((at) =>
          cmd.refundDepositRemainder({
            ...base,
            at,
            admissionId,
            refundId: `${t.orderId}-RR`,
            topUpOrderId: t.orderId,
            amount: Money.fromCents(cents),
          }),
        );
      }
      return { at: 0, steps };
    }
    const registration = r < 0.6;
    const cents = registration ? int(5, 100) * 100 : int(100, 200_000);
    const amount = Money.fromCents(cents);
    const steps: Script['steps'] = [];
    if (registration)
      steps.push((at) =>
        cmd.createRegistration({ ...base, at, orderId, amount, mode: chance(0.5) ? 'booked' : 'same-day' }),
      );
    else {
      const k = int(1, 4);
      const items: Array<[string, Money]> = [];
      let left = cents;
      for (let i = 0; i < k; i++) {
        const c = i === k - 1 ? left : Math.max(1, Math.floor(left / (k - i)));
        if (c <= 0) break;
        items.push([`RX${id}-${i}`, Money.fromCents(c)]);
        left -= c;
      }
      steps.push((at) => cmd.createOutpatient({ ...base, at, orderId, items }));
    }
    const txn = `${orderId}-T1`;
    if (chance(0.05)) {
      // A kiosk lost the answer: resolved later by confirmation, or failure and a second attempt.
      steps.push((at) => cmd.requestPayment({ ...base, at, orderId, attemptId: `${orderId}-A0`, channel }));
      steps.push((at) =>
        cmd.markPaymentUnknown({ ...base, at, orderId, attemptId: `${orderId}-A0`, channel }),
      );
      if (chance(0.7))
        steps.push((at) =>
          cmd.confirmPayment({ ...base, at, orderId, attemptId: `${orderId}-A0`, channelTxnId: txn, amount }),
        );
      else {
        steps.push((at) =>
          cmd.recordPaymentFailure({ ...base, at, orderId, attemptId: `${orderId}-A0`, channel }),
        );
        steps.push(...pay(orderId, cents, `${orderId}-A1`, txn));
      }
    } else {
      if (chance(0.08)) {
        steps.push((at) => cmd.requestPayment({ ...base, at, orderId, attemptId: `${orderId}-A0`, channel }));
        steps.push((at) =>
          cmd.recordPaymentFailure({ ...base, at, orderId, attemptId: `${orderId}-A0`, channel }),
        );
      }
      steps.push(...pay(orderId, cents, `${orderId}-A1`, txn));
    }
    if (chance(0.03))
      steps.push((at) => cmd.recordPayment({ ...base, at, orderId, channel, channelTxnId: txn, amount })); // duplicate callback
    if (chance(0.08)) steps.push((at) => cmd.hisWritebackFailure({ ...base, at, orderId, attempt: 1 }));
    steps.push((at) => cmd.hisWritebackSuccess({ ...base, at, orderId, hisReceiptId: `HR${id}` }));
    const refundFlow = (refundId: string, ok: boolean) => {
      steps.push((at) => cmd.verifyRefundIdentity({ ...base, at, orderId, refundId }));
      steps.push((at) =>
        ok
          ? cmd.recordRefundSuccess({ ...base, at, orderId, refundId })
          : cmd.recordRefundFailure({ ...base, at, orderId, refundId }),
      );
    };
    if (registration && chance(0.1)) {
      steps.push((at) => cmd.cancelOrder({ ...base, at, orderId, refundId: `${orderId}-R1` }));
      refundFlow(`${orderId}-R1`, chance(0.95));
    } else if (!registration && chance(0.12)) {
      const part = Money.fromCents(Math.max(1, Math.floor((cents * int(10, 100)) / 100)));
      steps.push((at) =>
        cmd.requestRefund({ ...base, at, orderId, refundId: `${orderId}-R1`, amount: part }),
      );
      refundFlow(`${orderId}-R1`, chance(0.95));
    }
    if (chance(0.02)) {
      const dup = `${orderId}-T9`;
      steps.push((at) =>
        cmd.recordPayment({ ...base, at, orderId, channel, channelTxnId: dup, amount, attemptId: null }),
      );
      steps.push((at) =>
        cmd.requestRefund({ ...base, at, orderId, refundId: `${orderId}-R9`, amount, channelTxnId: dup }),
      );
      refundFlow(`${orderId}-R9`, true);
    }
    return { at: 0, steps };
  };

  const closeDay = (closed: number) => {
    const date = new Date(closed * DAY_MS).toISOString().slice(0, 10);
    for (const [key, net] of dayNet) {
      const [h, channel, d] = key.split('|') as [string, string, string];
      if (Number(d) !== closed) continue;
      dayNet.delete(key);
      const fee = Math.floor((net * FEE_PER_MILLE) / 1000);
      const at = new Date(clock);
      const base = {
        hospitalId: h,
        at,
        channel,
        businessDate: date,
        actor: { kind: 'system' as const, id: 'scheduler' },
      };
      if (fee > 0 && world.log.length < n)
        run(cmd.recordFee({ ...base, feeId: `FEE-${date}`, amount: Money.fromCents(fee) }));
      if (net - fee > 0 && world.log.length < n)
        run(
          cmd.recordSettlement({ ...base, settlementId: `STL-${date}`, amount: Money.fromCents(net - fee) }),
        );
      world.streams.delete(`${h}/settlement/${channel}:${date}`);
    }
  };

  while (world.log.length < n) {
    clock += int(1, 20) * 1000;
    const today = Math.floor((clock + SHANGHAI_OFFSET_MS) / DAY_MS);
    if (today !== day) {
      const closed = day;
      day = today;
      closeDay(closed);
      continue;
    }
    if (n - world.log.length === 1) {
      // Exactly n: a decision may write two events (cancel + refund), an order creation writes one.
      run(cmd.createRegistration({ hospitalId: hospitals[0]!, at: new Date(clock), orderId: `O${++seq}` }));
      break;
    }
    if (active.length < concurrency) active.push(newScript());
    const i = int(0, active.length - 1);
    const s = active[i]!;
    const command = s.steps[s.at++]!(new Date(clock));
    run(command);
    (s.streams ??= new Set()).add(streamIdOf(command));
    if (s.at >= s.steps.length) {
      // Done with these streams: keep only the log, so memory stays flat for millions of events.
      for (const id of s.streams) world.streams.delete(id);
      active[i] = active[active.length - 1]!;
      active.pop();
    }
  }
  return world.log;
}
