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
import type { Column, Label, ReportRow } from '../types.ts';
import { channelColumn, column, dateColumn, entry } from '../vocabulary.ts';

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

/** Discrepancies not resolved (open, assigned, awaiting approval), in a stable order. */
export function openDiscrepancies(map: Map<string, TrackedDiscrepancy>): TrackedDiscrepancy[] {
  return [...map.values()]
    .filter((t) => isOpenStatus(t.state.status))
    .sort((a, b) =>
      `${a.state.businessDate}|${a.state.channel}|${a.state.discrepancyId}`.localeCompare(
        `${b.state.businessDate}|${b.state.channel}|${b.state.discrepancyId}`,
      ),
    );
}

export const DISCREPANCY_TYPE_VALUES: Readonly<Record<string, Label>> = DISCREPANCY_LABELS;
export { DISCREPANCY_TYPES };

export const STATUS_VALUES: Readonly<Record<string, Label>> = {
  open: { zh: '待处理', en: 'Open' },
  assigned: { zh: '已分派', en: 'Assigned' },
  proposed: { zh: '待复核', en: 'Awaiting approval' },
  resolved: { zh: '已处理', en: 'Resolved' },
  'auto-resolved': { zh: '自动处理', en: 'Auto-resolved' },
  matched: { zh: '手工勾对', en: 'Matched by hand' },
  withdrawn: { zh: '随勾对撤销', en: 'Withdrawn with its match' },
};

/** The columns of an open-item list. */
export function openItemColumns(): Column[] {
  return [
    dateColumn(),
    channelColumn(),
    column('type', 'text', '差错类型', 'Type', { width: 18, values: DISCREPANCY_TYPE_VALUES }),
    column('discrepancyId', 'text', '差错编号', 'Discrepancy', { width: 26 }),
    column('subject', 'text', '对象', 'Subject', { width: 24 }),
    column('amount', 'money', '金额', 'Amount', { width: 14 }),
    column('status', 'text', '状态', 'Status', { width: 10, values: STATUS_VALUES }),
    column('assignee', 'text', '经办人', 'Assignee', { width: 14 }),
    column('raisedAt', 'instant', '发现时间', 'Raised at', { width: 20 }),
    column('reason', 'text', '说明', 'Reason', { width: 48 }),
  ];
}

export function openItemRow(t: TrackedDiscrepancy, money: (s: string) => ReportRow[string]): ReportRow {
  const s = t.state;
  return {
    ...pick(s, 'businessDate', 'channel', 'type', 'discrepancyId', 'subject'),
    amount: money(s.amount),
    ...pick(s, 'status', 'assignee'),
    ...pick(t, 'raisedAt', 'reason'),
  };
}
