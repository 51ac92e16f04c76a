// Discrepancies as the reports see them: the domain's own evolve (so a report never disagrees with the
// entity), plus when each was raised. Shared by the reconciliation report and the ageing report.
import type { RecordedEvent } from '../../domain/event-store.ts';
import { pick } from '../../domain/pick.ts';
import type { DiscrepancyEvent } from '../../domain/reconciliation/events.ts';
import {
  type DiscrepancyState,
  evolveDiscrepancy,
  initialDiscrepancyState,
  isOpenStatus,
} from '../../domain/reconciliation/discrepancy.ts';
import { DISCREPANCY_LABELS, DISCREPANCY_TYPES } from '../../domain/reconciliation/types.ts';
import type { Label, ReportParams, ReportRow } from '../types.ts';
import { type Columns, col, DAY_COLUMNS, label } from '../vocabulary.ts';
import { entry, inRange } from '../fold.ts';

export { DISCREPANCY_EVENT_TYPES } from '../../projections/reconciliation/read-models.ts';

export interface TrackedDiscrepancy {
  state: DiscrepancyState;
  raisedAt: Date;
  reason: string;
}

export function foldDiscrepancy(map: Map<string, TrackedDiscrepancy>, event: RecordedEvent): void {
  const id = String((event.data as { discrepancyId: unknown }).discrepancyId);
  const t = entry(map, id, () => ({
    state: initialDiscrepancyState(),
    raisedAt: event.occurredAt,
    reason: '',
  }));
  t.state = evolveDiscrepancy(t.state, event as unknown as DiscrepancyEvent);
  if (event.type === 'DiscrepancyRaised') {
    t.raisedAt = event.occurredAt;
    t.reason = String((event.data.finding as { reason?: unknown } | null)?.reason ?? '');
  }
}

/** Discrepancies of the report's dates not resolved (open, assigned, awaiting approval), in a stable order. */
export function openDiscrepancies(
  map: Map<string, TrackedDiscrepancy>,
  params: ReportParams,
): TrackedDiscrepancy[] {
  return [...map.values()]
    .filter((t) => isOpenStatus(t.state.status) && inRange(t.state.businessDate, params))
    .sort((a, b) =>
      `${a.state.businessDate}|${a.state.channel}|${a.state.discrepancyId}`.localeCompare(
        `${b.state.businessDate}|${b.state.channel}|${b.state.discrepancyId}`,
      ),
    );
}

export const DISCREPANCY_TYPE_VALUES: Readonly<Record<string, Label>> = DISCREPANCY_LABELS;
export { DISCREPANCY_TYPES };

export const STATUS_VALUES: Readonly<Record<string, Label>> = {
  open: label('待处理', 'Open'),
  assigned: label('已分派', 'Assigned'),
  proposed: label('待复核', 'Awaiting approval'),
  resolved: label('已处理', 'Resolved'),
  'auto-resolved': label('自动处理', 'Auto-resolved'),
  matched: label('手工勾对', 'Matched by hand'),
  withdrawn: label('随勾对撤销', 'Withdrawn with its match'),
};

/** The columns of an open-item list (the rows openItemRow makes). */
export const OPEN_ITEM_COLUMNS = {
  ...DAY_COLUMNS,
  type: col.text('差错类型', 'Type', { width: 18, values: DISCREPANCY_TYPE_VALUES }),
  discrepancyId: col.text('差错编号', 'Discrepancy', 26),
  subject: col.text('对象', 'Subject', 24),
  amount: col.money('金额', 'Amount', 14),
  status: col.text('状态', 'Status', { width: 10, values: STATUS_VALUES }),
  assignee: col.text('经办人', 'Assignee', 14),
  raisedAt: col.instant('发现时间', 'Raised at', 20),
  reason: col.text('说明', 'Reason', 48),
} satisfies Columns;

export function openItemRow(t: TrackedDiscrepancy, money: (s: string) => ReportRow[string]): ReportRow {
  const s = t.state;
  return {
    ...pick(s, 'businessDate', 'channel', 'type', 'discrepancyId', 'subject'),
    amount: money(s.amount),
    ...pick(s, 'status', 'assignee'),
    ...pick(t, 'raisedAt', 'reason'),
  };
}
