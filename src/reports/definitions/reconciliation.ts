// 对账报告: per business date and channel, what the last reconciliation run matched, what it matched across
// the cut-off (timing), what still waits for the neighbouring day's statement (pending), each discrepancy
// category, and how many differences are open now; then the list of open items.
import type { RecordedEvent } from '../../domain/event-store.ts';
import type { CountAmount, ReconciliationDayEvent } from '../../domain/reconciliation/events.ts';
import { type DayState, evolveDay, initialDayState } from '../../domain/reconciliation/day.ts';
import { Money } from '../../domain/money.ts';
import type { ReportDefinition, ReportRow } from '../types.ts';
import { type Columns, col, DAY_COLUMNS, label, sheet } from '../vocabulary.ts';
import { byKeys, inRange, key, money, splitKey, tally, type Tally } from '../fold.ts';
import {
  DISCREPANCY_EVENT_TYPES,
  DISCREPANCY_TYPE_VALUES,
  DISCREPANCY_TYPES,
  foldDiscrepancy,
  openDiscrepancies,
  OPEN_ITEM_COLUMNS,
  openItemRow,
  type TrackedDiscrepancy,
} from './discrepancies.ts';

interface State {
  days: Map<string, DayState>;
  discrepancies: Map<string, TrackedDiscrepancy>;
}

const DAY_STATUS_VALUES = { reconciled: label('已对账', 'Reconciled'), closed: label('已日结', 'Closed') };

const count = (c: CountAmount | undefined) => c?.count ?? 0;
const amount = (c: CountAmount | undefined) => money(c?.amount);

/** A reconciliation day: its runs, what the last one found (a count and an amount each), what is open now. */
const DAY_SHEET_COLUMNS: Columns = {
  ...DAY_COLUMNS,
  status: col.text('状态', 'State', { width: 10, values: DAY_STATUS_VALUES }),
  runs: col.count('对账次数', 'Runs', { total: false }),
  matchedCount: col.count('勾对笔数', 'Matched'),
  matchedAmount: col.money('勾对金额', 'Matched amount', 16),
  timingCount: col.count('跨日笔数', 'Timing'),
  timingAmount: col.money('跨日金额', 'Timing amount', 14),
  pendingCount: col.count('未达笔数', 'Pending'),
  pendingAmount: col.money('未达金额', 'Pending amount', 14),
  ...Object.fromEntries(
    DISCREPANCY_TYPES.flatMap((t) => {
      const l = DISCREPANCY_TYPE_VALUES[t]!;
      return [
        [`${t}:count`, col.count(`${l.zh}笔数`, `${l.en}: count`, 12)],
        [`${t}:amount`, col.money(`${l.zh}金额`, `${l.en}: amount`, 14)],
      ];
    }),
  ),
  openCount: col.count('未处理笔数', 'Open'),
  openAmount: col.money('未处理金额', 'Open amount', 14),
  resolvedCount: col.count('已处理笔数', 'Resolved'),
};

export const reconciliationReport: ReportDefinition<State> = {
  name: 'reconciliation',
  title: label('对账报告', 'Reconciliation report'),
  description: label(
    '按日期、渠道：勾对、跨日、未达、各类差错笔数金额，未处理差错清单',
    'Per date and channel: matched, timing, pending and each discrepancy category; the list of open items',
  ),
  handles: ['ReconciliationRun', 'DayClosed', 'DayReopened', ...DISCREPANCY_EVENT_TYPES],
  initial: () => ({ days: new Map(), discrepancies: new Map() }),
  evolve(state, event: RecordedEvent, params) {
    if (event.type.startsWith('Discrepancy')) {
      foldDiscrepancy(state.discrepancies, event);
      return state;
    }
    const d = event.data as { channel: string; businessDate: string };
    if (!inRange(d.businessDate, params)) return state;
    const k = key(d.businessDate, d.channel);
    state.days.set(
      k,
      evolveDay(state.days.get(k) ?? initialDayState(), event as unknown as ReconciliationDayEvent),
    );
    return state;
  },
  sheets(state, params) {
    const open = openDiscrepancies(state.discrepancies, params);
    const isOpen = new Set(open);
    const resolved = new Map<string, number>();
    const openByDay = new Map<string, Tally>();
    for (const t of state.discrepancies.values()) {
      const k = key(t.state.businessDate, t.state.channel);
      if (!isOpen.has(t)) resolved.set(k, (resolved.get(k) ?? 0) + 1);
    }
    for (const t of open)
      tally.at(openByDay, key(t.state.businessDate, t.state.channel), money(t.state.amount));
    const rows: ReportRow[] = [];
    for (const [k, day] of state.days) {
      const [businessDate, channel] = splitKey(k);
      const s = day.lastRun?.summary;
      const pending = (s as { pending?: CountAmount } | undefined)?.pending;
      const row: ReportRow = {
        businessDate: businessDate!,
        channel: channel!,
        status: day.status,
        runs: day.runs,
        matchedCount: count(s?.matched),
        matchedAmount: amount(s?.matched),
        timingCount: count(s?.timing),
        timingAmount: amount(s?.timing),
        pendingCount: count(pending),
        pendingAmount: amount(pending),
      };
      for (const t of DISCREPANCY_TYPES) {
        row[`${t}:count`] = count(s?.byType[t]);
        row[`${t}:amount`] = amount(s?.byType[t]);
      }
      const o = openByDay.get(k);
      row.openCount = o?.count ?? 0;
      row.openAmount = o?.amount ?? Money.ZERO;
      row.resolvedCount = resolved.get(k) ?? 0;
      rows.push(row);
    }
    rows.sort(byKeys((r) => [String(r.businessDate), String(r.channel)]));
    return [
      sheet('days', '对账汇总', 'Reconciliation', DAY_SHEET_COLUMNS, rows),
      sheet(
        'open-items',
        '未处理差错',
        'Open items',
        OPEN_ITEM_COLUMNS,
        open.map((t) => openItemRow(t, money)),
      ),
    ];
  },
};
