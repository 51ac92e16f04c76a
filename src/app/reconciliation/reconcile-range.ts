// Reconcile a date range in one call: each date in order, each channel of it. A day's run reads its own inputs
// (the platform, the statements of the date and its neighbours) and the pending items its previous day's last
// run carried forward, so running the dates in order gives what separate runs in that order give; re-running
// a range after a statement arrived brings every day of it up to date. Orchestration only.
import { datesOf } from '../../domain/reconciliation/window.ts';
import type { ReconciliationPorts } from './ports.ts';
import { type ReconcileOptions, type ReconciliationReport, reconcileDay } from './reconcile-day.ts';

export interface ReconcileRangeOptions extends Omit<ReconcileOptions, 'businessDate' | 'channel'> {
  /** First and last business date, both included (at most MAX_RANGE_DAYS). */
  from: string;
  to: string;
  channels: readonly string[];
  /** Closed days are skipped (their figures are final) instead of refusing the whole range. */
  skipClosed?: boolean;
  onDay?: (d: { businessDate: string; channel: string; index: number; of: number }) => void;
}

export interface RangeReport {
  reports: ReconciliationReport[];
  /** Days left alone because they are closed (with skipClosed). */
  skipped: { businessDate: string; channel: string }[];
}

export async function reconcileRange(
  ports: ReconciliationPorts,
  o: ReconcileRangeOptions,
): Promise<RangeReport> {
  const dates = datesOf(o.from, o.to);
  const { from: _f, to: _t, channels, skipClosed, onDay, ...rest } = o;
  const out: RangeReport = { reports: [], skipped: [] };
  const of = dates.length * channels.length;
  let index = 0;
  for (const businessDate of dates)
    for (const channel of channels) {
      onDay?.({ businessDate, channel, index: ++index, of });
      try {
        out.reports.push(await reconcileDay(ports, { ...rest, channel, businessDate }));
      } catch (e) {
        if (!skipClosed || (e as { code?: string }).code !== 'DAY_CLOSED') throw e;
        out.skipped.push({ businessDate, channel });
      }
    }
  return out;
}
