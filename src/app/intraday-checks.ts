// Intraday checks (多时点对账): several times a day (the worker's `intraday-check` job, on a configurable cron),
// every payment attempt still open — a platform payment with no callback yet, a device attempt whose status is
// unknown — is asked of its channel and settled from what the channel says, through the same follow-up the
// reactions run (a paid one is recorded once, an expired one closed or reversed). Most differences are then
// settled before the T+1 bills arrive; the day's summary shows how each attempt's result became known.
import { addDays, type BusinessDateOptions, dayStartOf, parseBusinessDate } from '../domain/business-date.ts';
import { Money } from '../domain/money.ts';
import { typed } from '../projections/database.ts';
import {
  type AttemptTally,
  attemptsBetween,
  attemptTallies,
  type DayAttempt,
  OPEN_ATTEMPT_STATUSES,
  openAttempts,
} from '../projections/read-models/payment-attempts-queries.ts';
import { resolveUnknownPayment } from './channel-calls.ts';
import { followPaymentAttempt } from './payments.ts';
import type { AppPorts } from './ports.ts';
import { NotReady } from './reactions/not-ready.ts';
import { catchUp } from './reconciliation/catch-up.ts';
import { paymentAttemptsProjection } from '../projections/read-models/payment-attempts.ts';

/** An attempt younger than this is left to its callback and its own follow-up. */
export const DEFAULT_INTRADAY_MIN_AGE_MS = 2 * 60_000;
/** Most attempts one check asks about (the next check takes the rest). */
export const MAX_INTRADAY_BATCH = 500;

export interface IntradayCheckResult {
  checked: number;
  /** Found paid at the channel and recorded. */
  confirmed: number;
  /** Found not paid: failed, closed or reversed at the channel. */
  settledUnpaid: number;
  /** The channel still has it open and its time is not up. */
  stillOpen: number;
  /** The channel could not be asked (retried at the next check). */
  errors: number;
}

export async function runIntradayCheck(
  ports: AppPorts,
  options: { hospitalId?: string; minAgeMs?: number; limit?: number } = {},
): Promise<IntradayCheckResult> {
  const limit = Math.min(options.limit ?? MAX_INTRADAY_BATCH, MAX_INTRADAY_BATCH);
  const before = new Date(ports.now().getTime() - (options.minAgeMs ?? DEFAULT_INTRADAY_MIN_AGE_MS));
  const rows = await openAttempts(typed(ports.db), {
    ...(options.hospitalId ? { hospitalId: options.hospitalId } : {}),
    startedBefore: before,
    limit,
  });
  const result: IntradayCheckResult = { checked: 0, confirmed: 0, settledUnpaid: 0, stillOpen: 0, errors: 0 };
  for (const a of rows) {
    result.checked++;
    try {
      const outcome =
        a.method === 'device'
          ? await resolveUnknownPayment(
              ports,
              a.hospitalId,
              a.orderId,
              a.attemptId,
              `intraday:${a.hospitalId}:${a.orderId}:${a.attemptId}`,
            )
          : await followPaymentAttempt(ports, a.hospitalId, a.orderId, a.attemptId);
      if (outcome === 'confirmed' || outcome === 'paid-meanwhile') result.confirmed++;
      else if (outcome === 'failed' || outcome === 'closed' || outcome === 'reversed') result.settledUnpaid++;
    } catch (error) {
      if (error instanceof NotReady) result.stillOpen++;
      else {
        result.errors++;
        ports.logger.warn(
          { orderId: a.orderId, attemptId: a.attemptId, err: (error as Error).message },
          'intraday check failed',
        );
      }
    }
  }
  return result;
}

export interface IntradaySummary {
  hospitalId: string;
  businessDate: string;
  /** Attempts whose result the platform learnt by asking (follow-ups and intraday checks), before any bill. */
  settledByQuery: { count: number; amount: string };
  /** Attempts still open: what the T+1 bill will have to settle. */
  open: number;
  tallies: AttemptTally[];
}

/** What a business day's attempts came to: by channel, final status and how each became known. */
export async function intradaySummary(
  ports: Pick<AppPorts, 'db'>,
  q: { hospitalId: string; businessDate: string; dateOptions?: BusinessDateOptions },
): Promise<IntradaySummary> {
  const date = parseBusinessDate(q.businessDate);
  const tallies = await attemptTallies(typed(ports.db), {
    hospitalId: q.hospitalId,
    ...dayBounds(date, q.dateOptions),
  });
  const byQuery = tallies.filter((t) => t.settledVia === 'query');
  const amount = byQuery.reduce((sum, t) => sum.add(Money.parse(t.amount)), Money.parse('0'));
  return {
    hospitalId: q.hospitalId,
    businessDate: date,
    settledByQuery: {
      count: byQuery.reduce((n, t) => n + t.count, 0),
      amount: amount.toString(),
    },
    open: tallies
      .filter((t) => t.status === 'started' || t.status === 'awaiting-password' || t.status === 'unknown')
      .reduce((n, t) => n + t.count, 0),
    tallies,
  };
}

/** What one channel's business day settled intraday, as its reconciliation day shows it. */
export interface IntradayDay {
  businessDate: string;
  channel: string;
  /** Settled by asking the channel before any bill: attempts resolved by query, missing callbacks recovered. */
  settledByQuery: { count: number; amount: string };
  /** Of those, found paid at the channel and recorded (a callback that never came). */
  paidByQuery: { count: number; amount: string };
  /** Of those, found unpaid: failed, closed or reversed at the channel. */
  unpaidByQuery: number;
  /** Still open: the T+1 bill settles these. */
  open: number;
}

/** Most intraday-settled attempts one day's view lists (the counts cover all). */
export const MAX_DAY_ATTEMPTS_LISTED = 200;

const isOpen = (status: string) => (OPEN_ATTEMPT_STATUSES as readonly string[]).includes(status);

function sumOf(tallies: readonly AttemptTally[]): { count: number; amount: string } {
  return {
    count: tallies.reduce((n, t) => n + t.count, 0),
    amount: tallies.reduce((sum, t) => sum.add(Money.parse(t.amount)), Money.ZERO).toString(),
  };
}

function dayOf(businessDate: string, channel: string, tallies: readonly AttemptTally[]): IntradayDay {
  const mine = tallies.filter((t) => t.channel === channel);
  const byQuery = mine.filter((t) => t.settledVia === 'query');
  return {
    businessDate,
    channel,
    settledByQuery: sumOf(byQuery),
    paidByQuery: sumOf(byQuery.filter((t) => t.status === 'succeeded')),
    unpaidByQuery: byQuery.filter((t) => t.status !== 'succeeded').reduce((n, t) => n + t.count, 0),
    open: mine.filter((t) => isOpen(t.status)).reduce((n, t) => n + t.count, 0),
  };
}

function dayBounds(businessDate: string, dateOptions?: BusinessDateOptions): { from: Date; to: Date } {
  const date = parseBusinessDate(businessDate);
  return {
    from: new Date(dayStartOf(date, dateOptions)),
    to: new Date(dayStartOf(addDays(date, 1), dateOptions)),
  };
}

/**
 * The intraday settlements of the given (channel, date) days, for the reconciliation day list: one entry per day
 * asked for (zeros when nothing was followed that day).
 */
export async function intradayDays(
  ports: Pick<AppPorts, 'db' | 'store'>,
  q: {
    hospitalId: string;
    days: readonly { channel: string; businessDate: string }[];
    dateOptions?: BusinessDateOptions;
  },
): Promise<IntradayDay[]> {
  // Read as of now, also where no projection runner runs (the CLI): the read model is caught up first.
  await catchUp(ports, [paymentAttemptsProjection]);
  const byDate = new Map<string, AttemptTally[]>();
  for (const date of new Set(q.days.map((d) => d.businessDate)))
    byDate.set(
      date,
      await attemptTallies(typed(ports.db), { hospitalId: q.hospitalId, ...dayBounds(date, q.dateOptions) }),
    );
  return q.days.map((d) => dayOf(d.businessDate, d.channel, byDate.get(d.businessDate) ?? []));
}

/** One channel's day: what was settled intraday, and the attempts so settled (the first MAX_DAY_ATTEMPTS_LISTED). */
export async function intradayDay(
  ports: Pick<AppPorts, 'db' | 'store'>,
  q: { hospitalId: string; channel: string; businessDate: string; dateOptions?: BusinessDateOptions },
): Promise<IntradayDay & { settled: DayAttempt[] }> {
  await catchUp(ports, [paymentAttemptsProjection]);
  const bounds = dayBounds(q.businessDate, q.dateOptions);
  const db = typed(ports.db);
  const tallies = await attemptTallies(db, { hospitalId: q.hospitalId, ...bounds });
  const attempts = await attemptsBetween(db, {
    hospitalId: q.hospitalId,
    channel: q.channel,
    ...bounds,
    settledVia: 'query',
    limit: MAX_DAY_ATTEMPTS_LISTED,
  });
  return { ...dayOf(parseBusinessDate(q.businessDate), q.channel, tallies), settled: attempts };
}
