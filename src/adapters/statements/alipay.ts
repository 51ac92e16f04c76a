// Alipay business detail bill (业务明细, bill_type=trade): GBK CSV with `#` header/footer lines,
// often inside a .csv.zip. Exact lines and sources: shared/STATEMENT-FORMATS.md §2.
import { Decimal } from 'decimal.js';
import {
  type StatementLine,
  type StatementLineKind,
  type TotalsCheck,
  money2,
  parseMoney,
} from '../../domain/reconciliation/statement-line.ts';
import { fault } from './errors.ts';
import type { ParseContext, ParserResult, RawRecord, RecordParser } from './parser.ts';
import { splitCsv } from './source.ts';
import { type LocalDateTime, formatLocal, localDate, localToUtcMs, parseLocal } from './time.ts';

export const ALIPAY_TITLE = '#支付宝业务明细查询';
// Marker lines as hard-coded in dromara/dax-pay AliPayReconcileService.java (41 and 40/36 dashes).
export const ALIPAY_LIST_START = `#${'-'.repeat(41)}业务明细列表${'-'.repeat(40)}`;
export const ALIPAY_LIST_END = `#${'-'.repeat(41)}业务明细列表结束${'-'.repeat(36)}`;
export const ALIPAY_HEADER =
  '支付宝交易号,商户订单号,业务类型,商品名称,创建时间,完成时间,门店编号,门店名称,操作员,终端号,对方账户,订单金额（元）,商家实收（元）,支付宝红包（元）,集分宝（元）,支付宝优惠（元）,商家优惠（元）,券核销金额（元）,券名称,商家红包消费金额（元）,卡消费金额（元）,退款批次号/请求号,服务费（元）,分润（元）,备注'.split(
    ',',
  );
const REQUIRED = ['支付宝交易号', '商户订单号', '业务类型', '完成时间', '商家实收（元）'];
const NUM = '([-+]?\\d+(?:\\.\\d+)?)';
const TRADE_TOTAL = new RegExp(
  `^#交易合计[：:](\\d+)笔(?:[，,]商家实收共${NUM}元)?(?:[，,]商家优惠共${NUM}元)?`,
);
const REFUND_TOTAL = new RegExp(
  `^#退款合计[：:](\\d+)笔(?:[，,]商家实收退款共${NUM}元)?(?:[，,]商家优惠退款共${NUM}元)?`,
);
const ACCOUNT = /^#账号[：:]\[(.*)\]\s*$/;
const PERIOD = /^#起始日期[：:]\[(.+?)\]\s*终止日期[：:]\[(.+?)\]\s*$/;
const DATE_PATTERN = 'yyyy年MM月dd日 HH:mm:ss';

/** Normalizes half-width variants of a column name (`(元)` → `（元）`). */
function columnName(s: string): string {
  return s.trim().replaceAll('(', '（').replaceAll(')', '）');
}

type Phase = 'title' | 'preamble' | 'columns' | 'rows' | 'footer';

interface Sums {
  count: number;
  received: Decimal;
  discount: Decimal;
}

export class AlipayBillParser implements RecordParser {
  readonly format = 'alipay' as const;
  readonly party = 'channel' as const;
  readonly source = 'alipay';
  private phase: Phase = 'title';
  private cols = new Map<string, number>();
  private width = 0;
  private account: string | undefined;
  private periodStart: number | undefined;
  private periodEnd: number | undefined;
  private periodDate: string | undefined;
  private readonly trade: Sums = { count: 0, received: new Decimal(0), discount: new Decimal(0) };
  private readonly refund: Sums = { count: 0, received: new Decimal(0), discount: new Decimal(0) };
  private tradeTotalSeen = false;
  private refundTotalSeen = false;
  private readonly checks: TotalsCheck[] = [];
  private readonly dates = new Set<string>();

  constructor(private readonly ctx: ParseContext) {}

  complete(): boolean {
    return this.tradeTotalSeen && this.refundTotalSeen;
  }

  push(rec: RawRecord): StatementLine | undefined {
    const text = rec.text.trim();
    const n = rec.lineNo;
    if (text === '' && this.phase !== 'rows') return undefined;
    switch (this.phase) {
      case 'title':
        if (text !== ALIPAY_TITLE)
          throw fault(
            'MISSING_HEADER',
            n,
            `not an Alipay business detail bill: the first line must be ${ALIPAY_TITLE}`,
          );
        this.phase = 'preamble';
        return undefined;
      case 'preamble':
        this.preamble(text, n);
        return undefined;
      case 'columns': {
        const names = (splitCsv(text) ?? []).map(columnName);
        names.forEach((c, i) => {
          this.cols.set(c, i);
        });
        for (const r of REQUIRED)
          if (!this.cols.has(r)) throw fault('MISSING_HEADER', n, `Alipay bill column header lacks ${r}`);
        this.width = names.length;
        this.phase = 'rows';
        return undefined;
      }
      case 'rows':
        if (text.startsWith('#')) {
          if (!/^#-+业务明细列表结束-+$/.test(text))
            throw fault('MALFORMED_LINE', n, 'expected a detail row or the 业务明细列表结束 marker');
          this.phase = 'footer';
          return undefined;
        }
        if (text === '') return undefined;
        return this.row(rec);
      default:
        this.footer(text, n);
        return undefined;
    }
  }

  private preamble(text: string, n: number): void {
    if (/^#-+业务明细列表-+$/.test(text)) {
      if (this.account === undefined)
        throw fault('MISSING_HEADER', n, 'Alipay bill lacks the #账号：[…] line');
      this.phase = 'columns';
      return;
    }
    if (!text.startsWith('#'))
      throw fault('MISSING_HEADER', n, 'expected the #-----业务明细列表----- marker');
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
    if (per) {
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
    // Other # lines (e.g. 导出时间 in some exports) carry nothing to check.
  }

  private get(f: string[], name: string): string {
    const i = this.cols.get(name);
    return i === undefined ? '' : (f[i] ?? '').trim();
  }

  private money(f: string[], name: string, n: number): Decimal {
    const t = this.get(f, name);
    if (t === '') return new Decimal(0);
    const d = parseMoney(t, 2);
    if (!d) throw fault('MALFORMED_LINE', n, `${name} is not an amount: '${t}'`);
    return d;
  }

  private row(rec: RawRecord): StatementLine {
    const n = rec.lineNo;
    // TAB-padded fields (Excel guard) are trimmed by get(); rows are not quoted but may be.
    const f = splitCsv(rec.text);
    if (!f) throw fault('MALFORMED_LINE', n, 'unterminated quote');
    if (f.length !== this.width)
      throw fault('MALFORMED_LINE', n, `expected ${this.width} fields, found ${f.length}`);
    const type = this.get(f, '业务类型');
    let kind: StatementLineKind;
    let sums: Sums;
    if (type === '交易') {
      kind = 'payment';
      sums = this.trade;
    } else if (type === '退款') {
      kind = 'refund';
      sums = this.refund;
    } else throw fault('MALFORMED_LINE', n, `unknown 业务类型 '${type}'`);
    const received = this.money(f, '商家实收（元）', n);
    const gross = this.money(f, '订单金额（元）', n);
    const discount = this.money(f, '商家优惠（元）', n);
    const fee = this.money(f, '服务费（元）', n);
    // Refund rows print 订单金额/商家实收 negative (captured 2019 bill); anything else is corrupt.
    if (
      kind === 'payment'
        ? received.isNegative() || gross.isNegative()
        : received.isPositive() || gross.isPositive()
    )
      throw fault(
        'MALFORMED_LINE',
        n,
        `商家实收 ${received.toFixed(2)} has the wrong sign for a ${type} row`,
      );
    sums.count++;
    sums.received = sums.received.plus(received);
    sums.discount = sums.discount.plus(discount);

    const timeText = this.get(f, '完成时间');
    const local = parseLocal(timeText, 'yyyy-MM-dd HH:mm:ss') ?? parseLocal(timeText, 'yyyy/MM/dd HH:mm:ss');
    if (!local) throw fault('MALFORMED_LINE', n, `完成时间 is not yyyy-MM-dd HH:mm:ss: '${timeText}'`);
    this.checkTime(local, timeText, n);
    const channelTxnId = this.get(f, '支付宝交易号');
    const merchantOrderNo = this.get(f, '商户订单号');
    if (!channelTxnId) throw fault('MALFORMED_LINE', n, '支付宝交易号 is empty');
    if (!merchantOrderNo) throw fault('MALFORMED_LINE', n, '商户订单号 is empty');
    const line: StatementLine = {
      party: 'channel',
      source: 'alipay',
      format: 'alipay',
      kind,
      lineNo: n,
      raw: rec.text,
      channelTxnId,
      merchantOrderNo,
      amount: money2(received.abs()),
      grossAmount: money2(gross.abs()),
      // 服务费 sign is unconfirmed (all public fixtures show 0.00): cost for 交易, returned for 退款.
      fee: money2(kind === 'payment' ? fee.abs() : fee.abs().negated()),
      occurredAt: new Date(localToUtcMs(local, this.ctx.timeZone)).toISOString(),
      localTime: formatLocal(local),
      businessDate: localDate(local),
      tradeType: type,
    };
    if (this.account) line.merchantId = this.account;
    const refundNo = this.get(f, '退款批次号/请求号');
    if (kind === 'refund' && refundNo) line.refundNo = refundNo;
    const opt: [keyof StatementLine, string][] = [
      ['storeId', '门店编号'],
      ['operatorId', '操作员'],
      ['terminalId', '终端号'],
      ['attach', '备注'],
    ];
    for (const [k, col] of opt) {
      const v = this.get(f, col);
      if (v) (line as unknown as Record<string, string>)[k] = v;
    }
    if (!discount.isZero()) line.amounts = { merchantDiscount: money2(discount.abs()) };
    if (this.ctx.hospitalId) line.hospitalId = this.ctx.hospitalId;
    return line;
  }

  private checkTime(local: LocalDateTime, text: string, n: number): void {
    const date = localDate(local);
    this.dates.add(date);
    if (this.ctx.businessDate && date !== this.ctx.businessDate)
      throw fault('WRONG_DATE', n, `完成时间 ${text} is not on ${this.ctx.businessDate}`);
    if (this.periodStart !== undefined && this.periodEnd !== undefined) {
      const t = localToUtcMs(local, this.ctx.timeZone);
      // A trade completed at 00:00:00 of the end date belongs to the next bill (日切 by 完成时间).
      if (t < this.periodStart || t >= this.periodEnd)
        throw fault('WRONG_DATE', n, `完成时间 ${text} is outside the bill period`);
    }
  }

  private footer(text: string, n: number): void {
    const t = TRADE_TOTAL.exec(text);
    if (t) {
      this.tradeTotalSeen = true;
      this.check(n, '交易合计笔数', t[1]!, new Decimal(this.trade.count));
      if (t[2] !== undefined) this.check(n, '交易合计商家实收', t[2], this.trade.received);
      if (t[3] !== undefined) this.check(n, '交易合计商家优惠', t[3], this.trade.discount);
      return;
    }
    const r = REFUND_TOTAL.exec(text);
    if (r) {
      this.refundTotalSeen = true;
      this.check(n, '退款合计笔数', r[1]!, new Decimal(this.refund.count));
      if (r[2] !== undefined) this.check(n, '退款合计商家实收', r[2], this.refund.received);
      // 商家优惠退款 is printed without a sign in the captured bill; compare magnitudes.
      if (r[3] !== undefined)
        this.check(n, '退款合计商家优惠', new Decimal(r[3]).abs().toFixed(), this.refund.discount.abs());
      return;
    }
    if (text.startsWith('#')) return; // #导出时间：[…]
    throw fault('MALFORMED_LINE', n, 'unexpected content after the 业务明细列表结束 marker');
  }

  private check(line: number, name: string, declaredText: string, computed: Decimal): void {
    const declared = new Decimal(declaredText);
    if (!declared.equals(computed))
      throw fault(
        'TOTALS_MISMATCH',
        line,
        `${name} is ${declaredText} but the rows add up to ${computed.toFixed(2)}`,
      );
    this.checks.push({
      name,
      declared: declaredText,
      computed: computed.toFixed((declaredText.split('.')[1] ?? '').length),
    });
  }

  finish(lastLineNo: number): ParserResult {
    if (this.phase === 'title')
      throw fault('MISSING_HEADER', lastLineNo || 1, 'empty file: no Alipay bill header');
    if (this.phase === 'preamble' || this.phase === 'columns')
      throw fault('TRUNCATED', lastLineNo, 'file ends before the detail rows');
    if (this.phase === 'rows')
      throw fault('TRUNCATED', lastLineNo, 'file ends before the 业务明细列表结束 marker');
    if (!this.tradeTotalSeen || !this.refundTotalSeen)
      throw fault('TRUNCATED', lastLineNo, 'file ends before the 交易合计/退款合计 footer lines');
    const r: ParserResult = { checks: this.checks };
    if (this.account) r.merchantId = this.account;
    const date =
      this.ctx.businessDate ?? this.periodDate ?? (this.dates.size === 1 ? [...this.dates][0] : undefined);
    if (date) r.businessDate = date;
    return r;
  }
}

/** Picks the detail entry of an Alipay .csv.zip (not the 汇总 one), as dax-pay does. */
export function isAlipayDetailEntry(name: string): boolean {
  return (
    name.endsWith('_业务明细.csv') ||
    (name.endsWith('.csv') && name.includes('业务明细') && !name.includes('汇总'))
  );
}
