// Names finance staff read in reports (channels, business types) and the small helpers every fold shares.
import { type BusinessDate, businessDate } from '../domain/business-date.ts';
import type { RecordedEvent } from '../domain/event-store.ts';
import { Money } from '../domain/money.ts';
import type { Column, ColumnKind, Label, Lang, ReportParams, ReportRow, Sheet } from './types.ts';

export const CHANNEL_LABELS: Readonly<Record<string, Label>> = {
  wechat: { zh: '微信支付', en: 'WeChat Pay' },
  alipay: { zh: '支付宝', en: 'Alipay' },
  unionpay: { zh: '银联', en: 'UnionPay' },
  insurance: { zh: '医保', en: 'Medical insurance' },
  cash: { zh: '现金', en: 'Cash' },
  window: { zh: '窗口', en: 'Window' },
  kiosk: { zh: '自助机', en: 'Kiosk' },
};

/** The business types of the daily settlement, in the order finance prints them. */
export const BUSINESS_TYPES = ['registration', 'outpatient', 'deposit', 'surplus', 'refund'] as const;
export type BusinessType = (typeof BUSINESS_TYPES)[number];

export const BUSINESS_TYPE_LABELS: Readonly<Record<BusinessType, Label>> = {
  registration: { zh: '挂号', en: 'Registration' },
  outpatient: { zh: '门诊缴费', en: 'Outpatient' },
  deposit: { zh: '住院预交金', en: 'Inpatient deposit' },
  surplus: { zh: '重复支付（待退）', en: 'Duplicate payment (owed back)' },
  refund: { zh: '退款', en: 'Refund' },
};

/** A sheet of typed rows with a totals row under them (every report sheet has one). */
export function sheet(
  id: string,
  zh: string,
  en: string,
  columns: readonly Column[],
  rows: readonly ReportRow[],
): Sheet {
  return { id, title: { zh, en }, totals: true, columns, rows };
}

export function column(
  key: string,
  kind: ColumnKind,
  zh: string,
  en: string,
  more: Pick<Column, 'width' | 'values' | 'total'> = {},
): Column {
  return { key, kind, label: { zh, en }, ...more };
}

/** The column every report has first or second: the channel, named in the export's language. */
export const channelColumn = (): Column =>
  column('channel', 'text', '渠道', 'Channel', { width: 14, values: CHANNEL_LABELS });
export const dateColumn = (): Column =>
  column('businessDate', 'date', '业务日期', 'Business date', { width: 12 });

/** A cell's text in a language: codes with a label are translated. */
export function cellText(col: Column, value: string, lang: Lang): string {
  return col.values?.[value]?.[lang] ?? value;
}

/** A count and an amount: what most report cells add up. */
export interface Tally {
  count: number;
  amount: Money;
}

export const emptyTally = (): Tally => ({ count: 0, amount: Money.ZERO });

export function addTo(t: Tally, amount: Money, count = 1): void {
  t.count += count;
  t.amount = t.amount.add(amount);
}

/** The entry of a map, created on first use. */
export function entry<K, V>(map: Map<K, V>, key: K, create: () => V): V {
  let v = map.get(key);
  if (v === undefined) {
    v = create();
    map.set(key, v);
  }
  return v;
}

export const money = (v: unknown): Money => Money.parseTotal(String(v ?? '0'));

/** The business date of an event's business time, in the hospital's zone and cut-off. */
export function dateOf(event: RecordedEvent, params: ReportParams): BusinessDate {
  return businessDate(event.occurredAt, params.dateOptions);
}

export function inRange(date: string, params: ReportParams): boolean {
  return date >= params.from && date <= params.to;
}

/** Sort keys joined: rows come out in one stable order, so the same events always give the same sheet. */
export function byKeys<T>(keyOf: (x: T) => readonly (string | number)[]): (a: T, b: T) => number {
  return (a, b) => {
    const ka = keyOf(a);
    const kb = keyOf(b);
    for (let i = 0; i < ka.length; i++) {
      const x = ka[i]!;
      const y = kb[i]!;
      if (x < y) return -1;
      if (x > y) return 1;
    }
    return 0;
  };
}

/** Map keys of several parts (a channel or an operator may hold any printable character). */
export const key = (...parts: string[]): string => parts.join('\u001f');
/** The parts of a key made by `key` (callers read only as many parts as they joined). */
export const splitKey = (k: string) => k.split('\u001f') as [string, string, string, string];
