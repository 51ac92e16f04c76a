// What the Alipay bills (业务明细 and 账务明细) share: the `#` preamble (账号, 起始日期/终止日期), the
// 日切 check of a line's time against the period, and the grammar of the `#…合计：N笔，…共X元` footers.
import { Decimal } from 'decimal.js';
import type { StatementLine, TotalsCheck } from '../../domain/reconciliation/statement-line.ts';
import { HeaderColumns } from './columns.ts';
import { fault } from './errors.ts';
import type { ParseContext, ParserResult, RawRecord } from './parser.ts';
import { splitCsv } from './source.ts';
import { type LocalDateTime, localDate, localToUtcMs, parseLocal } from './time.ts';

const ACCOUNT = /^#账号[：:]\[(.*)\]\s*$/;
const PERIOD = /^#起始日期[：:]\[(.+?)\]\s*终止日期[：:]\[(.+?)\]\s*$/;
const DATE_PATTERN = 'yyyy年MM月dd日 HH:mm:ss';

/** Normalizes half-width variants of a column name (`(元)` → `（元）`). */
export function columnName(s: string): string {
  return s.trim().replaceAll('(', '（').replaceAll(')', '）');
}

/** A line time as Alipay prints it (`yyyy-MM-dd HH:mm:ss`, some exports `yyyy/MM/dd HH:mm:ss`). */
export function alipayTime(text: string): LocalDateTime | undefined {
  return parseLocal(text, 'yyyy-MM-dd HH:mm:ss') ?? parseLocal(text, 'yyyy/MM/dd HH:mm:ss');
}

/** The 账号 and period of an Alipay bill's preamble, and the checks they allow. */
export class AlipayPreamble {
  account: string | undefined;
  periodDate: string | undefined;
  private periodStart: number | undefined;
  private periodEnd: number | undefined;
  readonly dates = new Set<string>();

  constructor(private readonly ctx: ParseContext) {}

  /** Reads a `#` preamble line (账号, period; others such as 导出时间 carry nothing to check). */
  read(text: string, n: number): void {
    const acc = ACCOUNT.exec(text);
    if (acc) {
      this.account = acc[1]!.trim();
      const m = this.ctx.merchantId;
      // The bill's 账号 is the PID plus "0156" (developer.aliyun.com/article/707638): accept either form.
      if (m && m !== this.account && `${m}0156` !== this.account && m !== this.account.replace(/0156$/, ''))
        throw fault('WRONG_MERCHANT', n, `bill is for account ${this.account}, expected ${m}`);
      return;
    }
    const per = PERIOD.exec(text);
    if (!per) return;
    const start = parseLocal(per[1]!, DATE_PATTERN);
    const end = parseLocal(per[2]!, DATE_PATTERN);
    if (!start || !end) throw fault('MALFORMED_LINE', n, `cannot read the period: ${text}`);
    this.periodStart = localToUtcMs(start, this.ctx.timeZone);
    this.periodEnd = localToUtcMs(end, this.ctx.timeZone);
    if (this.periodEnd < this.periodStart) throw fault('MALFORMED_LINE', n, 'period ends before it starts');
    this.periodDate = localDate(start);
    if (this.ctx.businessDate && this.periodDate !== this.ctx.businessDate)
      throw fault('WRONG_DATE', n, `bill starts on ${this.periodDate}, expected ${this.ctx.businessDate}`);
  }

  /** A line's time must be on the expected date and inside the period (end exclusive: 日切 at 00:00:00). */
  checkTime(local: LocalDateTime, name: string, text: string, n: number): void {
    const date = localDate(local);
    this.dates.add(date);
    if (this.ctx.businessDate && date !== this.ctx.businessDate)
      throw fault('WRONG_DATE', n, `${name} ${text} is not on ${this.ctx.businessDate}`);
    if (this.periodStart !== undefined && this.periodEnd !== undefined) {
      const t = localToUtcMs(local, this.ctx.timeZone);
      if (t < this.periodStart || t >= this.periodEnd)
        throw fault('WRONG_DATE', n, `${name} ${text} is outside the bill period`);
    }
  }

  /** The business date: expected, else the period's first day, else the one date all lines share. */
  businessDate(): string | undefined {
    return (
      this.ctx.businessDate ?? this.periodDate ?? (this.dates.size === 1 ? [...this.dates][0] : undefined)
    );
  }
}

/** Where an Alipay bill's reader is: title line, `#` preamble, column header, rows, footers. */
export type AlipayPhase = 'title' | 'preamble' | 'columns' | 'rows' | 'footer';

/**
 * The result of a whole bill, or the refusal of one that ends early: `names` the bill (`Alipay bill`),
 * its list (`业务明细列表`) and its footers (`交易合计/退款合计`).
 */
export function alipayResult(
  at: { phase: AlipayPhase; footersSeen: boolean; lastLineNo: number },
  names: { bill: string; list: string; footers: string },
  head: AlipayPreamble,
  checks: TotalsCheck[],
  stated: number,
): ParserResult {
  const n = at.lastLineNo;
  if (at.phase === 'title') throw fault('MISSING_HEADER', n || 1, `empty file: no ${names.bill} header`);
  if (at.phase === 'preamble' || at.phase === 'columns')
    throw fault('TRUNCATED', n, 'file ends before the detail rows');
  if (at.phase === 'rows') throw fault('TRUNCATED', n, `file ends before the ${names.list}结束 marker`);
  if (!at.footersSeen) throw fault('TRUNCATED', n, `file ends before the ${names.footers} footer lines`);
  const r: ParserResult = { checks, stated };
  if (head.account) r.merchantId = head.account;
  const date = head.businessDate();
  if (date) r.businessDate = date;
  return r;
}

/** A footer `#<label>合计：N笔，<name>共X元，…` read into its parts (name '' for a bare `共X元`). */
export interface AlipayFooter {
  label: string;
  count: string;
  parts: { name: string; amount: string }[];
}

const FOOTER = /^#([^：:#]+)合计[：:](\d+)笔((?:[，,][^，,]*共[-+]?\d+(?:\.\d+)?元)*)\s*$/;
const FOOTER_PART = /^([^，,]*?)共([-+]?\d+(?:\.\d+)?)元$/;

/**
 * Reads a totals footer; undefined for a `#` line that is not one (导出时间). A line that names 合计 but
 * does not follow the grammar refuses the file: its totals could not all be checked.
 */
export function readFooter(text: string, n: number): AlipayFooter | undefined {
  if (!text.includes('合计')) return undefined;
  const m = FOOTER.exec(text);
  if (!m) throw fault('MALFORMED_LINE', n, `totals line not in the form #…合计：N笔，…共X元: ${text}`);
  const parts = m[3]!
    .split(/[，,]/)
    .slice(1)
    .map((p) => {
      const x = FOOTER_PART.exec(p)!;
      return { name: x[1]!, amount: x[2]! };
    });
  return { label: m[1]!, count: m[2]!, parts };
}

/** Checks one stated total; a mismatch refuses the file, an agreement is recorded. */
export function checkTotal(
  checks: TotalsCheck[],
  line: number,
  name: string,
  declaredText: string,
  computed: Decimal,
  accepted: (declared: Decimal) => boolean = (d) => d.equals(computed),
): void {
  const dp = Math.max((declaredText.split('.')[1] ?? '').length, 0);
  if (!accepted(new Decimal(declaredText)))
    throw fault(
      'TOTALS_MISMATCH',
      line,
      `${name} is ${declaredText} but the rows add up to ${computed.toFixed(dp)}`,
    );
  checks.push({ name, declared: declaredText, computed: computed.toFixed(dp) });
}

/** What tells one Alipay bill from the other: its title line, names in messages, list, footers, columns. */
export interface AlipayLayout {
  /** The first line, e.g. `#支付宝业务明细查询`. */
  title: string;
  /** What the title line's refusal says the file is not (`an Alipay business detail bill`). */
  notA: string;
  /** The bill as messages name it (`Alipay bill`). */
  bill: string;
  /** The list between the `#-----…-----` markers (`业务明细列表`). */
  list: string;
  /** The footer lines it must end with (`交易合计/退款合计`). */
  footers: string;
  required: readonly string[];
  /** The column header as its refusal names it. */
  header: string;
  /** A repeated column name: the last one counts. */
  lastWins?: boolean;
}

/**
 * The reader both Alipay bills share: title, `#` preamble up to the list marker, column header, rows up to
 * the list's end marker, then footers. A bill adds how a row reads and which totals its footers check.
 */
export abstract class AlipayParser {
  readonly party = 'channel' as const;
  readonly source = 'alipay';
  private phase: AlipayPhase = 'title';
  private cols = new HeaderColumns([]);
  protected readonly head: AlipayPreamble;
  protected stated = 0;
  protected readonly checks: TotalsCheck[] = [];
  private readonly start: RegExp;
  private readonly end: RegExp;

  constructor(
    protected readonly ctx: ParseContext,
    private readonly layout: AlipayLayout,
  ) {
    this.head = new AlipayPreamble(ctx);
    this.start = new RegExp(`^#-+${layout.list}-+$`);
    this.end = new RegExp(`^#-+${layout.list}结束-+$`);
  }

  /** True once every footer the bill must state was read. */
  abstract complete(): boolean;
  /** One detail row, split and of the header's width. */
  protected abstract row(f: string[], rec: RawRecord): StatementLine;
  /** Checks the totals one footer states. */
  protected abstract totals(f: AlipayFooter, n: number): void;

  push(rec: RawRecord): StatementLine | undefined {
    const text = rec.text.trim();
    const n = rec.lineNo;
    const L = this.layout;
    if (text === '') return undefined;
    switch (this.phase) {
      case 'title':
        if (text !== L.title)
          throw fault('MISSING_HEADER', n, `not ${L.notA}: the first line must be ${L.title}`);
        this.phase = 'preamble';
        return undefined;
      case 'preamble':
        if (this.start.test(text)) {
          if (this.head.account === undefined)
            throw fault('MISSING_HEADER', n, `${L.bill} lacks the #账号：[…] line`);
          this.phase = 'columns';
        } else if (!text.startsWith('#'))
          throw fault('MISSING_HEADER', n, `expected the #-----${L.list}----- marker`);
        else this.head.read(text, n);
        return undefined;
      case 'columns':
        this.cols = new HeaderColumns((splitCsv(text) ?? []).map(columnName), {
          lastWins: L.lastWins ?? false,
        }).require(L.required, n, L.header);
        this.phase = 'rows';
        return undefined;
      case 'rows': {
        if (text.startsWith('#')) {
          if (!this.end.test(text))
            throw fault('MALFORMED_LINE', n, `expected a detail row or the ${L.list}结束 marker`);
          this.phase = 'footer';
          return undefined;
        }
        // TAB-padded fields (Excel guard) are trimmed by get(); rows are not quoted but may be.
        const f = splitCsv(rec.text);
        if (!f) throw fault('MALFORMED_LINE', n, 'unterminated quote');
        if (f.length !== this.cols.width)
          throw fault('MALFORMED_LINE', n, `expected ${this.cols.width} fields, found ${f.length}`);
        return this.row(f, rec);
      }
      default: {
        const f = readFooter(text, n);
        if (f) this.totals(f, n);
        else if (!text.startsWith('#'))
          throw fault('MALFORMED_LINE', n, `unexpected content after the ${L.list}结束 marker`);
        return undefined; // #导出时间：[…]
      }
    }
  }

  protected get(f: string[], name: string): string {
    return this.cols.cell(f, name);
  }

  /** The row's time in column `name`: read, and checked against the expected date and the bill period. */
  protected time(f: string[], name: string, n: number): LocalDateTime {
    const text = this.get(f, name);
    const local = alipayTime(text);
    if (!local) throw fault('MALFORMED_LINE', n, `${name} is not yyyy-MM-dd HH:mm:ss: '${text}'`);
    this.head.checkTime(local, name, text, n);
    return local;
  }

  /** Copies the optional columns that are not empty onto the line (line field → column). */
  protected optional(line: StatementLine, f: string[], fields: [keyof StatementLine, string][]): void {
    for (const [k, col] of fields) {
      const v = this.get(f, col);
      if (v) (line as unknown as Record<string, string>)[k] = v;
    }
  }

  finish(lastLineNo: number): ParserResult {
    const L = this.layout;
    return alipayResult(
      { phase: this.phase, footersSeen: this.complete(), lastLineNo },
      { bill: L.bill, list: L.list, footers: L.footers },
      this.head,
      this.checks,
      this.stated,
    );
  }
}
