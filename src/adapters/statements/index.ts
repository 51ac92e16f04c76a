// Statement parsing: one streaming driver for every format.
//
// API and the import protocol (nothing is written unless the whole file verified):
//   const summary = await validateStatement(src, opts);      // pass 1: stream, check everything, hash
//   if (await alreadyImported(summary.sha256)) return;        // re-import of the same bytes is a no-op
//   for await (const batch of readVerifiedStatement(src, opts, summary)) append(batch);  // pass 2
// Pass 2 re-runs every check and finally requires the same SHA-256, so a file replaced between the
// passes is refused (FILE_CHANGED); an importer that must be atomic stages pass 2's batches and
// commits them with the summary. `parseStatement` is the single-pass primitive both use: an async
// generator of line batches whose return value is the verified summary (it throws instead).
import { Readable } from 'node:stream';
import iconv from 'iconv-lite';
import {
  type StatementFormat,
  type StatementLine,
  type StatementSummary,
  emptyKindCounts,
  money2,
  perKind,
} from '../../domain/reconciliation/statement-line.ts';
import { TextSum } from '../../domain/reconciliation/units.ts';
import { AlipayAccountParser, isAlipayAccountEntry } from './alipay-account.ts';
import { AlipayBillParser, isAlipayDetailEntry } from './alipay.ts';
import type { AmountUnit } from './amount.ts';
import { type Detection, detectFormat } from './detect.ts';
import { LineFault, StatementError, type StatementErrorCode, fault } from './errors.ts';
import { type ColumnMapping, MappingParser, jsonRecords } from './mapping.ts';
import { BUILTIN_MAPPINGS } from './mappings.ts';
import type { ParseContext, RawRecord, RecordParser } from './parser.ts';
import {
  ByteTap,
  DETECT_BYTES,
  type StatementSource,
  gunzip,
  isGzip,
  isZip,
  peek,
  type RawLine,
  tapped,
  textLines,
  unzipEntry,
} from './source.ts';
import { DEFAULT_TIME_ZONE, formatLocal, isIsoDate } from './time.ts';
import { WechatFundFlowParser } from './wechat-fundflow.ts';
import { WechatBillParser } from './wechat.ts';

export const DEFAULT_BATCH_SIZE = 1_000;

/** A row a trial parse refused, and why. */
export interface RowFault {
  line: number;
  code: StatementErrorCode;
  reason: string;
}
/** Faults of single rows a trial goes past (the others end it as they end an import). */
const ROW_FAULTS: ReadonlySet<StatementErrorCode> = new Set([
  'MALFORMED_LINE',
  'WRONG_DATE',
  'WRONG_MERCHANT',
]);
export const MAX_BATCH_SIZE = 10_000;

export interface ParseOptions {
  /** `auto` (default) detects from the first bytes and the file name. */
  format?: 'auto' | StatementFormat;
  /** Expected merchant / account: a file for another is refused (WRONG_MERCHANT). */
  merchantId?: string;
  /** Expected business date `yyyy-MM-dd`: a file or line of another date is refused (WRONG_DATE). */
  businessDate?: string;
  /** Zone of the file's wall-clock times (default Asia/Shanghai). */
  timeZone?: string;
  /** Attached to every line. */
  hospitalId?: string;
  batchSize?: number;
  /** Extra declarative mappings (a new bank is configuration); they take precedence over built-ins. */
  mappings?: readonly ColumnMapping[];
  /** Read the file with exactly this mapping (named by the caller): no detection, no other mapping. */
  mapping?: ColumnMapping;
  /**
   * A trial (`ledger mappings try`): a row the parser refuses is handed here instead of refusing the file, and
   * the parse goes on; whatever concerns the file as a whole (header, totals, truncation) still refuses it.
   */
  onRowFault?: (fault: RowFault) => void;
  /** Totals known from elsewhere (e.g. the insurance 3201 对总账 answer): checked like a footer. */
  declaredTotals?: { count?: number; amount?: string };
  /**
   * Unit of the amounts in a layout that does not state it (the WeChat Pay bill issued through an
   * acquirer prints integers): configuration, never guessed. A layout that states yuan refuses `fen`.
   */
  amountUnit?: AmountUnit;
}

/** Formats read by a built-in parser (not a mapping), with the encoding they come in. */
const BUILTIN_TEXT_FORMATS: Partial<Record<StatementFormat, 'utf8' | 'gbk'>> = {
  wechat: 'utf8',
  'wechat-fundflow': 'utf8',
  alipay: 'gbk',
  'alipay-account': 'gbk',
};

type Resolved = Detection & { format: StatementFormat | undefined };

function resolve(
  head: Uint8Array,
  name: string,
  opts: ParseOptions,
  mappings: readonly ColumnMapping[],
): Resolved {
  const requested = opts.format ?? 'auto';
  const detected = detectFormat(head, name, mappings);
  if (requested === 'auto') {
    if (!detected)
      throw fault(
        'UNSUPPORTED_FORMAT',
        1,
        'cannot tell the statement format; pass --format or --mapping NAME',
      );
    return detected;
  }
  const compression = isGzip(head)
    ? 'gzip'
    : isZip(head) && !name.toLowerCase().endsWith('.xlsx')
      ? 'zip'
      : 'none';
  const builtin = BUILTIN_TEXT_FORMATS[requested];
  if (builtin) {
    // A UTF-8 copy of a GBK-issued file is told by detection; otherwise the channel's own encoding.
    const encoding = detected?.format === requested ? detected.encoding : builtin;
    return { format: requested, compression, container: 'text', encoding, mappings: [] };
  }
  const wanted = requested.startsWith('bank:')
    ? mappings.filter((m) => m.format === requested || `bank:${m.name}` === requested)
    : mappings.filter((m) => m.format === requested || m.name === requested);
  if (!wanted.length) throw fault('UNSUPPORTED_FORMAT', 0, `no mapping for format ${requested}`);
  const trimmed = new TextDecoder().decode(head.subarray(0, 16)).trimStart();
  const xlsx = isZip(head) && wanted.some((m) => m.container === 'xlsx');
  const container = xlsx ? 'xlsx' : trimmed.startsWith('{') || trimmed.startsWith('[') ? 'json' : 'text';
  const fits = wanted.filter((m) => (m.container === 'csv' ? 'text' : m.container) === container);
  if (!fits.length)
    throw fault('UNSUPPORTED_FORMAT', 0, `file is not a ${wanted.map((m) => m.container).join('/')} file`);
  return {
    format: fits[0]!.format,
    compression: xlsx ? 'none' : compression,
    container,
    encoding: fits[0]!.encoding ?? 'utf8',
    mappings: fits,
  };
}

function makeParser(r: Resolved, ctx: ParseContext): RecordParser {
  if (r.format === 'wechat') return new WechatBillParser(ctx);
  if (r.format === 'wechat-fundflow') return new WechatFundFlowParser(ctx);
  if (r.format === 'alipay') return new AlipayBillParser(ctx);
  if (r.format === 'alipay-account') return new AlipayAccountParser(ctx);
  return new MappingParser(r.mappings, ctx);
}

function xlsxCell(v: unknown): string {
  if (v === null || v === undefined) return '';
  if (v instanceof Date) {
    // Excel stores wall-clock times without a zone; exceljs hands them over as UTC fields.
    return formatLocal({
      y: v.getUTCFullYear(),
      mo: v.getUTCMonth() + 1,
      d: v.getUTCDate(),
      h: v.getUTCHours(),
      mi: v.getUTCMinutes(),
      s: v.getUTCSeconds(),
    });
  }
  if (typeof v === 'number') return Number.isInteger(v) ? String(v) : v.toFixed(8);
  if (typeof v === 'string') return v.trim();
  if (typeof v === 'boolean') return String(v);
  if (typeof v === 'object') {
    const o = v as Record<string, unknown>;
    if (Array.isArray(o.richText))
      return o.richText
        .map((p: { text?: string }) => p.text ?? '')
        .join('')
        .trim();
    if ('result' in o) return xlsxCell(o.result);
    if ('text' in o) return xlsxCell(o.text);
    if ('error' in o) return String(o.error);
  }
  return String(v);
}

/** Records one at a time, in the batched shape textLines gives (xlsx and JSON records come one by one). */
async function* one(records: AsyncIterable<RawRecord>): AsyncGenerator<RawRecord[]> {
  for await (const rec of records) yield [rec];
}

async function* xlsxRecords(bytes: AsyncIterable<Uint8Array>): AsyncGenerator<RawRecord> {
  // Loaded when a workbook is read: most commands that reach this module never do, and exceljs is large.
  const { default: ExcelJS } = await import('exceljs');
  const reader = new ExcelJS.stream.xlsx.WorkbookReader(Readable.from(bytes), {
    worksheets: 'emit',
    sharedStrings: 'cache',
    styles: 'cache',
    hyperlinks: 'ignore',
    entries: 'ignore',
  });
  let sheet = 0;
  for await (const ws of reader) {
    sheet++;
    for await (const row of ws) {
      if (sheet !== 1) continue; // the statement is the first worksheet
      const values = row.values as unknown[];
      const cells: string[] = [];
      for (let i = 1; i < values.length; i++) cells.push(xlsxCell(values[i]));
      yield { lineNo: row.number, text: cells.join(','), cells };
    }
  }
}

async function* decodedText(
  bytes: AsyncIterable<Uint8Array>,
  encoding: 'utf8' | 'gbk',
): AsyncGenerator<string> {
  const utf8 = new TextDecoder('utf-8', { fatal: true });
  const gbk = iconv.getDecoder('gbk');
  try {
    for await (const c of bytes)
      yield encoding === 'gbk'
        ? gbk.write(Buffer.from(c.buffer, c.byteOffset, c.byteLength))
        : utf8.decode(c, { stream: true });
    yield encoding === 'gbk' ? (gbk.end() ?? '') : utf8.decode();
  } catch (e) {
    if (e instanceof LineFault) throw e;
    throw fault('MALFORMED_LINE', 0, 'invalid UTF-8 byte sequence');
  }
}

function toStatementError(e: unknown, file: string, line: number): StatementError {
  if (e instanceof StatementError) return e;
  if (e instanceof LineFault) return new StatementError(e.code, file, e.line || line, e.reason);
  const msg = e instanceof Error ? e.message : String(e);
  return new StatementError('MALFORMED_FILE', file, line, `unreadable statement: ${msg.slice(0, 300)}`);
}

/**
 * Streams a statement: yields batches of normalized lines and returns the verified summary.
 * Throws StatementError (and only that) when the file is refused; by then some batches may have been
 * yielded, so a caller that writes must use validateStatement first (see the header comment).
 */
export async function* parseStatement(
  source: StatementSource,
  opts: ParseOptions = {},
): AsyncGenerator<StatementLine[], StatementSummary, undefined> {
  const file = source.name;
  const tap = new ByteTap();
  let lastLine = 0;
  const batchSize = Math.min(Math.max(1, opts.batchSize ?? DEFAULT_BATCH_SIZE), MAX_BATCH_SIZE);
  const raw = tapped(source.open(), tap);
  try {
    if (opts.businessDate !== undefined && !isIsoDate(opts.businessDate))
      throw fault('WRONG_DATE', 0, `expected business date ${opts.businessDate} is not yyyy-MM-dd`);
    const mappings = opts.mapping ? [opts.mapping] : [...(opts.mappings ?? []), ...BUILTIN_MAPPINGS];
    const { head, rest } = await peek(raw, DETECT_BYTES);
    if (head.length === 0) throw fault('TRUNCATED', 0, 'empty file');
    const r = resolve(head, file, opts.mapping ? { ...opts, format: opts.mapping.format } : opts, mappings);
    const ctx: ParseContext = { file, timeZone: opts.timeZone ?? DEFAULT_TIME_ZONE };
    if (opts.merchantId) ctx.merchantId = opts.merchantId;
    if (opts.businessDate) ctx.businessDate = opts.businessDate;
    if (opts.hospitalId) ctx.hospitalId = opts.hospitalId;
    if (opts.amountUnit) ctx.amountUnit = opts.amountUnit;
    const parser = makeParser(r, ctx);

    let bytes: AsyncIterable<Uint8Array> = rest;
    if (r.compression === 'gzip') bytes = gunzip(bytes);
    else if (r.compression === 'zip')
      bytes = unzipEntry(
        bytes,
        r.format === 'alipay'
          ? isAlipayDetailEntry
          : r.format === 'alipay-account'
            ? isAlipayAccountEntry
            : (n) => !n.endsWith('/'),
      );
    const records: AsyncIterable<RawRecord[]> =
      r.container === 'xlsx'
        ? one(xlsxRecords(bytes))
        : r.container === 'json'
          ? one(jsonRecords(decodedText(bytes, r.encoding), r.mappings[0]?.jsonRecordsKey))
          : textLines(bytes, r.encoding);

    const counts = emptyKindCounts();
    // Exact sums in integer units (decimal texts of other shapes go through Decimal: units.ts).
    const sums = perKind(() => new TextSum());
    const fees = new TextSum();
    let feeDp = 2;
    let total = 0;
    let batch: StatementLine[] = [];
    const handle = (rec: RawRecord, isLast: boolean): void => {
      lastLine = rec.lineNo;
      let line: StatementLine | undefined;
      try {
        line = parser.push(rec);
      } catch (e) {
        // A broken last line with the closing part still missing is a cut-off file.
        if (e instanceof LineFault && e.code === 'MALFORMED_LINE' && isLast && !parser.complete())
          throw fault('TRUNCATED', rec.lineNo, `file ends in an incomplete line (${e.reason})`);
        if (opts.onRowFault && e instanceof LineFault && ROW_FAULTS.has(e.code) && !parser.complete()) {
          opts.onRowFault({ line: e.line || rec.lineNo, code: e.code, reason: e.reason });
          return;
        }
        throw e;
      }
      if (!line) return;
      counts[line.kind]++;
      sums[line.kind].add(line.amount);
      if (line.fee) {
        fees.add(line.fee);
        const dot = line.fee.indexOf('.');
        if (dot >= 0 && line.fee.length - dot - 1 > feeDp) feeDp = line.fee.length - dot - 1;
      }
      total++;
      batch.push(line);
    };
    let prev: RawRecord | undefined;
    for await (const recs of records)
      for (const rec of recs) {
        if (prev) handle(prev, false);
        prev = rec;
        if (batch.length >= batchSize) {
          yield batch;
          batch = [];
        }
      }
    if (prev) handle(prev, true);
    const result = parser.finish(lastLine);
    if (opts.declaredTotals) {
      const d = opts.declaredTotals;
      if (d.count !== undefined && d.count !== total)
        throw new StatementError(
          'TOTALS_MISMATCH',
          file,
          0,
          `declared count ${d.count} but the file has ${total} lines`,
        );
      if (d.amount !== undefined) {
        const net = sums.payment.decimal().minus(sums.refund.decimal());
        if (!net.equals(d.amount))
          throw new StatementError(
            'TOTALS_MISMATCH',
            file,
            0,
            `declared amount ${d.amount} but the file nets ${money2(net)}`,
          );
        result.checks.push({ name: 'declared amount', declared: d.amount, computed: money2(net) });
        result.stated++;
      }
      if (d.count !== undefined) {
        result.checks.push({ name: 'declared count', declared: String(d.count), computed: String(total) });
        result.stated++;
      }
    }
    // Never "agree" on a partial check: every total the file stated must have been checked.
    if (result.checks.length !== result.stated)
      throw new StatementError(
        'TOTALS_MISMATCH',
        file,
        0,
        `the file states ${result.stated} totals but only ${result.checks.length} were checked`,
      );
    if (batch.length) yield batch;
    // Hash every byte of the file, including what follows the statement entry in a zip.
    for await (const _ of raw) void _;
    const summary: StatementSummary = {
      file,
      format: parser.format,
      party: parser.party,
      source: parser.source,
      sha256: tap.sha256(),
      bytes: tap.bytes,
      lines: total,
      counts,
      amounts: perKind((k) => money2(sums[k].decimal())),
      fees: fees.decimal().toFixed(feeDp),
      checks: result.checks,
      totalsStated: result.stated,
    };
    if (result.merchantId) summary.merchantId = result.merchantId;
    if (result.businessDate) summary.businessDate = result.businessDate;
    if (result.mapping) summary.mapping = result.mapping;
    return summary;
  } catch (e) {
    throw toStatementError(e, file, lastLine);
  } finally {
    await raw.return(undefined);
  }
}

/** Pass 1: reads the whole file, checks everything, returns the verified summary (or throws StatementError). */
export async function validateStatement(
  source: StatementSource,
  opts: ParseOptions = {},
): Promise<StatementSummary> {
  const it = parseStatement(source, opts);
  for (;;) {
    const r = await it.next();
    if (r.done) return r.value;
  }
}

/** Pass 2: the batches of a file validated before; refuses (FILE_CHANGED) if its bytes differ now. */
export async function* readVerifiedStatement(
  source: StatementSource,
  opts: ParseOptions,
  verified: StatementSummary,
): AsyncGenerator<StatementLine[], StatementSummary, undefined> {
  const summary = yield* parseStatement(source, opts);
  if (summary.sha256 !== verified.sha256)
    throw new StatementError('FILE_CHANGED', source.name, 0, 'file changed since it was validated');
  return summary;
}

/**
 * Pass 2 of a WeChat Pay bill stored raw (codec.ts): the detail rows of a file validated before, as their
 * line numbers and text, without parsing them again — the same bytes (checked: FILE_CHANGED otherwise) give
 * the same rows pass 1 verified. Rows are the lines starting with a backtick between the header (the first
 * non-blank line) and the summary header (总交易单数…), blank lines skipped, as WechatBillParser reads them.
 */
export async function* readVerifiedWechatRows(
  source: StatementSource,
  opts: ParseOptions,
  verified: StatementSummary,
  batchSize: number,
): AsyncGenerator<{ header: string; rows: RawLine[] }, void, undefined> {
  const file = source.name;
  if (verified.format !== 'wechat')
    throw new StatementError('UNSUPPORTED_FORMAT', file, 0, `not a WeChat Pay bill: ${verified.format}`);
  const tap = new ByteTap();
  const raw = tapped(source.open(), tap);
  let lastLine = 0;
  try {
    const mappings = [...(opts.mappings ?? []), ...BUILTIN_MAPPINGS];
    const { head, rest } = await peek(raw, DETECT_BYTES);
    if (head.length === 0) throw fault('FILE_CHANGED', 0, 'file changed since it was validated');
    const r = resolve(head, file, { ...opts, format: 'wechat' }, mappings);
    let bytes: AsyncIterable<Uint8Array> = rest;
    if (r.compression === 'gzip') bytes = gunzip(bytes);
    else if (r.compression === 'zip') bytes = unzipEntry(bytes, (n) => !n.endsWith('/'));
    let header: string | undefined;
    let done = false;
    let rows: RawLine[] = [];
    for await (const recs of textLines(bytes, r.encoding))
      for (const rec of recs) {
        lastLine = rec.lineNo;
        if (done) continue;
        const t = rec.text;
        if (header === undefined) {
          if (t.trim() !== '') header = t;
          continue;
        }
        if (t.charCodeAt(0) === 96 /* ` */) {
          rows.push(rec);
          if (rows.length >= batchSize) {
            yield { header, rows };
            rows = [];
          }
        } else if (t.startsWith('总交易单数')) done = true;
      }
    if (header !== undefined && rows.length > 0) yield { header, rows };
    for await (const _ of raw) void _;
    if (tap.sha256() !== verified.sha256)
      throw new StatementError('FILE_CHANGED', file, 0, 'file changed since it was validated');
  } catch (e) {
    throw toStatementError(e, file, lastLine);
  } finally {
    await raw.return(undefined);
  }
}

export { AMOUNT_UNITS, type AmountUnit } from './amount.ts';
export { ALIPAY_ACCOUNT_HEADER, ALIPAY_ACCOUNT_TITLE } from './alipay-account.ts';
export { WECHAT_FUNDFLOW_HEADER, WECHAT_FUNDFLOW_SUMMARY_HEADER } from './wechat-fundflow.ts';
export { detectFormat, type Detection } from './detect.ts';
export {
  StatementError,
  isStatementError,
  STATEMENT_ERROR_CODES,
  type StatementErrorCode,
} from './errors.ts';
export type { ColumnMapping, ColumnRef } from './mapping.ts';
export * from './mappings.ts';
export { bufferSource, fileSource, generatedSource, type StatementSource } from './source.ts';
export type { BillEntry } from './writers/entry.ts';
export {
  alipayBillLines,
  alipayFileNames,
  writeAlipayBill,
  writeAlipayBillZip,
  type AlipayBillOptions,
} from './writers/alipay.ts';
export {
  mappingColumns,
  mappingCsvLines,
  mappingJsonChunks,
  writeMappingCsv,
  writeMappingJson,
  writeMappingXlsx,
  type MappingWriterOptions,
} from './writers/mapping.ts';
export { wechatBillLines, writeWechatBill, type WechatBillOptions } from './writers/wechat.ts';
export { zipGbk } from './writers/zip.ts';
