// Writers driven by the same declarative mappings the parser reads: bank/UnionPay CSV and xlsx,
// HIS CSV and JSON, insurance TSV. A round trip writer → parser gives the entries back.
import { Decimal } from 'decimal.js';
import iconv from 'iconv-lite';
import type { StatementLineKind } from '../../../domain/reconciliation/statement-line.ts';
import type { ColumnMapping, ColumnRef } from '../mapping.ts';
import { csvField } from '../source.ts';
import { DEFAULT_TIME_ZONE, formatPattern, parseLocal, utcToLocal } from '../time.ts';
import type { BillEntry } from './entry.ts';

export interface MappingWriterOptions {
  eol?: '\n' | '\r\n';
  timeZone?: string;
  /** Write the mapping's totals row / JSON totals (default true). */
  totals?: boolean;
  /** json: extra top-level keys (hospitalId, businessDate …). */
  meta?: Record<string, string | number>;
}

/** The header name a writer gives a column (a positional column is written under its position). */
const first = (r: ColumnRef): string => (typeof r === 'number' ? `#${r}` : typeof r === 'string' ? r : r[0]!);

/** The header a writer emits: every mapped column once, in mapping order. */
export function mappingColumns(m: ColumnMapping): string[] {
  const cols: string[] = [];
  const add = (r: ColumnRef | undefined) => {
    if (r !== undefined && !cols.includes(first(r))) cols.push(first(r));
  };
  for (const r of Object.values(m.fields)) add(r);
  for (const r of Object.values(m.amounts ?? {})) add(r);
  if ('column' in m.kind) add(m.kind.column);
  if (m.totals) {
    add(m.totals.marker);
    add(m.totals.count);
  }
  return cols;
}

interface Row {
  values: Map<string, string>;
  signedAmount: Decimal;
  fee: Decimal | undefined;
}

function kindText(m: ColumnMapping, kind: StatementLineKind): string | undefined {
  if (!('column' in m.kind)) return undefined;
  for (const [text, k] of Object.entries(m.kind.values)) if (k === kind) return text;
  throw new Error(`mapping ${m.name} cannot express kind ${kind}`);
}

function toRow(m: ColumnMapping, e: BillEntry, tz: string): Row {
  const values = new Map<string, string>();
  const set = (r: ColumnRef | undefined, v: string | undefined) => {
    if (r === undefined || v === undefined || v === '') return;
    if (!values.has(first(r))) values.set(first(r), v);
  };
  const local = utcToLocal(e.occurredAt, tz);
  const negative = e.kind !== 'payment' && (m.amountSign === 'refund-negative' || 'bySign' in m.kind);
  const signed = new Decimal(e.amount).times(negative ? -1 : 1);
  set(m.fields.amount, signed.toFixed(2));
  if (m.fields.occurredTime) {
    set(m.fields.occurredAt, formatPattern(local, m.dateFormats[0]!));
    set(m.fields.occurredTime, formatPattern(local, 'HH:mm:ss'));
  } else set(m.fields.occurredAt, formatPattern(local, m.dateFormats[0]!));
  if (m.fields.businessDate) {
    const bd = parseLocal(
      `${e.businessDate ?? formatPattern(local, 'yyyy-MM-dd')} 00:00:00`,
      'yyyy-MM-dd HH:mm:ss',
    )!;
    set(m.fields.businessDate, formatPattern(bd, m.businessDateFormats?.[0] ?? 'yyyyMMdd'));
  }
  let fee: Decimal | undefined;
  if (m.fields.fee && e.fee !== undefined) {
    const cost = new Decimal(e.fee);
    const sign = m.feeSign ?? 'cost-positive';
    fee = sign === 'cost-positive' ? cost : sign === 'cost-negative' ? cost.negated() : cost.abs();
    set(m.fields.fee, fee.toFixed(Math.max(2, cost.decimalPlaces())));
  }
  set(m.fields.grossAmount, e.grossAmount);
  for (const [k, r] of Object.entries(m.fields)) {
    if (['amount', 'occurredAt', 'occurredTime', 'businessDate', 'fee', 'grossAmount'].includes(k)) continue;
    set(r as ColumnRef, (e as Record<string, unknown>)[k] as string | undefined);
  }
  for (const [name, r] of Object.entries(m.amounts ?? {})) set(r, e.amounts?.[name]);
  if ('column' in m.kind) set(m.kind.column, kindText(m, e.kind));
  return { values, signedAmount: signed, fee };
}

function* rowsWithTotals(
  m: ColumnMapping,
  entries: Iterable<BillEntry>,
  opts: MappingWriterOptions,
): Generator<Map<string, string>> {
  const tz = opts.timeZone ?? DEFAULT_TIME_ZONE;
  let count = 0;
  let amount = new Decimal(0);
  let fee = new Decimal(0);
  for (const e of entries) {
    const r = toRow(m, e, tz);
    count++;
    amount = amount.plus(r.signedAmount);
    if (r.fee) fee = fee.plus(r.fee);
    yield r.values;
  }
  if (m.totals && opts.totals !== false) {
    const t = new Map<string, string>([[first(m.totals.marker), m.totals.equals]]);
    if (m.totals.count) t.set(first(m.totals.count), String(count));
    if (m.totals.amount) t.set(first(m.totals.amount), amount.toFixed(2));
    if (m.totals.fee && m.fields.fee)
      t.set(first(m.totals.fee), fee.toFixed(Math.max(2, fee.decimalPlaces())));
    yield t;
  }
}

/** CSV/TSV lines (strings with EOL) for a csv mapping; encode with `mapping.encoding`. */
export function* mappingCsvLines(
  m: ColumnMapping,
  entries: Iterable<BillEntry>,
  opts: MappingWriterOptions = {},
): Generator<string> {
  const eol = opts.eol ?? '\r\n';
  const d = m.delimiter ?? ',';
  const cols = mappingColumns(m);
  yield cols.join(d) + eol;
  for (const v of rowsWithTotals(m, entries, opts))
    yield cols.map((c) => csvField(v.get(c) ?? '', d)).join(d) + eol;
}

/** The whole CSV as bytes in the mapping's encoding (GBK for most bank exports). */
export function writeMappingCsv(
  m: ColumnMapping,
  entries: Iterable<BillEntry>,
  opts: MappingWriterOptions = {},
): Buffer {
  const parts: Buffer[] = [];
  for (const l of mappingCsvLines(m, entries, opts))
    parts.push(m.encoding === 'gbk' ? iconv.encode(l, 'gbk') : Buffer.from(l, 'utf8'));
  return Buffer.concat(parts);
}

/** A JSON document `{ records: [...], <meta>, count, totalAmount }`, streamed in chunks. */
export function* mappingJsonChunks(
  m: ColumnMapping,
  entries: Iterable<BillEntry>,
  opts: MappingWriterOptions = {},
): Generator<string> {
  const tz = opts.timeZone ?? DEFAULT_TIME_ZONE;
  yield `{"${m.jsonRecordsKey ?? 'records'}":[\n`;
  let count = 0;
  let amount = new Decimal(0);
  for (const e of entries) {
    const r = toRow(m, e, tz);
    yield `${count ? ',\n' : ''}${JSON.stringify(Object.fromEntries(r.values))}`;
    count++;
    amount = amount.plus(r.signedAmount);
  }
  const meta: Record<string, string | number> = { ...(opts.meta ?? {}) };
  if (opts.totals !== false && m.jsonMeta?.count) meta[m.jsonMeta.count] = count;
  if (opts.totals !== false && m.jsonMeta?.amount) meta[m.jsonMeta.amount] = amount.toFixed(2);
  const tail = JSON.stringify(meta).slice(1, -1);
  yield `\n]${tail ? `,${tail}` : ''}}\n`;
}

export function writeMappingJson(
  m: ColumnMapping,
  entries: Iterable<BillEntry>,
  opts: MappingWriterOptions = {},
): string {
  return [...mappingJsonChunks(m, entries, opts)].join('');
}

const MONEY_COLUMNS = (m: ColumnMapping): Set<string> => {
  const s = new Set<string>([first(m.fields.amount)]);
  if (m.fields.fee) s.add(first(m.fields.fee));
  for (const r of Object.values(m.amounts ?? {})) s.add(first(r));
  return s;
};

/** An xlsx workbook for an xlsx mapping: amounts as numeric cells (`#,##0.00`), times as date cells. */
export async function writeMappingXlsx(
  m: ColumnMapping,
  entries: Iterable<BillEntry>,
  opts: MappingWriterOptions = {},
): Promise<Buffer> {
  const { default: ExcelJS } = await import('exceljs'); // loaded when a workbook is written (it is large)
  const wb = new ExcelJS.Workbook();
  const ws = wb.addWorksheet('交易明细');
  const cols = mappingColumns(m);
  const money = MONEY_COLUMNS(m);
  ws.addRow(cols);
  const timeCol = first(m.fields.occurredAt);
  for (const v of rowsWithTotals(m, entries, opts)) {
    const row = ws.addRow(
      cols.map((c) => {
        const t = v.get(c);
        if (t === undefined) return null;
        // xlsx stores numbers as doubles; two-decimal amounts round-trip exactly through toFixed.
        if (money.has(c) && /^-?\d+(\.\d+)?$/.test(t)) return Number(t);
        const lt = c === timeCol ? parseLocal(t, m.dateFormats[0]!) : undefined;
        if (lt) return new Date(Date.UTC(lt.y, lt.mo - 1, lt.d, lt.h, lt.mi, lt.s));
        return t;
      }),
    );
    cols.forEach((c, i) => {
      const cell = row.getCell(i + 1);
      if (money.has(c)) cell.numFmt = '#,##0.00';
      else if (c === timeCol) cell.numFmt = 'yyyy-mm-dd hh:mm:ss';
    });
  }
  return Buffer.from(await wb.xlsx.writeBuffer());
}
