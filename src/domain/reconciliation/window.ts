// The day a reconciliation run looks at: its business date in the hospital's zone, the neighbouring dates,
// and the cut-off window either side of the date's boundaries. A movement or line on the date is `core`; one
// on a neighbouring date within the window is `edge` (it may be the counterpart of a core item: a timing
// difference); anything else is outside the run. Pure.
import {
  addDays,
  type BusinessDate,
  type BusinessDateOptions,
  dayStartOf,
  parseBusinessDate,
} from '../business-date.ts';
import { refuse } from './refusals.ts';
import type { Role } from './matching.ts';

export interface DayWindow {
  businessDate: BusinessDate;
  previous: BusinessDate;
  next: BusinessDate;
  /** First instant of the date (epoch ms). */
  start: number;
  /** First instant of the next date (epoch ms). */
  end: number;
  /** Width of the cut-off window either side (ms). */
  windowMs: number;
}

export function dayWindow(
  businessDate: BusinessDate,
  cutoffWindowMinutes: number,
  options: BusinessDateOptions = {},
): DayWindow {
  const next = addDays(businessDate, 1);
  return {
    businessDate,
    previous: addDays(businessDate, -1),
    next,
    start: dayStartOf(businessDate, options),
    end: dayStartOf(next, options),
    windowMs: cutoffWindowMinutes * 60_000,
  };
}

/** Earliest instant of a previous-date item the run takes in (epoch ms). */
export const windowLow = (w: DayWindow): number => w.start - w.windowMs;
/** Instant before which a next-date item is taken in (epoch ms). */
export const windowHigh = (w: DayWindow): number => w.end + w.windowMs;

/** The role of an item dated `businessDate` at `atMs`: core on the date, edge within the window, else none. */
export function roleOf(w: DayWindow, businessDate: string, atMs: number): Role | undefined {
  if (businessDate === w.businessDate) return 'core';
  if (businessDate === w.previous && atMs >= windowLow(w)) return 'edge';
  if (businessDate === w.next && atMs < windowHigh(w)) return 'edge';
  return undefined;
}

/** Whether a statement dated so holds lines of the date itself (an undated one, the HIS extract, may). */
export function isCoreStatement(w: DayWindow, statementDate: string | null): boolean {
  return statementDate === null || statementDate === w.businessDate;
}

/**
 * Account statements (the channel account's own movements: WeChat 资金账单, Alipay 账务明细) repeat the trade
 * lines as income and expense: the payout check reads them, trade matching never does.
 */
export const isAccountStatement = (format: string): boolean =>
  format === 'wechat-fundflow' || format === 'alipay-account';

/**
 * Whether the channel's trade statements of the neighbouring dates are imported: a movement inside the cut-off
 * window can only be found on them, so without one it waits (pending) rather than being raised.
 */
export function neighbourStatements(
  w: DayWindow,
  statements: readonly { party: string; format: string; business_date: string | null }[],
): { previous: boolean; next: boolean } {
  const trade = (date: string) =>
    statements.some((s) => s.party !== 'his' && s.business_date === date && !isAccountStatement(s.format));
  return { previous: trade(w.previous), next: trade(w.next) };
}

/** Dates whose statements a run reads: the date and its neighbours (their lines may fall in the window). */
export const statementDates = (w: DayWindow): BusinessDate[] => [w.previous, w.businessDate, w.next];

/** Longest date range one call reconciles (a quarter). */
export const MAX_RANGE_DAYS = 92;

/** The dates from `from` to `to`, both included, in order (DATE_RANGE_INVALID when reversed or too long). */
export function datesOf(from: string, to: string): BusinessDate[] {
  const a = parseBusinessDate(from);
  const b = parseBusinessDate(to);
  const out: BusinessDate[] = [];
  for (let d = a; d <= b; d = addDays(d, 1)) {
    if (out.length === MAX_RANGE_DAYS)
      throw refuse('DATE_RANGE_INVALID', { from, to, maxDays: MAX_RANGE_DAYS });
    out.push(d);
  }
  if (out.length === 0) throw refuse('DATE_RANGE_INVALID', { from, to, maxDays: MAX_RANGE_DAYS });
  return out;
}
