// What a finance report is: a pure fold over the events of one hospital up to an event position, turned into
// sheets of typed rows. Reading the events, and writing xlsx / csv / json, happen elsewhere (build.ts, export/).
import type { BusinessDate, BusinessDateOptions } from '../domain/business-date.ts';
import type { RecordedEvent } from '../domain/event-store.ts';
import type { Money } from '../domain/money.ts';

export type Lang = 'zh' | 'en';
export const LANGS = ['zh', 'en'] as const;

/** A label in both languages; exports use Chinese unless English is asked for. */
export interface Label {
  zh: string;
  en: string;
}

/**
 * How a column's cells are typed and written: `money` cells are Money (exact) and written `#,##0.00`; `count`
 * cells are integers; `date` cells are business dates (yyyy-MM-dd text); `instant` cells are Dates (UTC).
 */
export type ColumnKind = 'text' | 'count' | 'money' | 'date' | 'instant';

export interface Column {
  key: string;
  label: Label;
  kind: ColumnKind;
  /** Summed in the totals row (a formula in xlsx). Default: true for money and count columns. */
  total?: boolean;
  /** Column width in characters (xlsx). */
  width?: number;
  /** Text cells that are codes (channel, business type …): shown in the export's language; unknown codes as they are. */
  values?: Readonly<Record<string, Label>>;
}

export type Cell = string | number | Money | Date | null;
export type ReportRow = Record<string, Cell>;

export interface Sheet {
  /** Stable id (CSV / API pick a sheet by it). */
  id: string;
  title: Label;
  columns: readonly Column[];
  rows: readonly ReportRow[];
  /** Write a totals row under the rows (sums of the total columns). */
  totals: boolean;
}

/** What a report is asked for: one hospital and an inclusive range of business dates. */
export interface ReportParams {
  hospitalId: string;
  from: BusinessDate;
  to: BusinessDate;
  /**
   * The instant the report looks from: the ageing reference, and the date after which nothing counts.
   * It is the as-of instant when one is asked, otherwise the generation time.
   */
  at: Date;
  dateOptions?: BusinessDateOptions;
}

/**
 * A report definition: which events it reads, and a fold from them to sheets. `evolve` may update the state
 * it is given in place (the state belongs to one build); nothing here reads a clock, a database or a file.
 */
export interface ReportDefinition<S = unknown> {
  name: string;
  title: Label;
  description: Label;
  /** Event types the fold reads (the others are never fetched). */
  handles: readonly string[];
  initial(params: ReportParams): S;
  evolve(state: S, event: RecordedEvent, params: ReportParams): S;
  sheets(state: S, params: ReportParams): Sheet[];
}

/** A report as built: its sheets and where in the event history it stands. */
export interface BuiltReport {
  name: string;
  title: Label;
  params: ReportParams;
  /** The last event position the report includes: the same position always yields the same sheets. */
  position: bigint;
  /** The as-of instant asked for, if any. */
  asOf: Date | null;
  generatedAt: Date;
  /** Events of the hospital the fold read. */
  events: number;
  sheets: Sheet[];
}

/** Rows per sheet a report may hold: beyond it the report is refused, not cut (narrow the date range). */
export const MAX_REPORT_ROWS = 1_000_000;
/** Longest date range one report covers. */
export const MAX_REPORT_DAYS = 366;
