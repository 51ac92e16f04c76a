// Declarative column mappings: a bank, UnionPay acquirer, HIS extract or insurance file is read by
// configuration, not code. One generic record parser serves CSV/TSV text, xlsx rows and JSON records.
import { Decimal } from 'decimal.js';
import {
  type StatementFormat,
  type StatementLine,
  type StatementLineKind,
  type StatementParty,
  type TotalsCheck,
  money2,
  parseMoney,
} from '../../domain/reconciliation/statement-line.ts';
import type { ColumnMapping, ColumnRef, TotalsRow } from '../../domain/mappings/definition.ts';
import { describeForm, hasForm } from './amount.ts';
import { fault } from './errors.ts';
import type { ParseContext, ParserResult, RawRecord, RecordParser } from './parser.ts';
import { splitCsv } from './source.ts';
import { type LocalDateTime, formatLocal, isIsoDate, localDate, localToUtcIso, parseLocal } from './time.ts';

// The mapping's shape is the domain's (a hospital manages mappings as events: src/domain/mappings/).
export type { ColumnMapping, ColumnRef, MappedTextField } from '../../domain/mappings/definition.ts';

/** The header names a column reference accepts (none for a position). */
export function refNames(r: ColumnRef): string[] {
  return typeof r === 'number' ? [] : typeof r === 'string' ? [r] : [...r];
}

/** A column as people read it: its (first) name, or its position. */
export function describeRef(r: ColumnRef): string {
  return typeof r === 'number' ? `column ${r}` : refNames(r).join('/');
}

/** Every column name a mapping needs in the header (the accepted names of each named ref; positions need none). */
export function requiredColumns(m: ColumnMapping): string[][] {
  const refs: ColumnRef[] = [m.fields.amount, m.fields.occurredAt];
  for (const [k, v] of Object.entries(m.fields)) if (k !== 'amount' && k !== 'occurredAt' && v) refs.push(v);
  if ('column' in m.kind) refs.push(m.kind.column);
  return refs.map(refNames).filter((names) => names.length > 0);
}

export function headerMatches(m: ColumnMapping, names: readonly string[]): boolean {
  // A file without a header row is never told by its first lines: it is read only when its mapping is named.
  if (m.header === false) return false;
  const set = new Set(names.map((s) => s.trim()));
  if (m.signature) return m.signature.every((s) => set.has(s));
  return requiredColumns(m).every((alts) => alts.some((a) => set.has(a)));
}

type Resolved = Map<string, number>;

/** Text of a cell (json values may be numbers or strings). */
function cellText(v: unknown): string {
  if (v === null || v === undefined) return '';
  if (typeof v === 'string') return v.trim();
  if (typeof v === 'number' || typeof v === 'boolean') return String(v);
  return JSON.stringify(v);
}

export class MappingParser implements RecordParser {
  private mapping: ColumnMapping | undefined;
  private cols: Resolved = new Map();
  /** The header was read (or the mapping has none and the first row fixed the width). */
  private ready = false;
  private width = 0;
  private rowsSeen = 0;
  private count = 0;
  private amountSum = new Decimal(0);
  private feeSum = new Decimal(0);
  private totalsSeen = false;
  private readonly checks: TotalsCheck[] = [];
  private merchant: string | undefined;
  private readonly dates = new Set<string>();
  private pending: { lineNo: number; text: string } | undefined;
  private meta: Record<string, unknown> | undefined;

  constructor(
    private readonly candidates: readonly ColumnMapping[],
    private readonly ctx: ParseContext,
  ) {
    if (candidates.length === 1) this.mapping = candidates[0];
  }

  get format(): StatementFormat {
    return this.mapping?.format ?? this.candidates[0]?.format ?? 'his';
  }
  get party(): StatementParty {
    return this.mapping?.party ?? this.candidates[0]?.party ?? 'bank';
  }
  get source(): string {
    return this.mapping?.source ?? this.candidates[0]?.source ?? 'unknown';
  }

  complete(): boolean {
    return this.totalsSeen;
  }

  private col(ref: ColumnRef | undefined): number | undefined {
    if (ref === undefined) return undefined;
    if (typeof ref === 'number') return ref - 1;
    for (const a of typeof ref === 'string' ? [ref] : ref) {
      const i = this.cols.get(a);
      if (i !== undefined) return i;
    }
    return undefined;
  }

  push(rec: RawRecord): StatementLine | undefined {
    if (rec.object) return this.jsonRecord(rec);
    if (rec.meta) {
      this.meta = rec.meta;
      return undefined;
    }
    let cells = rec.cells;
    let lineNo = rec.lineNo;
    let text = rec.text;
    if (!cells) {
      if (this.pending) {
        // A quoted field spanning lines: join with the previous physical line.
        text = `${this.pending.text}\n${text}`;
        lineNo = this.pending.lineNo;
        this.pending = undefined;
      }
      const prefix =
        this.mapping?.commentPrefix ?? this.candidates.find((c) => c.commentPrefix)?.commentPrefix;
      if (text.trim() === '' || (prefix && text.startsWith(prefix))) return undefined;
      const delimiter = this.mapping?.delimiter ?? this.candidates[0]?.delimiter ?? ',';
      const split = splitCsv(text, delimiter);
      if (!split) {
        if (text.length > 64 * 1024) throw fault('MALFORMED_LINE', lineNo, 'unterminated quote');
        this.pending = { lineNo, text };
        return undefined;
      }
      cells = split.map((s) => s.trim());
    } else if (cells.every((c) => c === '')) return undefined;
    this.rowsSeen++;
    if (!this.ready) {
      if (this.mapping?.header !== false) return this.header(cells, lineNo);
      this.ready = true;
      this.width = cells.length;
    }
    return this.row(cells, lineNo, text);
  }

  private header(cells: string[], lineNo: number): undefined {
    const m = this.mapping
      ? headerMatches(this.mapping, cells)
        ? this.mapping
        : undefined
      : this.candidates.find((c) => headerMatches(c, cells));
    if (!m) {
      const limit = this.mapping?.headerSearchRows ?? 20;
      if (this.rowsSeen >= limit)
        throw fault(
          'MISSING_HEADER',
          lineNo,
          `no header row with the mapped columns in the first ${limit} rows`,
        );
      return undefined;
    }
    this.mapping = m;
    this.ready = true;
    cells.forEach((c, i) => {
      if (!this.cols.has(c)) this.cols.set(c, i);
    });
    this.width = cells.length;
    return undefined;
  }

  private get(cells: readonly string[], ref: ColumnRef | undefined): string | undefined {
    const i = this.col(ref);
    return i === undefined ? undefined : (cells[i] ?? '').trim();
  }

  private row(cells: string[], lineNo: number, raw: string): StatementLine | undefined {
    const m = this.mapping!;
    if (this.totalsSeen) throw fault('MALFORMED_LINE', lineNo, 'row after the totals row');
    if (m.container !== 'xlsx' && cells.length !== this.width)
      throw fault('MALFORMED_LINE', lineNo, `expected ${this.width} fields, found ${cells.length}`);
    if (m.totals && this.get(cells, m.totals.marker) === m.totals.equals) {
      this.totals(cells, lineNo);
      return undefined;
    }
    const get = (ref: ColumnRef | undefined) => this.get(cells, ref);
    return this.build(get, lineNo, m.container === 'xlsx' ? cells.join(',') : raw);
  }

  private jsonRecord(rec: RawRecord): StatementLine {
    const m = this.mapping!;
    const o = rec.object!;
    const get = (ref: ColumnRef | undefined): string | undefined => {
      if (ref === undefined) return undefined;
      for (const a of refNames(ref)) if (a in o) return cellText(o[a]);
      return undefined;
    };
    const essential: ColumnRef[] = [m.fields.amount, m.fields.occurredAt];
    if ('column' in m.kind) essential.push(m.kind.column);
    for (const alts of essential.map(refNames))
      if (!alts.some((a) => a in o))
        throw fault('MALFORMED_LINE', rec.lineNo, `record lacks ${alts.join('/')}`);
    this.rowsSeen++;
    return this.build(get, rec.lineNo, rec.text);
  }

  private money(
    text: string | undefined,
    name: string,
    lineNo: number,
    decimals?: number,
  ): Decimal | undefined {
    if (text === undefined || text === '') return undefined;
    const form = this.mapping?.amountForm;
    if (form) {
      // A declared form: the text must have it exactly (no thousands separators guessed away).
      const f = {
        unit: form.unit,
        minDecimals: decimals === undefined ? form.decimals[0] : 0,
        maxDecimals: decimals ?? form.decimals[1],
        signed: true,
      };
      if (!hasForm(text, f))
        throw fault(
          'MALFORMED_LINE',
          lineNo,
          `${name} '${text}' is not in the layout's form (${describeForm(f)})`,
        );
      const d = new Decimal(text);
      return form.unit === 'fen' ? d.dividedBy(100) : d;
    }
    decimals ??= 2;
    // Thousands separators appear in bank exports (`1,234.50`).
    const d = parseMoney(text.replaceAll(',', ''), decimals);
    if (!d) throw fault('MALFORMED_LINE', lineNo, `${name} is not an amount: '${text}'`);
    return d;
  }

  private time(text: string, formats: readonly string[], lineNo: number, name: string): LocalDateTime {
    for (const f of formats) {
      const t = parseLocal(text, f);
      if (t) return t;
    }
    // xlsx date cells arrive as yyyy-MM-dd HH:mm:ss (see xlsxRecords).
    const t = parseLocal(text, 'yyyy-MM-dd HH:mm:ss');
    if (t) return t;
    throw fault('MALFORMED_LINE', lineNo, `${name} '${text}' matches none of ${formats.join(' | ')}`);
  }

  private build(
    get: (ref: ColumnRef | undefined) => string | undefined,
    n: number,
    raw: string,
  ): StatementLine {
    const m = this.mapping!;
    const amountText = get(m.fields.amount);
    const signed = this.money(amountText, 'amount', n);
    if (!signed) throw fault('MALFORMED_LINE', n, 'amount is empty');
    let kind: StatementLineKind;
    if ('bySign' in m.kind) kind = signed.isNegative() ? 'refund' : 'payment';
    else {
      const v = get(m.kind.column) ?? '';
      const k = m.kind.values[v];
      if (!k) throw fault('MALFORMED_LINE', n, `unknown ${describeRef(m.kind.column)} '${v}'`);
      kind = k;
    }
    if (m.amountSign === 'positive' && signed.isNegative())
      throw fault('MALFORMED_LINE', n, 'negative amount');
    if (
      m.amountSign === 'refund-negative' &&
      !signed.isZero() &&
      signed.isNegative() !== (kind !== 'payment')
    )
      throw fault('MALFORMED_LINE', n, `amount ${amountText} has the wrong sign for a ${kind}`);

    const dateText = get(m.fields.occurredAt) ?? '';
    let local: LocalDateTime;
    if (m.fields.occurredTime) {
      const d = this.time(dateText, m.dateFormats, n, 'date');
      const t = this.time(
        `2000-01-01 ${get(m.fields.occurredTime) ?? ''}`,
        (m.timeFormats ?? ['HH:mm:ss', 'HHmmss']).map((f) => `yyyy-MM-dd ${f}`),
        n,
        'time',
      );
      local = { ...d, h: t.h, mi: t.mi, s: t.s };
    } else local = this.time(dateText, m.dateFormats, n, 'time');
    let businessDate = localDate(local);
    const bd = get(m.fields.businessDate);
    if (m.fields.businessDate) {
      if (!bd) throw fault('MALFORMED_LINE', n, 'business date is empty');
      const p = isIsoDate(bd)
        ? bd
        : localDate(this.time(bd, m.businessDateFormats ?? ['yyyyMMdd'], n, 'business date'));
      businessDate = p;
    }
    if (this.ctx.businessDate && businessDate !== this.ctx.businessDate)
      throw fault('WRONG_DATE', n, `line dated ${businessDate}, expected ${this.ctx.businessDate}`);
    this.dates.add(businessDate);

    const line: StatementLine = {
      party: m.party,
      source: m.source,
      format: m.format,
      kind,
      lineNo: n,
      raw,
      amount: money2(signed.abs()),
      occurredAt: localToUtcIso(local, this.ctx.timeZone),
      localTime: formatLocal(local),
      businessDate,
    };
    for (const [k, ref] of Object.entries(m.fields)) {
      if (['amount', 'occurredAt', 'occurredTime', 'businessDate', 'grossAmount', 'fee'].includes(k) || !ref)
        continue;
      const v = get(ref as ColumnRef);
      if (v) (line as unknown as Record<string, string>)[k] = v;
    }
    const gross = this.money(get(m.fields.grossAmount), 'gross amount', n);
    if (gross) line.grossAmount = money2(gross.abs());
    const feeText = get(m.fields.fee);
    const fee = this.money(feeText, 'fee', n, m.feeDecimals ?? m.amountForm?.decimals[1] ?? 2);
    if (fee) {
      const sign = m.feeSign ?? 'cost-positive';
      const cost =
        sign === 'cost-positive'
          ? fee
          : sign === 'cost-negative'
            ? fee.negated()
            : kind === 'refund'
              ? fee.abs().negated()
              : fee.abs();
      line.fee = cost.toFixed(Math.max(2, fee.decimalPlaces()));
    }
    if (m.amounts) {
      const extra: Record<string, string> = {};
      for (const [name, ref] of Object.entries(m.amounts)) {
        const v = this.money(get(ref), name, n);
        if (v) extra[name] = money2(v);
      }
      if (Object.keys(extra).length) line.amounts = extra;
    }
    if (line.merchantId) {
      if (this.merchant === undefined) this.merchant = line.merchantId;
      if (this.ctx.merchantId && line.merchantId !== this.ctx.merchantId)
        throw fault(
          'WRONG_MERCHANT',
          n,
          `line is for merchant ${line.merchantId}, expected ${this.ctx.merchantId}`,
        );
    }
    if (this.ctx.hospitalId) line.hospitalId = this.ctx.hospitalId;
    // Counted only once the whole row was read: a refused row (kept going past by a trial) adds nothing.
    this.count++;
    this.amountSum = this.amountSum.plus(signed);
    if (fee) this.feeSum = this.feeSum.plus(fee);
    return line;
  }

  private totals(cells: string[], n: number): void {
    const t = this.mapping!.totals as TotalsRow;
    this.totalsSeen = true;
    // A totals row the mapping describes is read whole: a total it cannot read refuses the file, never skipped.
    const cell = (ref: ColumnRef | undefined, name: string): string | undefined => {
      if (ref === undefined) return undefined;
      const v = this.get(cells, ref);
      if (v === undefined)
        throw fault('MALFORMED_LINE', n, `totals row: no ${describeRef(ref)} column for the ${name}`);
      if (v === '')
        throw fault('MALFORMED_LINE', n, `totals row: the ${name} (${describeRef(ref)}) is empty`);
      return v;
    };
    const count = cell(t.count, 'count');
    if (count !== undefined) {
      if (!/^\d+$/.test(count)) throw fault('MALFORMED_LINE', n, `totals count is not a number: '${count}'`);
      this.check(n, 'count', count, new Decimal(this.count));
    }
    const amount = cell(t.amount, 'amount');
    if (amount !== undefined) this.check(n, 'amount', this.requireMoney(amount, n).toFixed(), this.amountSum);
    const fee = cell(t.fee, 'fee');
    if (fee !== undefined) this.check(n, 'fee', this.requireMoney(fee, n, 6).toFixed(), this.feeSum);
  }

  private requireMoney(text: string, n: number, decimals?: number): Decimal {
    const d = this.money(text, 'total', n, decimals);
    if (!d) throw fault('MALFORMED_LINE', n, 'empty total');
    return d;
  }

  private check(line: number, name: string, declaredText: string, computed: Decimal): void {
    const declared = new Decimal(declaredText);
    if (!declared.equals(computed))
      throw fault(
        'TOTALS_MISMATCH',
        line,
        `total ${name} is ${declaredText} but the rows add up to ${computed.toFixed()}`,
      );
    this.checks.push({ name, declared: declaredText, computed: computed.toFixed() });
  }

  finish(lastLineNo: number): ParserResult {
    if (this.pending) throw fault('TRUNCATED', this.pending.lineNo, 'file ends inside a quoted field');
    const m = this.mapping;
    if (m?.container === 'json') {
      if (!this.meta) throw fault('TRUNCATED', lastLineNo, 'JSON document ends early');
      this.jsonMetaChecks(m, lastLineNo);
    } else if (!this.ready || !m)
      throw fault(
        'MISSING_HEADER',
        lastLineNo || 1,
        m?.header === false ? 'no rows' : 'no header row with the mapped columns',
      );
    if (m.totals !== false && m.totals?.required && !this.totalsSeen)
      throw fault('TRUNCATED', lastLineNo, `file ends without its totals row (${m.totals.equals})`);
    // A mapping states the totals it maps (count, amount, fee), and each one present was checked.
    const r: ParserResult = { checks: this.checks, stated: this.checks.length, mapping: m.name };
    const merchant = this.merchant ?? this.ctx.merchantId;
    if (merchant) r.merchantId = merchant;
    const date = this.ctx.businessDate ?? (this.dates.size === 1 ? [...this.dates][0] : undefined);
    if (date) r.businessDate = date;
    return r;
  }

  private jsonMetaChecks(m: ColumnMapping, n: number): void {
    const jm = m.jsonMeta;
    if (!jm) {
      this.totalsSeen = true;
      return;
    }
    const meta = this.meta ?? {};
    const count = jm.count ? meta[jm.count] : undefined;
    const amount = jm.amount ? meta[jm.amount] : undefined;
    if (jm.required && (count === undefined || amount === undefined))
      throw fault('TRUNCATED', n, `JSON document lacks its totals (${jm.count}, ${jm.amount})`);
    if (count !== undefined) {
      if (!/^\d+$/.test(cellText(count))) throw fault('MALFORMED_LINE', n, `${jm.count} is not a count`);
      this.check(n, jm.count!, cellText(count), new Decimal(this.count));
    }
    if (amount !== undefined)
      this.check(n, jm.amount!, this.requireMoney(cellText(amount), n).toFixed(), this.amountSum);
    const merchant = jm.merchantId ? meta[jm.merchantId] : undefined;
    if (merchant !== undefined) {
      this.merchant = cellText(merchant);
      if (this.ctx.merchantId && this.merchant !== this.ctx.merchantId)
        throw fault('WRONG_MERCHANT', n, `file is for ${this.merchant}, expected ${this.ctx.merchantId}`);
    }
    const date = jm.businessDate ? meta[jm.businessDate] : undefined;
    if (date !== undefined && this.ctx.businessDate && cellText(date) !== this.ctx.businessDate)
      throw fault('WRONG_DATE', n, `file is for ${cellText(date)}, expected ${this.ctx.businessDate}`);
    this.totalsSeen = true;
  }
}

/** Limit on one JSON record's text and on the top-level metadata. */
export const MAX_JSON_RECORD_CHARS = 256 * 1024;

/**
 * Streams the elements of a JSON document's records array (root array, or `recordsKey` of a root
 * object) as records with their starting line; other top-level keys come last as a `meta` record.
 */
export async function* jsonRecords(
  text: AsyncIterable<string>,
  recordsKey: string | undefined,
): AsyncGenerator<RawRecord> {
  let line = 1;
  let depth = 0;
  let inStr = false;
  let esc = false;
  let root: '{' | '[' | undefined;
  let recordDepth = -1;
  let cap: string[] | undefined;
  let capLen = 0;
  let capLine = 0;
  let metaText = '';
  let ended = false;
  for await (const chunk of text) {
    let segStart = cap ? 0 : -1;
    for (let i = 0; i < chunk.length; i++) {
      const c = chunk.charCodeAt(i);
      if (c === 10) line++;
      if (ended) {
        if (c !== 32 && c !== 10 && c !== 13 && c !== 9)
          throw fault('MALFORMED_LINE', line, 'content after the JSON document');
        continue;
      }
      if (inStr) {
        if (esc) esc = false;
        else if (c === 92) esc = true;
        else if (c === 34) inStr = false;
      } else if (c === 34) inStr = true;
      else if (c === 123 || c === 91) {
        if (depth === 0) {
          root = c === 123 ? '{' : '[';
          if (root === '[') recordDepth = 1;
        } else if (depth === 1 && root === '{' && c === 91 && recordDepth < 0) {
          // Is this array the value of recordsKey? Look at the key text just before it.
          const m = /"((?:[^"\\]|\\.)*)"\s*:\s*$/.exec(metaText);
          if (m && JSON.parse(`"${m[1]}"`) === recordsKey) {
            recordDepth = 2;
            metaText += 'null';
          }
        }
        if (depth === recordDepth && !cap) {
          if (c !== 123) throw fault('MALFORMED_LINE', line, 'a record must be a JSON object');
          cap = [];
          capLen = 0;
          capLine = line;
          segStart = i;
        }
        depth++;
        if (depth > 64) throw fault('MALFORMED_LINE', line, 'JSON nested too deeply');
      } else if (c === 125 || c === 93) {
        depth--;
        if (depth < 0) throw fault('MALFORMED_LINE', line, 'unbalanced JSON brackets');
        if (depth === recordDepth && cap) {
          cap.push(chunk.slice(segStart, i + 1));
          const recText = cap.join('');
          cap = undefined;
          segStart = -1;
          let obj: unknown;
          try {
            obj = JSON.parse(recText);
          } catch {
            throw fault('MALFORMED_LINE', capLine, 'record is not valid JSON');
          }
          yield { lineNo: capLine, text: recText, object: obj as Record<string, unknown> };
          continue;
        }
        if (depth === 1 && recordDepth === 2) {
          recordDepth = -2; // the records array closed
          continue;
        }
        if (depth === 0) ended = true;
      } else if (depth === 0 && c !== 32 && c !== 10 && c !== 13 && c !== 9 && c !== 0xfeff)
        throw fault('MALFORMED_LINE', line, 'not a JSON document');
      if (!cap && depth >= 1 && root === '{' && !(depth >= 2 && recordDepth === 2)) {
        metaText += chunk[i];
        if (metaText.length > MAX_JSON_RECORD_CHARS)
          throw fault('LIMIT_EXCEEDED', line, 'JSON metadata too large');
      }
    }
    if (cap) {
      cap.push(chunk.slice(segStart));
      capLen += chunk.length - segStart;
      if (capLen > MAX_JSON_RECORD_CHARS) throw fault('LIMIT_EXCEEDED', capLine, 'JSON record too large');
    }
  }
  if (!ended || inStr) throw fault('TRUNCATED', line, 'JSON document ends early');
  if (root === '{' && recordDepth !== -2)
    throw fault('MISSING_HEADER', 1, `JSON document has no "${recordsKey}" array`);
  let meta: Record<string, unknown> = {};
  if (root === '{') {
    try {
      meta = JSON.parse(`${metaText}}`) as Record<string, unknown>;
    } catch {
      throw fault('MALFORMED_LINE', 1, 'JSON metadata is not valid');
    }
  }
  yield { lineNo: line, text: '', meta };
}
