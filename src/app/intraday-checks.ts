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
  attemptTallies,
  openAttempts,
} from '../projections/read-models/payment-attempts-queries.ts';
import { resolveUnknownPayment } from './channel-calls.ts';
import { followPaymentAttempt } from './payments.ts';
import type { AppPorts } from './ports.ts';
import { NotReady } from './reactions/not-ready.ts';

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
  const from = new Date(dayStartOf(date, q.dateOptions));
  const to = new Date(dayStartOf(addDays(date, 1), q.dateOptions));
  const tallies = await attemptTallies(typed(ports.db), { hospitalId: q.hospitalId, from, to });
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
