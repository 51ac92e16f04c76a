// Alipay business detail bill (业务明细, bill_type=trade): GBK CSV with `#` header/footer lines,
// often inside a .csv.zip. Layout and what is checked: docs/statement-formats.md.
import { Decimal } from 'decimal.js';
import {
  type StatementLine,
  type StatementLineKind,
  money2,
} from '../../domain/reconciliation/statement-line.ts';
import { type AlipayFooter, type AlipayLayout, AlipayParser, checkTotal } from './alipay-common.ts';
import { YUAN_2_SIGNED, describeForm, hasForm } from './amount.ts';
import { fault } from './errors.ts';
import type { ParseContext, RawRecord, RecordParser } from './parser.ts';
import { formatLocal, localDate, localToUtcMs } from './time.ts';

export const ALIPAY_TITLE = '#支付宝业务明细查询';
// Marker lines as hard-coded in dromara/dax-pay AliPayReconcileService.java (41 and 40/36 dashes).
export const ALIPAY_LIST_START = `#${'-'.repeat(41)}业务明细列表${'-'.repeat(40)}`;
export const ALIPAY_LIST_END = `#${'-'.repeat(41)}业务明细列表结束${'-'.repeat(36)}`;
export const ALIPAY_HEADER =
  '支付宝交易号,商户订单号,业务类型,商品名称,创建时间,完成时间,门店编号,门店名称,操作员,终端号,对方账户,订单金额（元）,商家实收（元）,支付宝红包（元）,集分宝（元）,支付宝优惠（元）,商家优惠（元）,券核销金额（元）,券名称,商家红包消费金额（元）,卡消费金额（元）,退款批次号/请求号,服务费（元）,分润（元）,备注'.split(
    ',',
  );
const REQUIRED = ['支付宝交易号', '商户订单号', '业务类型', '完成时间', '商家实收（元）'];
interface Sums {
  count: number;
  received: Decimal;
  discount: Decimal;
  /** Σ 订单金额 (as printed: negative on refunds). */
  gross: Decimal;
  /** Σ of every discount column (支付宝红包, 集分宝, 支付宝优惠, 商家优惠, 券核销金额). */
  allDiscounts: Decimal;
}

const DISCOUNT_COLUMNS = [
  '支付宝红包（元）',
  '集分宝（元）',
  '支付宝优惠（元）',
  '商家优惠（元）',
  '券核销金额（元）',
];

const emptySums = (): Sums => ({
  count: 0,
  received: new Decimal(0),
  discount: new Decimal(0),
  gross: new Decimal(0),
  allDiscounts: new Decimal(0),
});

const LAYOUT: AlipayLayout = {
  title: ALIPAY_TITLE,
  notA: 'an Alipay business detail bill',
  bill: 'Alipay bill',
  list: '业务明细列表',
  footers: '交易合计/退款合计',
  required: REQUIRED,
  header: 'Alipay bill column header',
  lastWins: true,
};

export class AlipayBillParser extends AlipayParser implements RecordParser {
  readonly format = 'alipay' as const;
  private readonly trade: Sums = emptySums();
  private readonly refund: Sums = emptySums();
  private tradeTotalSeen = false;
  private refundTotalSeen = false;

  constructor(ctx: ParseContext) {
    super(ctx, LAYOUT);
  }

  complete(): boolean {
    return this.tradeTotalSeen && this.refundTotalSeen;
  }

  private money(f: string[], name: string, n: number): Decimal {
    const t = this.get(f, name);
    if (t === '') return new Decimal(0);
    if (!hasForm(t, YUAN_2_SIGNED))
      throw fault(
        'MALFORMED_LINE',
        n,
        `${name} '${t}' is not in the layout's form (${describeForm(YUAN_2_SIGNED)})`,
      );
    return new Decimal(t);
  }

  protected row(f: string[], rec: RawRecord): StatementLine {
    const n = rec.lineNo;
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
    sums.gross = sums.gross.plus(gross);
    for (const c of DISCOUNT_COLUMNS) sums.allDiscounts = sums.allDiscounts.plus(this.money(f, c, n).abs());

    const local = this.time(f, '完成时间', n);
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
    if (this.head.account) line.merchantId = this.head.account;
    const refundNo = this.get(f, '退款批次号/请求号');
    if (kind === 'refund' && refundNo) line.refundNo = refundNo;
    this.optional(line, f, [
      ['storeId', '门店编号'],
      ['operatorId', '操作员'],
      ['terminalId', '终端号'],
      ['attach', '备注'],
    ]);
    if (!discount.isZero()) line.amounts = { merchantDiscount: money2(discount.abs()) };
    if (this.ctx.hospitalId) line.hospitalId = this.ctx.hospitalId;
    return line;
  }

  /**
   * Checks every total a footer states. 交易合计/退款合计 name 商家实收 and 商家优惠 in the captured bill;
   * other exports word them 交易金额 (Σ 订单金额) and 优惠金额 (unconfirmed: 商家优惠 alone, or every
   * discount column; either reading is accepted). A total of any other name refuses the file.
   */
  protected totals(f: AlipayFooter, n: number): void {
    const refund = f.label === '退款';
    if (!refund && f.label !== '交易')
      throw fault('UNSUPPORTED_FORMAT', n, `footer states ${f.label}合计, which this parser cannot check`);
    const sums = refund ? this.refund : this.trade;
    if (refund) this.refundTotalSeen = true;
    else this.tradeTotalSeen = true;
    this.stated += 1 + f.parts.length;
    checkTotal(this.checks, n, `${f.label}合计笔数`, f.count, new Decimal(sums.count));
    for (const p of f.parts) {
      if (!hasForm(p.amount, YUAN_2_SIGNED))
        throw fault(
          'MALFORMED_LINE',
          n,
          `${p.name}共${p.amount}元 is not in the layout's form (yuan, 2 decimals)`,
        );
      const key = p.name.replace(/退款$/, '');
      const name = `${f.label}合计${key}`;
      // Refund totals print the money sign inconsistently (商家实收退款 −, 商家优惠退款 +): compare magnitudes.
      const abs = (d: Decimal) => d.abs();
      if (key === '商家实收') {
        if (refund)
          checkTotal(this.checks, n, name, p.amount, sums.received, (d) => abs(d).equals(abs(sums.received)));
        else checkTotal(this.checks, n, name, p.amount, sums.received);
      } else if (key === '商家优惠')
        checkTotal(this.checks, n, name, p.amount, sums.discount.abs(), (d) =>
          abs(d).equals(abs(sums.discount)),
        );
      else if (key === '交易金额' || key === '订单金额' || key === '退款金额')
        checkTotal(this.checks, n, name, p.amount, sums.gross.abs(), (d) => abs(d).equals(abs(sums.gross)));
      else if (key === '优惠金额' || key === '优惠')
        checkTotal(
          this.checks,
          n,
          name,
          p.amount,
          sums.discount.abs(),
          (d) => abs(d).equals(abs(sums.discount)) || abs(d).equals(sums.allDiscounts),
        );
      else throw fault('UNSUPPORTED_FORMAT', n, `footer states ${name}, a total this parser cannot check`);
    }
  }
}

/** Picks the detail entry of an Alipay .csv.zip (not the 汇总 one), as dax-pay does. */
export function isAlipayDetailEntry(name: string): boolean {
  return (
    name.endsWith('_业务明细.csv') ||
    (name.endsWith('.csv') && name.includes('业务明细') && !name.includes('汇总'))
  );
}
