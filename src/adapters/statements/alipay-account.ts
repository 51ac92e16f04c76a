// Alipay account statement (账务明细, bill_type=signcustomer): every movement of the Alipay account —
// trade income, refunds, service fees (收费), payouts (提现) — with the balance after each. GBK CSV with
// `#` preamble and footer lines like the business detail, often inside a .csv.zip; numeric text fields
// are TAB-padded (Excel guard) and trimmed.
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
import { formatLocal, localToUtcIso } from './time.ts';

export const ALIPAY_ACCOUNT_TITLE = '#支付宝账务明细查询';
export const ALIPAY_ACCOUNT_HEADER =
  '账务流水号,业务流水号,商户订单号,商品名称,发生时间,对方账号,收入金额（+元）,支出金额（-元）,账户余额（元）,交易渠道,业务类型,备注'.split(
    ',',
  );
const INCOME = '收入金额（+元）';
const EXPENSE = '支出金额（-元）';
const BALANCE = '账户余额（元）';
const REQUIRED = ['账务流水号', '发生时间', INCOME, EXPENSE, '业务类型'];

/**
 * What a movement is, from 业务类型 and its direction: fees (收费, 服务费) whichever way, payouts (提现),
 * refunds paid out, trade income; anything else is plain income or expense.
 */
export function accountKind(type: string, income: boolean): StatementLineKind {
  if (/收费|服务费|手续费/.test(type)) return 'fee';
  if (/提现|结算/.test(type)) return income ? 'income' : 'settlement';
  if (type.includes('退款')) return income ? 'income' : 'refund';
  if (/交易|在线支付|收款/.test(type)) return income ? 'payment' : 'expense';
  return income ? 'income' : 'expense';
}

const LAYOUT: AlipayLayout = {
  title: ALIPAY_ACCOUNT_TITLE,
  notA: 'an Alipay account statement',
  bill: 'Alipay account statement',
  list: '账务明细列表',
  footers: '支出合计/收入合计',
  required: REQUIRED,
  header: 'account statement column header',
};

export class AlipayAccountParser extends AlipayParser implements RecordParser {
  readonly format = 'alipay-account' as const;
  private readonly income = { count: 0, sum: new Decimal(0), seen: false };
  private readonly expense = { count: 0, sum: new Decimal(0), seen: false };

  constructor(ctx: ParseContext) {
    super(ctx, LAYOUT);
  }

  complete(): boolean {
    return this.income.seen && this.expense.seen;
  }

  /** A money column in yuan with two decimals; `sign` is the only sign it may print (收入 +, 支出 −). */
  private money(f: string[], name: string, sign: '+' | '-' | 'any', n: number): Decimal {
    const t = this.get(f, name);
    if (t === '') return new Decimal(0);
    if (
      !hasForm(t, YUAN_2_SIGNED) ||
      (sign === '+' && t.startsWith('-')) ||
      (sign === '-' && t.startsWith('+'))
    )
      throw fault(
        'MALFORMED_LINE',
        n,
        `${name} '${t}' is not in the layout's form (${describeForm(YUAN_2_SIGNED)}, ${sign === 'any' ? 'either sign' : `sign ${sign} or none`})`,
      );
    return new Decimal(t);
  }

  protected row(f: string[], rec: RawRecord): StatementLine {
    const n = rec.lineNo;
    const inc = this.money(f, INCOME, '+', n).abs();
    const exp = this.money(f, EXPENSE, '-', n).abs();
    if (inc.isZero() === exp.isZero())
      throw fault(
        'MALFORMED_LINE',
        n,
        `a row moves money one way: ${INCOME} or ${EXPENSE}, not ${inc.isZero() ? 'neither' : 'both'}`,
      );
    const income = !inc.isZero();
    const amount = income ? inc : exp;
    const side = income ? this.income : this.expense;
    side.count++;
    side.sum = side.sum.plus(amount);

    const local = this.time(f, '发生时间', n);
    const entryId = this.get(f, '账务流水号');
    if (!entryId) throw fault('MALFORMED_LINE', n, '账务流水号 is empty');
    const type = this.get(f, '业务类型');
    const kind = accountKind(type, income);
    const localTime = formatLocal(local);
    const line: StatementLine = {
      party: 'channel',
      source: 'alipay',
      format: 'alipay-account',
      kind,
      lineNo: n,
      raw: rec.text,
      amount: money2(amount),
      occurredAt: localToUtcIso(local, this.ctx.timeZone),
      localTime,
      businessDate: localTime.slice(0, 10),
      tradeType: type,
      entryId,
    };
    if (kind === 'fee') line.fee = money2(income ? amount.negated() : amount);
    const balance = this.get(f, BALANCE);
    if (balance) line.balanceAfter = money2(this.money(f, BALANCE, 'any', n));
    this.optional(line, f, [
      ['channelTxnId', '业务流水号'],
      ['merchantOrderNo', '商户订单号'],
      ['payChannel', '交易渠道'],
      ['attach', '备注'],
    ]);
    if (this.head.account) line.merchantId = this.head.account;
    if (this.ctx.hospitalId) line.hospitalId = this.ctx.hospitalId;
    return line;
  }

  /** `#支出合计：N笔，共X元` / `#收入合计：N笔，共X元`: both counts and both sums are checked. */
  protected totals(f: AlipayFooter, n: number): void {
    const side = f.label === '收入' ? this.income : f.label === '支出' ? this.expense : undefined;
    if (!side)
      throw fault('UNSUPPORTED_FORMAT', n, `footer states ${f.label}合计, which this parser cannot check`);
    side.seen = true;
    this.stated += 1 + f.parts.length;
    checkTotal(this.checks, n, `${f.label}合计笔数`, f.count, new Decimal(side.count));
    for (const p of f.parts) {
      if (p.name !== '')
        throw fault('UNSUPPORTED_FORMAT', n, `footer states ${p.name}, a total this parser cannot check`);
      if (!hasForm(p.amount, YUAN_2_SIGNED))
        throw fault('MALFORMED_LINE', n, `共${p.amount}元 is not in the layout's form (yuan, 2 decimals)`);
      // 支出合计 may print its sum negative, like the column's (-元) heading says: compare magnitudes.
      const ok = (d: Decimal) => (f.label === '收入' ? d.equals(side.sum) : d.abs().equals(side.sum));
      checkTotal(this.checks, n, `${f.label}合计金额`, p.amount, side.sum, ok);
    }
  }
}

/** Picks the detail entry of an account statement .csv.zip (not the 汇总 one). */
export function isAlipayAccountEntry(name: string): boolean {
  return name.endsWith('.csv') && name.includes('账务明细') && !name.includes('汇总');
}
