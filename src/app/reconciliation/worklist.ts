// What finance staff read and run while working a day: the discrepancy worklist, one discrepancy with the three
// parties side by side and its order's whole history, the days of a date range, and reconciliation of a date
// range over one or every channel. Orchestration only: the reads are typed queries, the rules the domain's.
import type { RecordedEvent } from '../../domain/event-store.ts';
import { streamId } from '../../domain/event-store.ts';
import { addDays, parseBusinessDate } from '../../domain/business-date.ts';
import type { DayState } from '../../domain/reconciliation/day.ts';
import type { DiscrepancyState } from '../../domain/reconciliation/discrepancy.ts';
import { refuse } from '../../domain/reconciliation/refusals.ts';
import type { StatementLine } from '../../domain/reconciliation/statement-line.ts';
import type { DayRow } from '../../projections/reconciliation/queries.ts';
import { reconciliationProjection } from '../../projections/reconciliation/read-models.ts';
import {
  channelsOfDates,
  type DiscrepancySort,
  dayRange,
  decodeCursor,
  discrepancyPage,
  hisSyncOf,
  movementById,
  movementsOfOrder,
  statementBySha,
  type WorklistFilter,
  type WorklistPage,
} from '../../projections/reconciliation/worklist.ts';
import { catchUp } from './catch-up.ts';
import { loadDay } from './days.ts';
import { discrepancyState } from './discrepancies.ts';
import { statementLines } from './inputs.ts';
import { decoderOf, type ReconciliationPorts } from './ports.ts';
import type { ReconcileOptions, ReconciliationReport } from './reconcile-day.ts';
import { reconcileRange } from './reconcile-range.ts';

/** Most days one reconcile call covers (a month: more is a batch job, not a request). */
export const MAX_RECONCILE_DAYS = 31;
/** Most days one listing covers. */
export const MAX_LISTED_DAYS = 366;
/** Events of an order's history shown with a discrepancy. */
export const MAX_HISTORY_EVENTS = 500;

export interface WorklistQuery extends WorklistFilter {
  sort?: DiscrepancySort;
  descending?: boolean;
  limit?: number;
  cursor?: string;
}

/** A page of the worklist; a cursor this query did not write is refused. */
export async function listWorklist(ports: ReconciliationPorts, q: WorklistQuery): Promise<WorklistPage> {
  await catchUp(ports, [reconciliationProjection]);
  const { sort, descending, limit, cursor, ...filter } = q;
  const at = cursor === undefined ? undefined : decodeCursor(cursor);
  if (cursor !== undefined && !at) throw new RangeError('cursor: not a cursor of this listing');
  return discrepancyPage(ports.db, filter, {
    ...(sort ? { sort } : {}),
    ...(descending ? { descending } : {}),
    ...(limit ? { limit } : {}),
    ...(at ? { cursor: at } : {}),
  });
}

/** Dates from `from` to `to` inclusive; RangeError past `max` days or when `to` precedes `from`. */
export function datesBetween(from: string, to: string, max: number): string[] {
  const out: string[] = [];
  const last = parseBusinessDate(to);
  for (let d = parseBusinessDate(from); d <= last; d = addDays(d, 1)) {
    out.push(d);
    if (out.length > max) throw new RangeError(`at most ${max} days at once`);
  }
  if (out.length === 0) throw new RangeError(`--to ${to} is before ${from}`);
  return out;
}

export interface RangeReconciliation {
  reports: ReconciliationReport[];
}

/**
 * Reconciles every date of the range, for one channel or for every channel with a statement imported for it.
 * Stops at the first refusal (a closed day): the days before it stay reconciled, each a run of its own.
 */
export async function reconcileDates(
  ports: ReconciliationPorts,
  o: Omit<ReconcileOptions, 'businessDate' | 'channel'> & { from: string; to?: string; channel?: string },
): Promise<RangeReconciliation> {
  const dates = datesBetween(o.from, o.to ?? o.from, MAX_RECONCILE_DAYS);
  const { from, to: _t, channel, ...rest } = o;
  if (channel !== undefined)
    return reconcileRange(ports, { ...rest, from, to: dates.at(-1)!, channels: [channel] });
  await catchUp(ports);
  const reports: ReconciliationReport[] = [];
  for (const date of dates) {
    const channels = await channelsOfDates(ports.db, o.hospitalId, [date]);
    reports.push(...(await reconcileRange(ports, { ...rest, from: date, to: date, channels })).reports);
  }
  return { reports };
}

/** The hospital's days from `from` to `to` (inclusive), per channel, from the read model. */
export async function listDays(
  ports: ReconciliationPorts,
  f: { hospitalId: string; from: string; to?: string; channel?: string; state?: string },
): Promise<DayRow[]> {
  datesBetween(f.from, f.to ?? f.from, MAX_LISTED_DAYS);
  await catchUp(ports, [reconciliationProjection]);
  return dayRange(ports.db, { ...f, to: f.to ?? f.from });
}

export interface DayView {
  row: DayRow | undefined;
  state: DayState;
}

/** One channel's day: its read model row and the state folded from its stream (always current). */
export async function showDay(
  ports: ReconciliationPorts,
  f: { hospitalId: string; channel: string; businessDate: string },
): Promise<DayView> {
  await catchUp(ports, [reconciliationProjection]);
  const [row] = await dayRange(ports.db, { ...f, from: f.businessDate, to: f.businessDate });
  return { row, state: await loadDay(ports.store, f.hospitalId, f.channel, f.businessDate) };
}

/** An event as a person reads it in a history. */
export interface HistoryEntry {
  position: string;
  version: number;
  type: string;
  occurredAt: string;
  recordedAt: string;
  actor: string | null;
  data: Record<string, unknown>;
}

function entry(e: RecordedEvent): HistoryEntry {
  return {
    position: e.position.toString(),
    version: e.streamVersion,
    type: e.type,
    occurredAt: e.occurredAt.toISOString(),
    recordedAt: e.recordedAt.toISOString(),
    actor: e.metadata.actor ?? null,
    data: e.data,
  };
}

/** A statement line as the file printed it and as it was normalized. */
export interface LineView {
  statement: { statementId: string; sha256: string; file: string; format: string } | null;
  ref: string;
  lineNo: number;
  raw: string | null;
  normalized: Omit<StatementLine, 'raw'> | null;
}

export interface DiscrepancyDetail {
  discrepancy: DiscrepancyState;
  /** The discrepancy's own events: raised, assigned, commented, proposed, approved or rejected, resolved. */
  history: HistoryEntry[];
  parties: {
    platform: { movements: Record<string, unknown>[] };
    channel: LineView[];
    his: { lines: LineView[]; writeback: Record<string, unknown> | null };
  };
  /** The order the difference is about, with its whole event history (when the platform knows one). */
  order: { orderId: string; events: HistoryEntry[] } | null;
}

/** The line a finding's source names (`<sha256 first 12>:<line no>`), read back from its statement's events. */
async function lineOf(ports: ReconciliationPorts, hospitalId: string, ref: string): Promise<LineView> {
  const [prefix = '', no = '0'] = ref.split(':');
  const lineNo = Number(no);
  const s = await statementBySha(ports.db, hospitalId, prefix);
  const view: LineView = { statement: null, ref, lineNo, raw: null, normalized: null };
  if (!s) return view;
  view.statement = { statementId: s.statement_id, sha256: s.sha256, file: s.file, format: s.format };
  for await (const { lines } of statementLines(ports.store, decoderOf(ports), hospitalId, s.statement_id)) {
    const last = lines.at(-1);
    if (!last || last.lineNo < lineNo) continue;
    const l = lines.find((x) => x.lineNo === lineNo);
    if (l) {
      const { raw, ...normalized } = l;
      return { ...view, raw, normalized };
    }
    break;
  }
  return view;
}

/** Order numbers a discrepancy subject may name: the whole subject, or its part before/after a `:`. */
function orderCandidates(subject: string): string[] {
  const parts = subject.split(':');
  return [...new Set([parts[0]!, parts.at(-1)!, subject])].filter(
    (s) => !['txn', 'dup', 'his', 'fee', 'line'].includes(s),
  );
}

/** One discrepancy with the three parties side by side and its order's history (DISCREPANCY_NOT_FOUND). */
export async function discrepancyDetail(
  ports: ReconciliationPorts,
  hospitalId: string,
  discrepancyId: string,
): Promise<DiscrepancyDetail> {
  const state = await discrepancyState(ports, hospitalId, discrepancyId);
  if (state.status === 'none') throw refuse('DISCREPANCY_NOT_FOUND', { discrepancyId });
  await catchUp(ports);
  const own = await ports.store.readStream(streamId(hospitalId, 'discrepancy', discrepancyId));
  const sources = state.finding?.sources ?? [];
  const platform: Record<string, unknown>[] = [];
  const orderNos: string[] = [];
  for (const s of sources.filter((x) => x.party === 'platform')) {
    const m = await movementById(ports.db, hospitalId, s.ref);
    if (m) {
      platform.push({ ...m, occurred_at: m.occurred_at.toISOString() });
      orderNos.push(m.merchant_order_no);
    }
  }
  const channel: LineView[] = [];
  for (const s of sources.filter((x) => x.party === 'channel' || x.party === 'bank'))
    channel.push(await lineOf(ports, hospitalId, s.ref));
  const hisLines: LineView[] = [];
  for (const s of sources.filter((x) => x.party === 'his'))
    hisLines.push(await lineOf(ports, hospitalId, s.ref));
  for (const l of [...channel, ...hisLines])
    if (l.normalized?.merchantOrderNo) orderNos.push(l.normalized.merchantOrderNo);
  orderNos.push(...orderCandidates(state.subject));

  let order: DiscrepancyDetail['order'] = null;
  for (const no of new Set(orderNos)) {
    const r = await ports.store.readStream(streamId(hospitalId, 'order', no), {
      maxCount: MAX_HISTORY_EVENTS,
    });
    if (r.events.length === 0) continue;
    order = { orderId: no, events: r.events.map(entry) };
    if (platform.length === 0)
      for (const m of await movementsOfOrder(ports.db, hospitalId, no))
        platform.push({ ...m, occurred_at: m.occurred_at.toISOString() });
    break;
  }
  const writeback = order ? await hisSyncOf(ports.db, hospitalId, order.orderId) : undefined;
  return {
    discrepancy: state,
    history: own.events.map(entry),
    parties: {
      platform: { movements: platform },
      channel,
      his: { lines: hisLines, writeback: writeback ?? null },
    },
    order,
  };
}
