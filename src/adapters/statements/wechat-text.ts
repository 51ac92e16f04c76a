// The text layout every WeChat Pay bill shares (trade bill, fund-flow bill): a plain header line, rows
// whose every field begins with one backtick (官方: "每个字段前会增加1个(`)字符"), a plain summary header and
// one backtick-prefixed summary row.
import type { StatementLine, TotalsCheck } from '../../domain/reconciliation/statement-line.ts';
import { fault } from './errors.ts';
import type { ParseContext, ParserResult, RawRecord } from './parser.ts';

/** What a bill does with each of its parts; the order is the layout's. */
export interface BillParts {
  header(rec: RawRecord): void;
  row(rec: RawRecord): StatementLine;
  /** The summary row, with the summary header's column names. */
  summary(rec: RawRecord, columns: readonly string[]): void;
}

export class BacktickBill {
  private part: 'header' | 'detail' | 'summary' | 'done' = 'header';
  /** The summary header's column names (each one a total the file states). */
  summaryColumns: string[] = [];
  summaryLine = 0;

  constructor(
    /** The first column of the summary header (总交易单数, 资金流水总笔数). */
    private readonly summaryStart: string,
    private readonly parts: BillParts,
  ) {}

  complete(): boolean {
    return this.part === 'done';
  }

  push(rec: RawRecord): StatementLine | undefined {
    const text = rec.text;
    if (text.trim() === '') return undefined;
    switch (this.part) {
      case 'header':
        this.parts.header(rec);
        this.part = 'detail';
        return undefined;
      case 'detail':
        if (text.startsWith('`')) return this.parts.row(rec);
        if (text.startsWith(this.summaryStart)) {
          this.summaryColumns = text.split(',').map((s) => s.trim());
          this.summaryLine = rec.lineNo;
          this.part = 'summary';
          return undefined;
        }
        throw fault(
          'MALFORMED_LINE',
          rec.lineNo,
          'expected a detail row (fields prefixed with `) or the summary header',
        );
      case 'summary':
        if (!text.startsWith('`'))
          throw fault('MALFORMED_LINE', rec.lineNo, 'expected the summary row after the summary header');
        this.parts.summary(rec, this.summaryColumns);
        this.part = 'done';
        return undefined;
      default:
        throw fault('MALFORMED_LINE', rec.lineNo, 'unexpected content after the summary row');
    }
  }

  /** Refuses a file that ends before its summary row; `what` names the bill. */
  requireComplete(lastLineNo: number, what: string): void {
    if (this.part === 'header')
      throw fault('MISSING_HEADER', lastLineNo || 1, `empty file: no ${what} header`);
    if (this.part === 'detail')
      throw fault('TRUNCATED', lastLineNo, `file ends before the summary block (${this.summaryStart}…)`);
    if (this.part === 'summary')
      throw fault('TRUNCATED', lastLineNo, 'file ends after the summary header, without the summary row');
  }
}

/** The fields of a row of `width` columns, each stripped of its one leading backtick. */
export function backtickFields(rec: RawRecord, width: number): string[] {
  // Splitting on ",`" keeps commas inside 商品名称 intact.
  let f = rec.text.slice(1).split(',`');
  if (f.length !== width) f = rec.text.split(',').map((s) => (s.startsWith('`') ? s.slice(1) : s));
  if (f.length !== width)
    throw fault('MALFORMED_LINE', rec.lineNo, `expected ${width} fields, found ${f.length}`);
  return f;
}

/** The values of a summary row, which must have as many fields as its header. */
export function summaryValues(rec: RawRecord, columns: readonly string[]): string[] {
  const values = rec.text.split(',').map((s) => (s.startsWith('`') ? s.slice(1) : s).trim());
  if (values.length !== columns.length)
    throw fault(
      'MALFORMED_LINE',
      rec.lineNo,
      `summary row has ${values.length} fields, header ${columns.length}`,
    );
  return values;
}

/**
 * A WeChat Pay bill's parser: the backtick layout read in order, the totals checked and the dates seen. A bill
 * adds how its header, rows and summary read.
 */
export abstract class WechatTextParser {
  readonly party = 'channel' as const;
  readonly source = 'wechat';
  protected readonly bill: BacktickBill;
  protected readonly checks: TotalsCheck[] = [];
  protected readonly dates = new Set<string>();

  constructor(
    protected readonly ctx: ParseContext,
    /** The first column of the summary header. */
    summaryStart: string,
  ) {
    this.bill = new BacktickBill(summaryStart, {
      header: (rec) => this.header(rec),
      row: (rec) => this.row(rec),
      summary: (rec, columns) => this.summary(rec, columns),
    });
  }

  protected abstract header(rec: RawRecord): void;
  protected abstract row(rec: RawRecord): StatementLine;
  protected abstract summary(rec: RawRecord, columns: readonly string[]): void;

  complete(): boolean {
    return this.bill.complete();
  }

  push(rec: RawRecord): StatementLine | undefined {
    return this.bill.push(rec);
  }

  /** The result of a complete bill (`what` names it in the refusal of one that ends early). */
  protected result(lastLineNo: number, what: string, merchantId: string | undefined): ParserResult {
    this.bill.requireComplete(lastLineNo, what);
    // Every column of the summary row is a total, and each was checked (or the file was refused).
    const r: ParserResult = { checks: this.checks, stated: this.bill.summaryColumns.length };
    if (merchantId) r.merchantId = merchantId;
    const date = this.ctx.businessDate ?? (this.dates.size === 1 ? [...this.dates][0] : undefined);
    if (date) r.businessDate = date;
    return r;
  }
}
