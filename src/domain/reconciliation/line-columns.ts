// The stored form of statement lines (StatementLinesImported, schema version 2, codec `columns/1`): one array
// per field across the batch's lines, the normalized fields beside the raw row. Reading a batch back is pure
// data work (no statement parser runs), so replaying an import years later yields the lines the import saw,
// whatever the parsers have become since. Pure: no I/O.
//
// A column is the most compact of:
//   absent                 every line lacks the field (the key is left out)
//   { c: v }               every line has the same value v (null = lacks it)
//   { d: [v…], i: [k…] }   a dictionary of at most MAX_DICTIONARY values and one index per line
//   [v…]                   one value per line (null where a line lacks it)
// `lineNo` is `{ first }` when the lines are consecutive; `occurredAt` is epoch milliseconds as the first
// instant and per-line deltas (checked to round-trip to the same ISO text, else stored as text);
// `localTime` is the offset in minutes from UTC of each line's wall clock (checked likewise). `text` holds a
// column per optional text field any line carries (keys, fee, status …: whatever the parser gave), `objects`
// the non-text ones (named amounts) line by line, so a field a newer parser adds is stored without a change here.
import type { LegacyObjectBatch, StatementImportStarted, StoredStatementLine } from './events.ts';
import {
  LINE_DETAIL_FIELDS,
  LINE_REFERENCE_FIELDS,
  type StatementLine,
  type StatementLineKind,
} from './statement-line.ts';

export const COLUMNS_CODEC = 'columns/1' as const;
/** Distinct values a dictionary column may hold before the column is stored value by value. */
export const MAX_DICTIONARY = 256;

type Scalar = string | number;
export type Column<T extends Scalar> = { c: T | null } | { d: (T | null)[]; i: number[] } | (T | null)[];

/** Fields every line has (own columns) or the statement shares (in StatementImportStarted: not stored). */
const CORE_FIELDS: ReadonlySet<string> = new Set([
  'kind',
  'lineNo',
  'raw',
  'amount',
  'occurredAt',
  'localTime',
  'businessDate',
  'party',
  'source',
  'format',
  'hospitalId',
]);

/** Optional text fields of a line this version names, in the order the decoder sets them. */
const KNOWN_TEXT_FIELDS = [
  ...LINE_REFERENCE_FIELDS,
  'grossAmount',
  'fee',
  'feeRate',
  ...LINE_DETAIL_FIELDS,
] as const satisfies readonly (keyof StatementLine)[];
type KnownTextField = (typeof KNOWN_TEXT_FIELDS)[number];
const KNOWN_TEXT: ReadonlySet<string> = new Set(KNOWN_TEXT_FIELDS);

/** Data of a StatementLinesImported event in the columnar encoding. */
export interface ColumnBatch {
  statementId: string;
  batch: number;
  codec: typeof COLUMNS_CODEC;
  count: number;
  lineNo: { first: number } | number[];
  /** The rows as the file printed them (xlsx: the cells joined by commas), for audit. */
  raw: string[];
  kind: Column<string>;
  amount: Column<string>;
  occurredAt: { t0: number; dt: number[] } | Column<string>;
  localTime: { offsetMinutes: Column<number> } | Column<string>;
  businessDate: Column<string>;
  /** Every optional text field the lines carry (channelTxnId, merchantOrderNo, refundNo, fee, status …). */
  text: Record<string, Column<string>>;
  /** Optional fields that are not text (the named `amounts`), one value per line. */
  objects?: Record<string, (JsonValue | null)[]>;
}

type JsonValue = string | number | boolean | null | JsonValue[] | { [k: string]: JsonValue };

function encodeColumn<T extends Scalar>(values: readonly (T | undefined)[]): Column<T> | undefined {
  const dict = new Map<T | null, number>();
  const index: number[] = new Array(values.length);
  let defined = false;
  for (let i = 0; i < values.length; i++) {
    const v = values[i] ?? null;
    if (v !== null) defined = true;
    let k = dict.get(v);
    if (k === undefined) {
      if (dict.size >= MAX_DICTIONARY) return values.map((x) => x ?? null);
      dict.set(v, (k = dict.size));
    }
    index[i] = k;
  }
  if (!defined) return undefined;
  const d = [...dict.keys()];
  if (d.length === 1) return { c: d[0]! };
  // A dictionary pays off only when its indices are shorter than the values they stand for.
  if (d.length * 4 > values.length) return values.map((x) => x ?? null);
  return { d, i: index };
}

/** The value of a column at line i (undefined where the line lacks it). */
export function columnValue<T extends Scalar>(col: Column<T> | undefined, i: number): T | undefined {
  if (col === undefined) return undefined;
  if (Array.isArray(col)) return col[i] ?? undefined;
  if ('c' in col) return col.c ?? undefined;
  return col.d[col.i[i]!] ?? undefined;
}

const pad2 = (n: number): string => (n < 10 ? '0' : '') + n;

/** `yyyy-MM-dd HH:mm:ss` of an instant shifted by an offset (the wall clock the file printed). */
function wallClock(ms: number, offsetMinutes: number): string {
  const w = new Date(ms + offsetMinutes * 60_000);
  return `${w.getUTCFullYear()}-${pad2(w.getUTCMonth() + 1)}-${pad2(w.getUTCDate())} ${pad2(w.getUTCHours())}:${pad2(w.getUTCMinutes())}:${pad2(w.getUTCSeconds())}`;
}

function encodeTimes(lines: readonly StoredStatementLine[]): Pick<ColumnBatch, 'occurredAt' | 'localTime'> {
  const ms = new Array<number>(lines.length);
  const offsets = new Array<number>(lines.length);
  let exact = true;
  let prev: StoredStatementLine | undefined;
  for (let i = 0; i < lines.length && exact; i++) {
    const l = lines[i]!;
    // Lines come in time order, many to the same second: the previous line's answers are reused.
    if (prev && l.occurredAt === prev.occurredAt && l.localTime === prev.localTime) {
      ms[i] = ms[i - 1]!;
      offsets[i] = offsets[i - 1]!;
      continue;
    }
    prev = l;
    const t = Date.parse(l.occurredAt);
    if (!Number.isFinite(t) || new Date(t).toISOString() !== l.occurredAt) exact = false;
    ms[i] = t;
    // The offset of the printed wall clock from the instant, in whole minutes (every zone since 1970).
    const wall = Date.parse(`${l.localTime.replace(' ', 'T')}Z`);
    const off = Math.round((wall - Math.floor(t / 1000) * 1000) / 60_000);
    offsets[i] = Number.isFinite(off) && wallClock(t, off) === l.localTime ? off : Number.NaN;
  }
  if (!exact)
    return {
      occurredAt: encodeColumn(lines.map((l) => l.occurredAt))!,
      localTime: encodeColumn(lines.map((l) => l.localTime))!,
    };
  const dt = new Array<number>(lines.length);
  for (let i = 0; i < lines.length; i++) dt[i] = i === 0 ? 0 : ms[i]! - ms[i - 1]!;
  const wallKept = offsets.every((o) => !Number.isNaN(o));
  return {
    occurredAt: { t0: ms[0] ?? 0, dt },
    localTime: wallKept
      ? { offsetMinutes: encodeColumn(offsets)! }
      : encodeColumn(lines.map((l) => l.localTime))!,
  };
}

/** Encodes a batch of lines (at least one) as columns. */
export function encodeLineColumns(
  statementId: string,
  batch: number,
  lines: readonly StoredStatementLine[],
): ColumnBatch {
  const first = lines[0]?.lineNo ?? 0;
  let consecutive = true;
  for (let i = 0; i < lines.length && consecutive; i++) consecutive = lines[i]!.lineNo === first + i;
  // The optional fields present on any line: text ones as columns, the others (named amounts) line by line.
  const optional = new Map<string, boolean>();
  for (const l of lines)
    for (const k in l) {
      if (CORE_FIELDS.has(k)) continue;
      const v = (l as unknown as Record<string, unknown>)[k];
      if (v === undefined) continue;
      if (optional.get(k) !== false) optional.set(k, typeof v === 'string');
    }
  const text: ColumnBatch['text'] = {};
  const objects: NonNullable<ColumnBatch['objects']> = {};
  for (const [k, isText] of optional) {
    const values = lines.map((l) => (l as unknown as Record<string, JsonValue | undefined>)[k]);
    if (isText) text[k] = encodeColumn(values as (string | undefined)[])!;
    else objects[k] = values.map((v) => v ?? null);
  }
  const out: ColumnBatch = {
    statementId,
    batch,
    codec: COLUMNS_CODEC,
    count: lines.length,
    lineNo: consecutive ? { first } : lines.map((l) => l.lineNo),
    raw: lines.map((l) => l.raw),
    kind: encodeColumn(lines.map((l) => l.kind))!,
    amount: encodeColumn(lines.map((l) => l.amount))!,
    ...encodeTimes(lines),
    businessDate: encodeColumn(lines.map((l) => l.businessDate))!,
    text,
  };
  if (Object.keys(objects).length > 0) out.objects = objects;
  return out;
}

export function isColumnBatch(data: unknown): data is ColumnBatch {
  return (data as { codec?: unknown } | null)?.codec === COLUMNS_CODEC;
}

/** The lines of a columnar batch, with the fields the statement shares (party, source, format) put back. */
export function decodeLineColumns(b: ColumnBatch, head: StatementImportStarted['data']): StatementLine[] {
  const n = b.count;
  if (!Array.isArray(b.raw) || b.raw.length !== n)
    throw new Error(`statement batch ${b.batch}: ${b.raw?.length} raw rows for ${n} lines`);
  const out = new Array<StatementLine>(n);
  const times = b.occurredAt;
  const wall = b.localTime;
  const t = b.text as Partial<Record<KnownTextField, Column<string>>>;
  const known: [KnownTextField, Column<string>][] = [];
  for (const k of KNOWN_TEXT_FIELDS) if (t[k] !== undefined) known.push([k, t[k]]);
  const amounts = b.objects?.amounts;
  const other: [string, Column<string> | (JsonValue | null)[]][] = [
    ...Object.entries(b.text).filter(([k]) => !KNOWN_TEXT.has(k)),
    ...Object.entries(b.objects ?? {}).filter(([k]) => k !== 'amounts'),
  ];
  let ms = 'dt' in times ? times.t0 : 0;
  let lastMs = Number.NaN;
  let lastIso = '';
  let lastOffset = Number.NaN;
  let lastWall = '';
  for (let i = 0; i < n; i++) {
    let occurredAt: string;
    if ('dt' in times) {
      ms += times.dt[i]!;
      // Lines come in time order, many to the same instant: the last texts are reused.
      if (ms !== lastMs) {
        lastIso = new Date(ms).toISOString();
        lastMs = ms;
        lastOffset = Number.NaN;
      }
      occurredAt = lastIso;
    } else occurredAt = columnValue(times, i)!;
    let localTime: string;
    if ('offsetMinutes' in wall) {
      const off = columnValue(wall.offsetMinutes, i)!;
      if (off !== lastOffset || occurredAt !== lastIso) {
        lastWall = wallClock(Date.parse(occurredAt), off);
        lastOffset = off;
      }
      localTime = lastWall;
    } else localTime = columnValue(wall, i)!;
    const line: StatementLine = {
      party: head.party,
      source: head.source,
      format: head.format,
      kind: columnValue(b.kind, i) as StatementLineKind,
      lineNo: Array.isArray(b.lineNo) ? b.lineNo[i]! : b.lineNo.first + i,
      raw: b.raw[i]!,
      amount: columnValue(b.amount, i)!,
      occurredAt,
      localTime,
      businessDate: columnValue(b.businessDate, i)!,
    };
    // The batch's fields in one fixed order: lines of a format share their shape (the matcher reads a million),
    // and a line holds only the fields it has (a million lines of 32 slots each would weigh on memory).
    for (const [k, col] of known) {
      const v = columnValue(col, i);
      if (v !== undefined) line[k] = v;
    }
    const a = amounts?.[i];
    if (a) line.amounts = a as Record<string, string>;
    if (other.length > 0) {
      // Fields this version does not name (written by a newer importer) still come back.
      const fields = line as unknown as Record<string, unknown>;
      for (const [k, values] of other) {
        const v = Array.isArray(values) ? values[i] : columnValue(values, i);
        if (v !== null && v !== undefined) fields[k] = v;
      }
    }
    out[i] = line;
  }
  return out;
}

/**
 * The lines of a stored batch in an encoding that carries its facts: `columns/1`, or the line objects of the
 * first importer. Undefined for an encoding whose lines must be re-derived by a parser (the legacy WeChat raw
 * rows, `wechat-raw/1`): the statement adapters decode those.
 */
export function decodeStoredLines(
  data: unknown,
  head: StatementImportStarted['data'],
): StatementLine[] | undefined {
  if (isColumnBatch(data)) return decodeLineColumns(data, head);
  const d = data as Partial<LegacyObjectBatch> & { codec?: unknown };
  if (d.codec !== undefined || !Array.isArray(d.lines)) return undefined;
  const out = new Array<StatementLine>(d.lines.length);
  for (let i = 0; i < d.lines.length; i++)
    out[i] = { ...d.lines[i]!, party: head.party, source: head.source, format: head.format };
  return out;
}
