// Queries of payment_attempts: the attempts still open (for the intraday checks) and what a business day's
// attempts came to, by channel and by how each result became known.
import { Money } from '../../domain/money.ts';
import type { ReadDb } from '../database.ts';
import { PAYMENT_ATTEMPTS } from './payment-attempts.ts';

export const OPEN_ATTEMPT_STATUSES = ['started', 'awaiting-password', 'unknown'] as const;

export interface OpenAttempt {
  hospitalId: string;
  orderId: string;
  attemptId: string;
  method: string;
  channel: string;
  startedAt: Date;
}

/** Open attempts started at or before `startedBefore`, oldest first (all hospitals when none is named). */
export async function openAttempts(
  db: ReadDb,
  q: { hospitalId?: string; startedBefore: Date; limit: number; schema?: string },
): Promise<OpenAttempt[]> {
  let query = db
    .withSchema(q.schema ?? PAYMENT_ATTEMPTS.schema)
    .selectFrom('payment_attempts')
    .select(['hospital_id', 'order_id', 'attempt_id', 'method', 'channel', 'started_at'])
    .where('status', 'in', [...OPEN_ATTEMPT_STATUSES])
    .where('started_at', '<=', q.startedBefore);
  if (q.hospitalId) query = query.where('hospital_id', '=', q.hospitalId);
  const rows = await query.orderBy('started_at').orderBy('order_id').limit(q.limit).execute();
  return rows.map((r) => ({
    hospitalId: r.hospital_id,
    ...attemptOf(r),
    startedAt: new Date(r.started_at),
  }));
}

/** Which attempt a row is and how it was made, as every listing of attempts names it. */
const attemptOf = (r: { order_id: string; attempt_id: string; method: string; channel: string }) => ({
  orderId: r.order_id,
  attemptId: r.attempt_id,
  method: r.method,
  channel: r.channel,
});

export interface AttemptTally {
  channel: string;
  status: string;
  settledVia: string | null;
  count: number;
  amount: string;
}

/** A day's attempts [from, to) by channel, final status and how the result became known. */
export async function attemptTallies(
  db: ReadDb,
  q: { hospitalId: string; from: Date; to: Date; schema?: string },
): Promise<AttemptTally[]> {
  const rows = await db
    .withSchema(q.schema ?? PAYMENT_ATTEMPTS.schema)
    .selectFrom('payment_attempts')
    .select(['channel', 'status', 'settled_via', 'amount'])
    .where('hospital_id', '=', q.hospitalId)
    .where('started_at', '>=', q.from)
    .where('started_at', '<', q.to)
    .execute();
  const tallies = new Map<string, AttemptTally & { sum: Money }>();
  for (const r of rows) {
    const k = `${r.channel}/${r.status}/${r.settled_via ?? ''}`;
    const t = tallies.get(k) ?? {
      channel: r.channel,
      status: r.status,
      settledVia: r.settled_via,
      count: 0,
      amount: '0.00',
      sum: Money.parse('0'),
    };
    t.count++;
    if (r.amount !== null) t.sum = t.sum.add(Money.parse(String(r.amount)));
    tallies.set(k, t);
  }
  return [...tallies.values()]
    .map(({ sum, ...t }) => ({ ...t, amount: sum.toString() }))
    .sort((a, b) => `${a.channel}/${a.status}`.localeCompare(`${b.channel}/${b.status}`));
}

/** One attempt of a range [from, to), as the day's reconciliation view lists what was settled intraday. */
export interface DayAttempt {
  orderId: string;
  attemptId: string;
  method: string;
  channel: string;
  status: string;
  settledVia: string | null;
  amount: string | null;
  channelTxnId: string | null;
  startedAt: Date;
  settledAt: Date | null;
}

/** The attempts started in [from, to) (one channel's, one way of settling, when named), in start order; at most `limit`. */
export async function attemptsBetween(
  db: ReadDb,
  q: {
    hospitalId: string;
    from: Date;
    to: Date;
    channel?: string;
    settledVia?: string;
    limit: number;
    schema?: string;
  },
): Promise<DayAttempt[]> {
  let query = db
    .withSchema(q.schema ?? PAYMENT_ATTEMPTS.schema)
    .selectFrom('payment_attempts')
    .selectAll()
    .where('hospital_id', '=', q.hospitalId)
    .where('started_at', '>=', q.from)
    .where('started_at', '<', q.to);
  if (q.channel) query = query.where('channel', '=', q.channel);
  if (q.settledVia) query = query.where('settled_via', '=', q.settledVia);
  const rows = await query.orderBy('started_at').orderBy('order_id').limit(q.limit).execute();
  return rows.map((r) => ({
    ...attemptOf(r),
    status: r.status,
    settledVia: r.settled_via,
    amount: r.amount === null ? null : Money.parse(String(r.amount)).toString(),
    channelTxnId: r.channel_txn_id,
    startedAt: new Date(r.started_at),
    settledAt: r.settled_at === null ? null : new Date(r.settled_at),
  }));
}
