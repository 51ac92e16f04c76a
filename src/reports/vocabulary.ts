// Names finance staff read in reports (channels, business types), and the columns and sheets they read them in.
import type { Column, ColumnKind, Label, Lang, ReportRow, Sheet } from './types.ts';

/** A text in both languages. */
export const label = (zh: string, en: string): Label => ({ zh, en });

export const CHANNEL_LABELS: Readonly<Record<string, Label>> = {
  wechat: label('微信支付', 'WeChat Pay'),
  alipay: label('支付宝', 'Alipay'),
  unionpay: label('银联', 'UnionPay'),
  insurance: label('医保', 'Medical insurance'),
  cash: label('现金', 'Cash'),
  window: label('窗口', 'Window'),
  kiosk: label('自助机', 'Kiosk'),
};

/** The business types of the daily settlement, in the order finance prints them. */
export const BUSINESS_TYPES = ['registration', 'outpatient', 'deposit', 'surplus', 'refund'] as const;
export type BusinessType = (typeof BUSINESS_TYPES)[number];

export const BUSINESS_TYPE_LABELS: Readonly<Record<BusinessType, Label>> = {
  registration: label('挂号', 'Registration'),
  outpatient: label('门诊缴费', 'Outpatient'),
  deposit: label('住院预交金', 'Inpatient deposit'),
  surplus: label('重复支付（待退）', 'Duplicate payment (owed back)'),
  refund: label('退款', 'Refund'),
};

/** A column as a sheet's table of columns describes it: all but its key, which is its key in the table. */
export type ColumnSpec = Omit<Column, 'key'>;
/** A sheet's columns by key, in the order written (keys are names, never integers, so JS keeps that order). */
export type Columns = Readonly<Record<string, ColumnSpec>>;
type ColumnOptions = Pick<Column, 'width' | 'values' | 'total'>;

function ofKind(kind: ColumnKind) {
  return (zh: string, en: string, more: number | ColumnOptions = {}): ColumnSpec => ({
    kind,
    label: label(zh, en),
    ...(typeof more === 'number' ? { width: more } : more),
  });
}

/** A column of each kind, labelled in both languages; a number after the labels is its width. */
export const col = {
  text: ofKind('text'),
  count: ofKind('count'),
  money: ofKind('money'),
  date: ofKind('date'),
  instant: ofKind('instant'),
};

/** The columns most sheets start with: the business date, and the channel named in the export's language. */
export const DAY_COLUMNS = {
  businessDate: col.date('业务日期', 'Business date', 12),
  channel: col.text('渠道', 'Channel', { width: 14, values: CHANNEL_LABELS }),
} satisfies Columns;

/** A sheet of typed rows with a totals row under them (every report sheet has one). */
export function sheet(
  id: string,
  zh: string,
  en: string,
  columns: Columns,
  rows: readonly ReportRow[],
): Sheet {
  return {
    id,
    title: label(zh, en),
    totals: true,
    columns: Object.entries(columns).map(([key, c]) => ({ key, ...c })),
    rows,
  };
}

/** A cell's text in a language: codes with a label are translated. */
export function cellText(column: Column, value: string, lang: Lang): string {
  return column.values?.[value]?.[lang] ?? value;
}
