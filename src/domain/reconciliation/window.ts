// The day a reconciliation run looks at: its business date in the hospital's zone, the neighbouring dates,
// and the cut-off window either side of the date's boundaries. A movement or line on the date is `core`; one
// on a neighbouring date within the window is `edge` (it may be the counterpart of a core item: a timing
// difference); anything else is outside the run. Pure.
import { addDays, type BusinessDate, type BusinessDateOptions, dayStartOf } from '../business-date.ts';
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

/** Dates whose statements a run reads: the date and its neighbours (their lines may fall in the window). */
export const statementDates = (w: DayWindow): BusinessDate[] => [w.previous, w.businessDate, w.next];
