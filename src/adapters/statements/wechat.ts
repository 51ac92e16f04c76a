// WeChat Pay trade bill (交易账单), API v2 downloadbill (ALL/SUCCESS/REFUND) and v3 tradebill:
// same content. Layout and what is checked: docs/statement-formats.md.
import { Decimal } from 'decimal.js';
import type { StatementLine, StatementLineKind } from '../../domain/reconciliation/statement-line.ts';
import { UnitSum, formatFen, isNegativeUnits } from '../../domain/reconciliation/units.ts';
import { readUnits } from './amount.ts';
import { fault } from './errors.ts';
import type { ParseContext, ParserResult, RawRecord, RecordParser } from './parser.ts';
import {
  ALIASES,
  DETAIL_MONEY,
  FEE_COLUMNS,
  type LayoutForms,
  REQUIRED,
  SUMMARY_SUMS,
  type WechatLayout,
  wechatForms,
} from './wechat-layout.ts';
import { backtickFields, summaryValues, WechatTextParser } from './wechat-text.ts';

import { parseLocal, localToUtcIso } from './time.ts';

/** A money column of the detail rows: where it is, its scale (fen: 2; fees: 6) and its running sum. */
interface MoneyColumn {
  name: string;
  index: number;
  scale: number;
  sum: UnitSum;
}

/** Column indexes the row reader uses (-1: absent), resolved once from the header. */
interface Columns {
  time: number;
  merchant: number;
  sub: number;
  txn: number;
  order: number;
  status: number;
  currency: number;
  fee: number;
  tradeType: number;
  /** REFUND bills: the refund's own times (交易时间 there is the original payment's). */
  refundApplied: number;
  refundSucceeded: number;
  refundNo: number;
  channelRefundId: number;
  refundStatus: number;
  attach: number;
  rate: number;
  /** Positions in `money` (-1: absent). */
  settle: number;
  gross: number;
  refund: number;
  refundGross: number;
  legacyTotal: number;
  coupon: number;
}

/**
 * Version of the normalisation the row reader applies. Lines are stored raw (codec.ts) and re-read with this
 * parser: a change to what a row normalises to must bump it and keep the old reading for old statements.
 */
export const WECHAT_ROW_VERSION = 2;
// Version 1 dated the refund rows of a REFUND bill by 交易时间 (the original payment's time); version 2
// dates them by 退款申请时间 like the ALL bill does. ParseContext.rowVersion 1 keeps the old reading.

export class WechatBillParser extends WechatTextParser implements RecordParser {
  readonly format = 'wechat' as const;
  private cols = new Map<string, number>();
  private width = 0;
  private legacy = false;
  private layout: WechatLayout = 'current';
  private forms: LayoutForms = wechatForms('current', undefined)!;
  private rows = 0;
  private money: MoneyColumn[] = [];
  private c: Columns | undefined;
  /** Per-row unit values of `money`, reused. */
  private values: number[] = [];
  private paymentGross = new UnitSum();
  private merchant: string | undefined;
  private lastDate = '';

  constructor(ctx: ParseContext) {
    super(ctx, '总交易单数');
  }

  protected header(rec: RawRecord): void {
    const text = rec.text;
    if (text.startsWith('<xml>') || text.startsWith('<xml '))
      throw fault(
        'MALFORMED_FILE',
        rec.lineNo,
        `WeChat Pay error response instead of a bill: ${xmlMessage(text)}`,
      );
    if (text.startsWith('{'))
      throw fault(
        'MALFORMED_FILE',
        rec.lineNo,
        'WeChat Pay JSON response instead of a bill (download_url not followed?)',
      );
    this.readHeader(rec);
  }

  readHeader(rec: RawRecord): void {
    const names = rec.text.split(',').map((s) => s.trim());
    if (names[0] !== '交易时间')
      throw fault(
        'MISSING_HEADER',
        rec.lineNo,
        'not a WeChat Pay trade bill: the first line must be the 交易时间,… header',
      );
    names.forEach((n, i) => {
      this.cols.set(ALIASES[n] ?? n, i);
    });
    this.width = names.length;
    this.legacy = this.cols.has('总金额');
    this.layout = this.legacy ? 'legacy' : this.cols.has('特约商户号') ? 'current' : 'acquirer';
    const unit = this.ctx.amountUnit;
    if (unit && this.layout !== 'acquirer' && unit !== 'yuan')
      throw fault(
        'UNSUPPORTED_FORMAT',
        rec.lineNo,
        `amounts configured in ${unit}, but this ${this.layout} WeChat Pay bill states them in yuan`,
      );
    const forms = wechatForms(this.layout, unit);
    if (!forms)
      throw fault(
        'UNSUPPORTED_FORMAT',
        rec.lineNo,
        'WeChat Pay bill issued through an acquirer (no 特约商户号 column): its amounts do not say whether they are yuan or fen; configure the unit (amountUnit / --unit yuan|fen)',
      );
    this.forms = forms;
    for (const r of REQUIRED)
      if (!this.cols.has(r)) throw fault('MISSING_HEADER', rec.lineNo, `WeChat Pay bill header lacks ${r}`);
    if (!this.legacy && !this.cols.has('应结订单金额'))
      throw fault(
        'MISSING_HEADER',
        rec.lineNo,
        'WeChat Pay bill header lacks 应结订单金额 (or legacy 总金额)',
      );
    // Money columns in the order of the (deduplicated) column map, as the checks have always run.
    for (const [name, index] of this.cols) {
      if (DETAIL_MONEY.has(name)) this.money.push({ name, index, scale: 2, sum: new UnitSum() });
      else if (FEE_COLUMNS.has(name)) this.money.push({ name, index, scale: 6, sum: new UnitSum() });
    }
    this.values = this.money.map(() => 0);
    const col = (n: string) => this.cols.get(n) ?? -1;
    const m = (n: string) => this.money.findIndex((x) => x.name === n);
    this.c = {
      time: col('交易时间'),
      merchant: col('商户号'),
      sub: col('特约商户号'),
      txn: col('微信订单号'),
      order: col('商户订单号'),
      status: col('交易状态'),
      currency: col('货币种类'),
      fee: col('手续费'),
      tradeType: col('交易类型'),
      refundApplied: col('退款申请时间'),
      refundSucceeded: col('退款成功时间'),
      refundNo: col('商户退款单号'),
      channelRefundId: col('微信退款单号'),
      refundStatus: col('退款状态'),
      attach: col('商户数据包'),
      rate: col('费率'),
      settle: m('应结订单金额'),
      gross: m('订单金额'),
      refund: m('退款金额'),
      refundGross: m('申请退款金额'),
      legacyTotal: m('总金额'),
      coupon: this.legacy ? m('代金券或立减优惠金额') : m('代金券金额'),
    };
  }

  private fields(rec: RawRecord): string[] {
    return backtickFields(rec, this.width);
  }

  /** The trimmed field at `i` (undefined for a column the bill lacks). */
  private at(f: string[], i: number): string | undefined {
    return i < 0 ? undefined : f[i]?.trim();
  }

  protected row(rec: RawRecord): StatementLine {
    return this.readRow(rec);
  }

  /** Reads one detail row (also what the decoder of stored raw rows calls). */
  readRow(rec: RawRecord): StatementLine {
    const c = this.c!;
    const f = this.fields(rec);
    const n = rec.lineNo;
    const status = this.at(f, c.status) ?? '';
    const [timeName, timeText] = this.timeOf(f, status, n);
    const local = parseLocal(timeText, 'yyyy-MM-dd HH:mm:ss');
    if (!local) throw fault('MALFORMED_LINE', n, `${timeName} is not yyyy-MM-dd HH:mm:ss: '${timeText}'`);
    const merchantId = this.at(f, c.merchant) ?? '';
    const subMerchantId = this.at(f, c.sub);
    if (!merchantId) throw fault('MALFORMED_LINE', n, '商户号 is empty');
    if (this.merchant === undefined) this.merchant = merchantId;
    else if (this.merchant !== merchantId)
      throw fault(
        'WRONG_MERCHANT',
        n,
        `商户号 ${merchantId} differs from ${this.merchant} earlier in the bill`,
      );
    if (this.ctx.merchantId && this.ctx.merchantId !== merchantId && this.ctx.merchantId !== subMerchantId)
      throw fault('WRONG_MERCHANT', n, `bill is for 商户号 ${merchantId}, expected ${this.ctx.merchantId}`);
    // The text matched yyyy-MM-dd HH:mm:ss exactly: its first ten characters are the local date, and the
    // whole is the local time as formatLocal prints it.
    let businessDate = timeText.slice(0, 10);
    if (businessDate === this.lastDate) businessDate = this.lastDate;
    else {
      this.lastDate = businessDate;
      this.dates.add(businessDate);
    }
    if (this.ctx.businessDate && businessDate !== this.ctx.businessDate)
      throw fault('WRONG_DATE', n, `${timeName} ${timeText} is not on ${this.ctx.businessDate}`);
    const currency = this.at(f, c.currency);
    if (currency && currency !== 'CNY')
      throw fault('MALFORMED_LINE', n, `货币种类 ${currency} is not supported`);

    const values = this.values;
    for (let i = 0; i < this.money.length; i++) {
      const col = this.money[i]!;
      const t = f[col.index]?.trim();
      if (t === undefined || t === '') {
        values[i] = 0;
        continue;
      }
      const form = col.scale === 2 ? this.forms.amount : this.forms.fee;
      values[i] = readUnits(t, form, col.scale, col.name, n);
    }
    for (let i = 0; i < this.money.length; i++) this.money[i]!.sum.add(values[i]!);

    let kind: StatementLineKind;
    let amount: number;
    let gross: number;
    if (status === 'SUCCESS') {
      kind = 'payment';
      amount = this.legacy ? valueAt(values, c.legacyTotal) : valueAt(values, c.settle);
      gross = this.legacy ? valueAt(values, c.legacyTotal) : c.gross >= 0 ? valueAt(values, c.gross) : amount;
      if (this.legacy) this.paymentGross.add(valueAt(values, c.legacyTotal));
    } else if (status === 'REFUND' || status === 'REVOKED') {
      // REVOKED (撤销) appears in older docs only: money went back, so it is a refund of the whole order.
      kind = 'refund';
      amount = valueAt(values, c.refund);
      if (status === 'REVOKED' && amount === 0)
        amount = this.legacy ? valueAt(values, c.legacyTotal) : valueAt(values, c.settle);
      gross = c.refundGross >= 0 ? valueAt(values, c.refundGross) : amount;
      if (!this.cols.has('退款金额'))
        throw fault('MALFORMED_LINE', n, `a ${status} row in a bill without 退款金额 (SUCCESS bill?)`);
    } else throw fault('MALFORMED_LINE', n, `unknown 交易状态 '${status}'`);
    if (isNegativeUnits(amount) || isNegativeUnits(gross))
      throw fault('MALFORMED_LINE', n, 'negative amount');

    const line: StatementLine = {
      party: 'channel',
      source: 'wechat',
      format: 'wechat',
      kind,
      lineNo: n,
      raw: rec.text,
      merchantId,
      channelTxnId: this.at(f, c.txn) ?? '',
      merchantOrderNo: this.at(f, c.order) ?? '',
      amount: formatFen(amount),
      grossAmount: formatFen(gross),
      fee: this.feeText(values, f, c.fee),
      occurredAt: localToUtcIso(local, this.ctx.timeZone),
      localTime: timeText,
      businessDate,
      tradeType: this.at(f, c.tradeType),
    };
    if (!line.channelTxnId) throw fault('MALFORMED_LINE', n, '微信订单号 is empty');
    if (!line.merchantOrderNo) throw fault('MALFORMED_LINE', n, '商户订单号 is empty');
    if (subMerchantId && subMerchantId !== '0') line.subMerchantId = subMerchantId;
    if (kind === 'refund') {
      line.refundNo = this.at(f, c.refundNo);
      line.channelRefundId = this.at(f, c.channelRefundId);
      if (!line.refundNo || line.refundNo === '0')
        throw fault('MALFORMED_LINE', n, '商户退款单号 is empty on a refund row');
      const st = this.at(f, c.refundStatus);
      if (st) line.status = st;
    } else line.status = status;
    const attach = this.at(f, c.attach);
    if (attach) line.attach = attach;
    const rate = this.at(f, c.rate);
    if (rate) line.feeRate = rate;
    const coupon = valueAt(values, c.coupon);
    if (coupon !== 0) line.amounts = { coupon: formatFen(coupon) };
    if (this.ctx.hospitalId) line.hospitalId = this.ctx.hospitalId;
    this.rows++;
    return line;
  }

  /**
   * The time a row is dated by: 交易时间, except on the refund rows of a REFUND bill, where 交易时间 is the
   * original payment's and the refund's own acceptance (退款申请时间, what an ALL bill prints as 交易时间)
   * is the day the refund belongs to; 退款成功时间 only when no application time is printed.
   */
  private timeOf(f: string[], status: string, n: number): [string, string] {
    const c = this.c!;
    const refundRow = status === 'REFUND' || status === 'REVOKED';
    if (
      !refundRow ||
      (this.ctx.rowVersion ?? WECHAT_ROW_VERSION) < 2 ||
      (c.refundApplied < 0 && c.refundSucceeded < 0)
    )
      return ['交易时间', this.at(f, c.time) ?? ''];
    const applied = this.at(f, c.refundApplied);
    if (applied) return ['退款申请时间', applied];
    const succeeded = this.at(f, c.refundSucceeded);
    if (succeeded) return ['退款成功时间', succeeded];
    throw fault('MALFORMED_LINE', n, 'refund row without 退款申请时间 or 退款成功时间');
  }

  /** The fee as the line carries it: as printed in yuan layouts, converted (exactly) from fen otherwise. */
  private feeText(values: readonly number[], f: string[], feeCol: number): string {
    const t = this.at(f, feeCol);
    if (!t) return '0.00000';
    if (this.forms.fee.unit === 'yuan') return t;
    const i = this.money.findIndex((m) => m.index === feeCol);
    return new Decimal(`${values[i]!}e-6`).toFixed(6);
  }

  /** Σ of a detail money column as a Decimal (undefined when the bill lacks the column). */
  private sumOf(name: string): Decimal | undefined {
    const col = this.money.find((x) => x.name === name);
    return col?.sum.decimal(col.scale);
  }

  protected summary(rec: RawRecord, columns: readonly string[]): void {
    const n = rec.lineNo;
    const values = summaryValues(rec, columns);
    const declared = new Map(columns.map((c, i) => [c, values[i]!]));
    const count = declared.get('总交易单数');
    if (count === undefined)
      throw fault('MISSING_HEADER', this.bill.summaryLine, 'summary header lacks 总交易单数');
    if (!/^\d+$/.test(count)) throw fault('MALFORMED_LINE', n, `总交易单数 is not a count: '${count}'`);
    this.checkCount(n, count);
    for (const [col, text] of declared) {
      if (col === '总交易单数') continue;
      const sources = col === '总交易额' ? ['总金额'] : SUMMARY_SUMS[col];
      // A total the parser cannot recompute is not "checked": the whole file is refused instead.
      if (!sources)
        throw fault('UNSUPPORTED_FORMAT', n, `summary states ${col}, a total this parser cannot check`);
      const fee = FEE_COLUMNS.has(sources[0]!);
      const scale = fee ? 6 : 2;
      const form = fee ? this.forms.fee : { ...this.forms.amount, signed: true };
      const d = new Decimal(`${readUnits(text, form, scale, col, n)}e-${scale}`);
      if (col === '总交易额') {
        // Legacy 总交易额: Σ 总金额 — over payment rows or all rows (unconfirmed which); accept either.
        const all = this.sumOf('总金额') ?? new Decimal(0);
        const paymentGross = this.paymentGross.decimal(2);
        this.check(n, col, text, d, d.equals(paymentGross) ? paymentGross : all);
        continue;
      }
      const src = sources.find((x) => this.cols.has(x) && this.money.some((m) => m.name === x));
      // A summary total of a column the detail lacks (e.g. 退款总金额 in a SUCCESS bill) must be zero.
      this.check(n, col, text, d, src ? this.sumOf(src)! : new Decimal(0));
    }
  }

  private checkCount(line: number, count: string): void {
    if (Number(count) !== this.rows)
      throw fault('TOTALS_MISMATCH', line, `总交易单数 is ${count} but the bill has ${this.rows} rows`);
    this.checks.push({ name: '总交易单数', declared: count, computed: String(this.rows) });
  }

  /** Compares in yuan; reports both sides in the file's own unit. */
  private check(
    line: number,
    name: string,
    declaredText: string,
    declared: Decimal,
    computed: Decimal,
  ): void {
    const shown = this.forms.amount.unit === 'fen' ? computed.times(100) : computed;
    const dp = Math.max((declaredText.split('.')[1] ?? '').length, shown.decimalPlaces());
    if (!declared.equals(computed))
      throw fault(
        'TOTALS_MISMATCH',
        line,
        `${name} is ${declaredText} but the rows add up to ${shown.toFixed(dp)}`,
      );
    this.checks.push({ name, declared: declaredText, computed: shown.toFixed(dp) });
  }

  finish(lastLineNo: number): ParserResult {
    return this.result(lastLineNo, 'WeChat Pay bill', this.merchant || this.ctx.merchantId);
  }
}

function valueAt(values: readonly number[], i: number): number {
  return i < 0 ? 0 : values[i]!;
}

function xmlMessage(text: string): string {
  const m = /<return_msg>(?:<!\[CDATA\[)?(.*?)(?:\]\]>)?<\/return_msg>/.exec(text);
  return m?.[1] ?? text.slice(0, 200);
}
