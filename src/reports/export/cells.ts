// What every export writes the same way: a cell's text, the totals of a sheet, the cover's lines.
import { DEFAULT_TIME_ZONE, zoneOffsetMs } from '../../domain/business-date.ts';
import { Money } from '../../domain/money.ts';
import type { BuiltReport, Cell, Column, Lang, Sheet } from '../types.ts';
import { cellText } from '../vocabulary.ts';

export const FORMATS = ['xlsx', 'csv', 'json'] as const;
export type ReportFormat = (typeof FORMATS)[number];

export const CONTENT_TYPES: Readonly<Record<ReportFormat, string>> = {
  xlsx: 'application/vnd.openxmlformats-officedocument.spreadsheetml.sheet',
  csv: 'text/csv; charset=utf-8',
  json: 'application/json; charset=utf-8',
};

export interface WriteProgress {
  phase: 'writing';
  rows: number;
  total: number;
}

export interface ExportOptions {
  lang: Lang;
  /** CSV holds one sheet: this one (by id), else the report's first. */
  sheet?: string;
  onProgress?: (p: WriteProgress) => void;
}

/** Rows between two progress reports while writing. */
export const PROGRESS_EVERY_ROWS = 1_000;

export const totalsColumn = (c: Column): boolean => c.total ?? (c.kind === 'money' || c.kind === 'count');

/** The totals of a sheet's total columns, exactly (Money) or as integers. */
export function sheetTotals(sheet: Sheet): Map<string, Money | number> {
  const totals = new Map<string, Money | number>();
  for (const c of sheet.columns) {
    if (!totalsColumn(c)) continue;
    if (c.kind === 'money')
      totals.set(
        c.key,
        Money.sum(sheet.rows.map((r) => (Money.isMoney(r[c.key]) ? (r[c.key] as Money) : Money.ZERO))),
      );
    else
      totals.set(
        c.key,
        sheet.rows.reduce((n, r) => n + (typeof r[c.key] === 'number' ? (r[c.key] as number) : 0), 0),
      );
  }
  return totals;
}

export function timeZoneOf(report: BuiltReport): string {
  return report.params.dateOptions?.timeZone ?? DEFAULT_TIME_ZONE;
}

/** An instant as the hospital's wall clock: what a person there reads on a printed report. */
export function localDate(instant: Date, timeZone: string): Date {
  return new Date(instant.getTime() + zoneOffsetMs(instant.getTime(), timeZone));
}

export function localText(instant: Date, timeZone: string): string {
  return localDate(instant, timeZone).toISOString().slice(0, 19).replace('T', ' ');
}

/** A cell as text (CSV): money with two decimals and no grouping, instants in the hospital's time. */
export function textOf(col: Column, value: Cell, lang: Lang, timeZone: string): string {
  if (value === null || value === undefined) return '';
  if (Money.isMoney(value)) return value.toString();
  if (value instanceof Date) return localText(value, timeZone);
  if (typeof value === 'number') return String(value);
  return cellText(col, value, lang);
}

/** A cell as JSON: money as "12.50" strings, instants as ISO-8601 UTC, codes as they are. */
export function jsonOf(value: Cell): string | number | null {
  if (value === null || value === undefined) return null;
  if (Money.isMoney(value)) return value.toString();
  if (value instanceof Date) return value.toISOString();
  return value;
}

const COVER_LABELS = {
  report: { zh: '报表', en: 'Report' },
  hospital: { zh: '医院', en: 'Hospital' },
  from: { zh: '起始业务日期', en: 'From (business date)' },
  to: { zh: '截止业务日期', en: 'To (business date)' },
  asOf: { zh: '数据截至时点', en: 'As of' },
  position: { zh: '事件位置', en: 'Event position' },
  events: { zh: '读入事件数', en: 'Events read' },
  generatedAt: { zh: '生成时间', en: 'Generated at' },
  timeZone: { zh: '时区', en: 'Time zone' },
  rows: { zh: '行数', en: 'rows' },
};

/** The cover sheet's lines: the parameters, the generation time and the event position it was built to. */
export function coverLines(report: BuiltReport, lang: Lang): [string, string][] {
  const tz = timeZoneOf(report);
  const l = (k: keyof typeof COVER_LABELS) => COVER_LABELS[k][lang];
  const asOf = report.asOf
    ? `${localText(report.asOf, tz)} (${report.asOf.toISOString()})`
    : lang === 'zh'
      ? '生成时的最新数据'
      : 'latest at generation';
  return [
    [l('report'), `${report.title[lang]} (${report.name})`],
    [l('hospital'), report.params.hospitalId],
    [l('from'), report.params.from],
    [l('to'), report.params.to],
    [l('asOf'), asOf],
    [l('position'), report.position.toString()],
    [l('events'), String(report.events)],
    [l('generatedAt'), `${localText(report.generatedAt, tz)} (${report.generatedAt.toISOString()})`],
    [l('timeZone'), tz],
    ...report.sheets.map((s): [string, string] => [s.title[lang], `${s.rows.length} ${l('rows')}`]),
  ];
}

export function totalRows(report: BuiltReport): number {
  return report.sheets.reduce((n, s) => n + s.rows.length, 0);
}
