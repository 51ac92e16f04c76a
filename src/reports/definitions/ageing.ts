// 差错账龄: the discrepancies still open at the report's instant, by how long since their business date, type,
// channel and assignee; then each open item with its age.
import { businessDate } from '../../domain/business-date.ts';
import type { ReportDefinition, ReportParams, ReportRow } from '../types.ts';
import { col, DAY_COLUMNS, label, sheet } from '../vocabulary.ts';
import { byKeys, key, money, splitKey, tally, type Tally } from '../fold.ts';
import {
  DISCREPANCY_EVENT_TYPES,
  DISCREPANCY_TYPE_VALUES,
  foldDiscrepancy,
  openDiscrepancies,
  OPEN_ITEM_COLUMNS,
  openItemRow,
  type TrackedDiscrepancy,
} from './discrepancies.ts';

/** Age buckets in days since the business date (upper bounds, inclusive; the last is open-ended). */
export const AGE_BUCKETS = [
  { id: '0-1', upTo: 1, zh: '0–1 天', en: '0–1 days' },
  { id: '2-3', upTo: 3, zh: '2–3 天', en: '2–3 days' },
  { id: '4-7', upTo: 7, zh: '4–7 天', en: '4–7 days' },
  { id: '8-30', upTo: 30, zh: '8–30 天', en: '8–30 days' },
  { id: '31-90', upTo: 90, zh: '31–90 天', en: '31–90 days' },
  { id: '90+', upTo: Number.POSITIVE_INFINITY, zh: '90 天以上', en: 'Over 90 days' },
] as const;

const DAY_MS = 86_400_000;

/** Whole days from one business date to another. */
export function daysBetween(from: string, to: string): number {
  return Math.round((Date.parse(`${to}T00:00:00Z`) - Date.parse(`${from}T00:00:00Z`)) / DAY_MS);
}

export function ageBucket(days: number): string {
  return AGE_BUCKETS.find((b) => days <= b.upTo)!.id;
}

const UNASSIGNED = '';

interface State {
  discrepancies: Map<string, TrackedDiscrepancy>;
}

function ageOf(t: TrackedDiscrepancy, params: ReportParams): number {
  return Math.max(0, daysBetween(t.state.businessDate, businessDate(params.at, params.dateOptions)));
}

export const discrepancyAgeing: ReportDefinition<State> = {
  name: 'discrepancy-ageing',
  title: label('差错账龄', 'Discrepancy ageing'),
  description: label(
    '截至报表时点未处理的差错：按账龄、类型、渠道、经办人汇总，附明细',
    'Discrepancies open at the report instant by age bucket, type, channel and assignee, with the items',
  ),
  handles: DISCREPANCY_EVENT_TYPES,
  initial: () => ({ discrepancies: new Map() }),
  evolve(state, event) {
    foldDiscrepancy(state.discrepancies, event);
    return state;
  },
  sheets(state, params) {
    const open = openDiscrepancies(state.discrepancies, params);
    const groups = new Map<string, Tally>();
    for (const t of open) {
      const s = t.state;
      const k = key(ageBucket(ageOf(t, params)), String(s.type), s.channel, s.assignee ?? UNASSIGNED);
      tally.at(groups, k, money(s.amount));
    }
    const order = AGE_BUCKETS.map((b) => b.id as string);
    const summary: ReportRow[] = [...groups]
      .map(([k, t]) => {
        const [bucket, type, channel, assignee] = splitKey(k);
        return {
          bucket,
          type,
          channel,
          assignee: assignee || null,
          count: t.count,
          amount: t.amount,
        } as ReportRow;
      })
      .sort(
        byKeys((r) => [
          order.indexOf(String(r.bucket)),
          String(r.type),
          String(r.channel),
          String(r.assignee ?? ''),
        ]),
      );
    const items = open
      .map((t): ReportRow => ({ ...openItemRow(t, money), ageDays: ageOf(t, params) }))
      .sort(byKeys((r) => [-Number(r.ageDays), String(r.businessDate), String(r.discrepancyId)]));
    return [
      sheet(
        'ageing',
        '账龄汇总',
        'Ageing',
        {
          bucket: col.text('账龄', 'Age', {
            width: 12,
            values: Object.fromEntries(AGE_BUCKETS.map((b) => [b.id, label(b.zh, b.en)])),
          }),
          type: col.text('差错类型', 'Type', { width: 18, values: DISCREPANCY_TYPE_VALUES }),
          channel: DAY_COLUMNS.channel,
          assignee: col.text('经办人', 'Assignee', 14),
          count: col.count('笔数', 'Count'),
          amount: col.money('金额', 'Amount', 16),
        },
        summary,
      ),
      sheet(
        'items',
        '未处理差错明细',
        'Open items',
        { ageDays: col.count('账龄（天）', 'Age (days)', { total: false }), ...OPEN_ITEM_COLUMNS },
        items,
      ),
    ];
  },
};
