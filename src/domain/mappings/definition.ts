// A column mapping: how a bank, HIS or insurance file is read, as data. The built-in mappings and the ones a
// hospital manages (events, ./decide.ts) share this shape; `validateMapping` turns untrusted JSON into one or
// refuses it with the JSON path and the reason. Pure: no I/O.
import {
  LINE_DETAIL_FIELDS,
  LINE_REFERENCE_FIELDS,
  STATEMENT_LINE_KINDS,
  type StatementFormat,
  type StatementLineKind,
  type StatementParty,
} from '../reconciliation/statement-line.ts';
import { refuseMapping } from './refusals.ts';

/** A column: its header name, several accepted names (aliases across export versions), or its 1-based position. */
export type ColumnRef = string | readonly string[] | number;

/** Fields of a statement line a mapping can fill from one column. */
export const MAPPED_TEXT_FIELDS = [...LINE_REFERENCE_FIELDS, ...LINE_DETAIL_FIELDS, 'feeRate'] as const;
export type MappedTextField = (typeof MAPPED_TEXT_FIELDS)[number];

/** Further columns with a meaning of their own (not plain text copied onto the line). */
const SPECIAL_FIELDS = [
  'amount',
  'occurredAt',
  'occurredTime',
  'businessDate',
  'grossAmount',
  'fee',
] as const;

export const MAPPING_ENCODINGS = ['utf8', 'gbk'] as const;
export const MAPPING_CONTAINERS = ['csv', 'xlsx', 'json'] as const;
/** Parties a mapping may read for: the payment channels' own bills have parsers of their own. */
export const MAPPING_PARTIES = ['bank', 'his', 'insurance'] as const;
export const AMOUNT_SIGNS = ['positive', 'refund-negative', 'any'] as const;
export const FEE_SIGNS = ['cost-positive', 'cost-negative', 'by-kind'] as const;
/** What an import does when a file without a totals row disagrees with the platform's count and sum. */
export const PLATFORM_CHECKS = ['record', 'refuse'] as const;

export interface TotalsRow {
  /** The row whose `marker` column holds `equals` is the totals row. */
  marker: ColumnRef;
  equals: string;
  /** Columns of the totals row holding the row count, Σ amount (signed as printed) and Σ fee. */
  count?: ColumnRef;
  amount?: ColumnRef;
  fee?: ColumnRef;
  /** Refuse a file without the totals row (TRUNCATED); false: the row may be missing (then the platform check). */
  required: boolean;
}

export interface ColumnMapping {
  /** Unique name; bank mappings are also addressed as `bank:<name>`. */
  name: string;
  format: StatementFormat;
  party: StatementParty;
  /** Issuer written on every line (`unionpay`, `allinpay`, `his`, `insurance`). */
  source: string;
  /** What the mapping is for, for people. */
  description?: string;
  container: 'csv' | 'xlsx' | 'json';
  /** csv only (default utf8). */
  encoding?: 'utf8' | 'gbk';
  /** csv only (default `,`; `\t` for TSV). */
  delimiter?: string;
  /** Lines starting with this are comments (skipped). */
  commentPrefix?: string;
  /** False: the file has no header row and every column is addressed by position (default true). */
  header?: boolean;
  /** The header is the first record within this many holding every mapped column (default 20). */
  headerSearchRows?: number;
  /** json: key of the records array when the root is an object (a root array is also accepted). */
  jsonRecordsKey?: string;
  fields: { amount: ColumnRef; occurredAt: ColumnRef } & Partial<Record<MappedTextField, ColumnRef>> & {
      /** A separate time column when `occurredAt` holds only the date. */
      occurredTime?: ColumnRef;
      businessDate?: ColumnRef;
      grossAmount?: ColumnRef;
      fee?: ColumnRef;
    };
  /** Further named money columns kept on the line (`amounts`). */
  amounts?: Record<string, ColumnRef>;
  /** Patterns for occurredAt (`yyyy MM dd HH mm ss` and literal characters), tried in order. */
  dateFormats: readonly string[];
  timeFormats?: readonly string[];
  businessDateFormats?: readonly string[];
  /** How a row's kind is told: a column's values, or the amount's sign (+ payment, − refund). */
  kind: { column: ColumnRef; values: Record<string, StatementLineKind> } | { bySign: true };
  /**
   * How the amount column is signed: `positive` (never negative; kind says the direction),
   * `refund-negative` (payments +, refunds/fees/settlements −), `any` (sign ignored).
   */
  amountSign: (typeof AMOUNT_SIGNS)[number];
  /** How the fee column is signed: as a cost (+ charged), as a deduction (− charged), or sign-agnostic by kind. */
  feeSign?: (typeof FEE_SIGNS)[number];
  /** Decimals the fee column may carry (default 2). */
  feeDecimals?: number;
  /**
   * The form of the money columns: their unit (fen for files printing integer fen) and the decimals the
   * amount columns print, fewest and most. Without it: yuan, up to two decimals.
   */
  amountForm?: { unit: 'yuan' | 'fen'; decimals: readonly [number, number] };
  /** The file's totals row, or false: its files carry none (they are checked against the platform instead). */
  totals?: TotalsRow | false;
  /** json: top-level keys carrying the file's totals/metadata. */
  jsonMeta?: {
    count?: string;
    amount?: string;
    merchantId?: string;
    businessDate?: string;
    required?: boolean;
  };
  /** A file without totals whose count or sum disagrees with the platform: recorded (default) or refused. */
  platformCheck?: (typeof PLATFORM_CHECKS)[number];
  /** Header names (after trim) used for auto-detection; defaults to the mapped columns. */
  signature?: readonly string[];
}

/** Limits on what a mapping may hold (it is read for every line of every file). */
export const MAPPING_LIMITS = {
  nameLength: 64,
  textLength: 200,
  descriptionLength: 1_000,
  aliases: 10,
  formats: 10,
  kindValues: 50,
  amounts: 20,
  signature: 50,
  /** Highest column position (1-based). */
  position: 1_000,
  headerSearchRows: 1_000,
  /** Serialized size of one mapping. */
  bytes: 32 * 1024,
} as const;

export const MAPPING_NAME = /^[a-z0-9][a-z0-9-]{0,63}$/;
const DATE_TOKEN = /^(yyyy|MM|dd|HH|mm|ss)/;

type Json = unknown;

/** A refusal at `path` (JSONPath-like: `$.fields.amount[1]`). */
function bad(path: string, reason: string): never {
  throw refuseMapping('MAPPING_INVALID', { path, reason });
}

function isObject(v: Json): v is Record<string, Json> {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}

function object(v: Json, path: string, allowed: readonly string[]): Record<string, Json> {
  if (!isObject(v)) bad(path, 'must be an object');
  for (const k of Object.keys(v)) if (!allowed.includes(k)) bad(`${path}.${k}`, 'unknown key');
  return v;
}

function text(v: Json, path: string, max: number = MAPPING_LIMITS.textLength): string {
  if (typeof v !== 'string' || v.length === 0) bad(path, 'must be a non-empty string');
  if (v.length > max) bad(path, `must be at most ${max} characters`);
  return v;
}

function oneOf<T extends string>(v: Json, path: string, values: readonly T[]): T {
  if (typeof v !== 'string' || !(values as readonly string[]).includes(v))
    bad(path, `must be one of ${values.join(', ')}`);
  return v as T;
}

function integer(v: Json, path: string, min: number, max: number): number {
  if (typeof v !== 'number' || !Number.isInteger(v) || v < min || v > max)
    bad(path, `must be an integer ${min}..${max}`);
  return v;
}

function bool(v: Json, path: string): boolean {
  if (typeof v !== 'boolean') bad(path, 'must be true or false');
  return v;
}

function column(v: Json, path: string, positionsOnly: boolean): ColumnRef {
  if (typeof v === 'number') return integer(v, path, 1, MAPPING_LIMITS.position);
  if (positionsOnly) bad(path, 'must be a column position (1-based): the file has no header row');
  if (typeof v === 'string') return text(v, path);
  if (Array.isArray(v)) {
    if (v.length === 0 || v.length > MAPPING_LIMITS.aliases)
      bad(path, `must list 1..${MAPPING_LIMITS.aliases} header names`);
    return v.map((a, i) => text(a, `${path}[${i}]`));
  }
  return bad(path, 'must be a header name, a list of header names or a 1-based column position');
}

function dateFormat(v: Json, path: string, needsDate: boolean): string {
  const p = text(v, path, 40);
  const seen = new Set<string>();
  for (let i = 0; i < p.length; ) {
    const tok = DATE_TOKEN.exec(p.slice(i))?.[1];
    if (tok) {
      if (seen.has(tok)) bad(path, `repeats ${tok}`);
      seen.add(tok);
      i += tok.length;
    } else if (/[A-Za-z]/.test(p[i]!)) bad(path, `'${p[i]}' is not a pattern letter (yyyy MM dd HH mm ss)`);
    else i++;
  }
  if (needsDate && !['yyyy', 'MM', 'dd'].every((t) => seen.has(t))) bad(path, 'must hold yyyy, MM and dd');
  if (!needsDate && !['HH', 'mm'].every((t) => seen.has(t))) bad(path, 'must hold HH and mm');
  return p;
}

function formats(v: Json, path: string, needsDate: boolean): string[] {
  if (!Array.isArray(v) || v.length === 0 || v.length > MAPPING_LIMITS.formats)
    bad(path, `must list 1..${MAPPING_LIMITS.formats} patterns`);
  return v.map((f, i) => dateFormat(f, `${path}[${i}]`, needsDate));
}

/** The format a managed mapping's lines carry: `bank:<name>`, `his:<name>`, or `insurance`. */
export function formatOf(party: (typeof MAPPING_PARTIES)[number], name: string): StatementFormat {
  return party === 'insurance' ? 'insurance' : `${party}:${name}`;
}

const TOP_KEYS = [
  'name',
  'description',
  'party',
  'source',
  'container',
  'encoding',
  'delimiter',
  'commentPrefix',
  'header',
  'headerSearchRows',
  'jsonRecordsKey',
  'fields',
  'amounts',
  'dateFormats',
  'timeFormats',
  'businessDateFormats',
  'kind',
  'amountSign',
  'feeSign',
  'feeDecimals',
  'amountForm',
  'totals',
  'jsonMeta',
  'platformCheck',
  'signature',
] as const;

/**
 * Untrusted JSON → a mapping, or a MAPPING_INVALID refusal naming the JSON path and the reason. The answer is
 * normalized (format from party and name, defaults written out) so two equal mappings serialize the same.
 */
export function validateMapping(input: Json): ColumnMapping {
  if (JSON.stringify(input ?? null).length > MAPPING_LIMITS.bytes)
    bad('$', `must be at most ${MAPPING_LIMITS.bytes} bytes`);
  const o = object(input, '$', TOP_KEYS);
  const name = text(o.name, '$.name', MAPPING_LIMITS.nameLength);
  if (!MAPPING_NAME.test(name)) bad('$.name', 'must be lower-case letters, digits and dashes (a-z0-9-)');
  const party = oneOf(o.party, '$.party', MAPPING_PARTIES);
  const container = oneOf(o.container, '$.container', MAPPING_CONTAINERS);
  const header = o.header === undefined ? true : bool(o.header, '$.header');
  if (!header && container === 'json') bad('$.header', 'a JSON file has keys, not columns: leave it out');
  const positionsOnly = !header;
  const col = (v: Json, path: string) => {
    const ref = column(v, path, positionsOnly);
    if (container === 'json' && typeof ref === 'number')
      bad(path, 'a JSON record is read by key, not position');
    return ref;
  };

  const m: ColumnMapping = {
    name,
    format: formatOf(party, name),
    party,
    source: o.source === undefined ? party : text(o.source, '$.source', 32),
    container,
    fields: { amount: 0, occurredAt: 0 },
    dateFormats: [],
    kind: { bySign: true },
    amountSign: 'any',
  };
  if (o.description !== undefined)
    m.description = text(o.description, '$.description', MAPPING_LIMITS.descriptionLength);
  if (container === 'csv') {
    m.encoding = o.encoding === undefined ? 'utf8' : oneOf(o.encoding, '$.encoding', MAPPING_ENCODINGS);
    const d = o.delimiter === undefined ? ',' : text(o.delimiter, '$.delimiter', 1);
    if (d === '"' || d === '\n' || d === '\r') bad('$.delimiter', 'cannot be a quote or a line break');
    m.delimiter = d;
    if (o.commentPrefix !== undefined) m.commentPrefix = text(o.commentPrefix, '$.commentPrefix', 10);
  } else
    for (const k of ['encoding', 'delimiter', 'commentPrefix'] as const)
      if (o[k] !== undefined) bad(`$.${k}`, `only a csv file has ${k}`);
  if (!header) m.header = false;
  if (o.headerSearchRows !== undefined) {
    if (!header) bad('$.headerSearchRows', 'the file has no header row');
    m.headerSearchRows = integer(
      o.headerSearchRows,
      '$.headerSearchRows',
      1,
      MAPPING_LIMITS.headerSearchRows,
    );
  }
  if (o.jsonRecordsKey !== undefined) {
    if (container !== 'json') bad('$.jsonRecordsKey', 'only a json file has a records key');
    m.jsonRecordsKey = text(o.jsonRecordsKey, '$.jsonRecordsKey');
  }

  const f = object(o.fields, '$.fields', [...SPECIAL_FIELDS, ...MAPPED_TEXT_FIELDS]);
  if (f.amount === undefined) bad('$.fields.amount', 'is required');
  if (f.occurredAt === undefined) bad('$.fields.occurredAt', 'is required');
  const fields: Record<string, ColumnRef> = {};
  for (const [k, v] of Object.entries(f)) fields[k] = col(v, `$.fields.${k}`);
  m.fields = fields as ColumnMapping['fields'];
  if (o.amounts !== undefined) {
    if (!isObject(o.amounts)) bad('$.amounts', 'must be an object of name → column');
    const entries = Object.entries(o.amounts);
    if (entries.length > MAPPING_LIMITS.amounts)
      bad('$.amounts', `at most ${MAPPING_LIMITS.amounts} columns`);
    m.amounts = {};
    for (const [k, v] of entries) {
      if (!/^[A-Za-z][A-Za-z0-9]{0,31}$/.test(k)) bad(`$.amounts.${k}`, 'name must be letters and digits');
      m.amounts[k] = col(v, `$.amounts.${k}`);
    }
  }

  m.dateFormats = formats(o.dateFormats, '$.dateFormats', true);
  if (o.timeFormats !== undefined) {
    if (f.occurredTime === undefined) bad('$.timeFormats', 'only with fields.occurredTime');
    m.timeFormats = formats(o.timeFormats, '$.timeFormats', false);
  }
  if (o.businessDateFormats !== undefined) {
    if (f.businessDate === undefined) bad('$.businessDateFormats', 'only with fields.businessDate');
    m.businessDateFormats = formats(o.businessDateFormats, '$.businessDateFormats', true);
  }

  const k = object(o.kind, '$.kind', ['column', 'values', 'bySign']);
  if (k.bySign !== undefined) {
    if (k.bySign !== true) bad('$.kind.bySign', 'must be true (or give column and values)');
    if (k.column !== undefined || k.values !== undefined) bad('$.kind', 'either bySign or column and values');
    m.kind = { bySign: true };
  } else {
    const values = object(k.values, '$.kind.values', Object.keys(isObject(k.values) ? k.values : {}));
    const entries = Object.entries(values);
    if (entries.length === 0 || entries.length > MAPPING_LIMITS.kindValues)
      bad('$.kind.values', `must map 1..${MAPPING_LIMITS.kindValues} values to a kind`);
    const kinds: Record<string, StatementLineKind> = {};
    for (const [value, kind] of entries)
      kinds[value] = oneOf(kind, `$.kind.values.${value}`, STATEMENT_LINE_KINDS);
    m.kind = { column: col(k.column, '$.kind.column'), values: kinds };
  }
  m.amountSign = oneOf(o.amountSign, '$.amountSign', AMOUNT_SIGNS);
  if ('bySign' in m.kind && m.amountSign !== 'refund-negative')
    bad('$.amountSign', 'must be refund-negative when the kind is told by the sign');
  if (o.feeSign !== undefined) m.feeSign = oneOf(o.feeSign, '$.feeSign', FEE_SIGNS);
  if (o.feeDecimals !== undefined) m.feeDecimals = integer(o.feeDecimals, '$.feeDecimals', 0, 6);
  if ((o.feeSign !== undefined || o.feeDecimals !== undefined) && f.fee === undefined)
    bad('$.fields.fee', 'is required when the fee sign or decimals are given');
  if (o.amountForm !== undefined) {
    const a = object(o.amountForm, '$.amountForm', ['unit', 'decimals']);
    const unit = oneOf(a.unit, '$.amountForm.unit', ['yuan', 'fen'] as const);
    if (!Array.isArray(a.decimals) || a.decimals.length !== 2)
      bad('$.amountForm.decimals', 'must be [fewest, most]');
    const lo = integer(a.decimals[0], '$.amountForm.decimals[0]', 0, 6);
    const hi = integer(a.decimals[1], '$.amountForm.decimals[1]', lo, 6);
    m.amountForm = { unit, decimals: [lo, hi] };
  }

  m.totals = totalsOf(o, container, col);
  if (o.platformCheck !== undefined) {
    if (m.totals !== false && m.totals?.required)
      bad('$.platformCheck', 'a file with a required totals row is checked by it');
    m.platformCheck = oneOf(o.platformCheck, '$.platformCheck', PLATFORM_CHECKS);
  }
  if (o.jsonMeta !== undefined) {
    if (container !== 'json') bad('$.jsonMeta', 'only a json file has top-level totals');
    const j = object(o.jsonMeta, '$.jsonMeta', ['count', 'amount', 'merchantId', 'businessDate', 'required']);
    m.jsonMeta = {};
    for (const key of ['count', 'amount', 'merchantId', 'businessDate'] as const)
      if (j[key] !== undefined) m.jsonMeta[key] = text(j[key], `$.jsonMeta.${key}`);
    if (j.required !== undefined) m.jsonMeta.required = bool(j.required, '$.jsonMeta.required');
  }
  if (o.signature !== undefined) {
    if (!header) bad('$.signature', 'a file without a header row cannot be told by its header');
    if (
      !Array.isArray(o.signature) ||
      o.signature.length === 0 ||
      o.signature.length > MAPPING_LIMITS.signature
    )
      bad('$.signature', `must list 1..${MAPPING_LIMITS.signature} header names`);
    m.signature = o.signature.map((s, i) => text(s, `$.signature[${i}]`));
  }
  return m;
}

/** `totals` must be stated: false (no totals row) or the row's description. */
function totalsOf(
  o: Record<string, Json>,
  container: ColumnMapping['container'],
  col: (v: Json, path: string) => ColumnRef,
): TotalsRow | false {
  if (o.totals === undefined)
    bad('$.totals', 'is required: false when the files carry no totals row, else how to find and read it');
  if (o.totals === false) return false;
  if (container === 'json') bad('$.totals', 'a json file states its totals in jsonMeta: set totals to false');
  const t = object(o.totals, '$.totals', ['marker', 'equals', 'count', 'amount', 'fee', 'required']);
  const row: TotalsRow = {
    marker: col(t.marker, '$.totals.marker'),
    equals: text(t.equals, '$.totals.equals'),
    required: t.required === undefined ? true : bool(t.required, '$.totals.required'),
  };
  for (const key of ['count', 'amount', 'fee'] as const)
    if (t[key] !== undefined) row[key] = col(t[key], `$.totals.${key}`);
  if (row.count === undefined && row.amount === undefined)
    bad('$.totals', 'must read the count or the amount from the totals row (count, amount)');
  return row;
}
