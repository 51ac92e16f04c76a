// WeChat Pay fund-flow bill (资金账单: v2 downloadfundflow, v3 fundflowbill): the merchant account's
// movements — trade income, refunds, fees charged and returned, payouts (提现) — with the balance after
// each. Same text rules as the trade bill: a plain header, rows whose fields each carry one leading
// backtick, then a summary header and one summary row (format-fundflow.html, fund-bill.html).
import type { StatementLine, StatementLineKind } from '../../domain/reconciliation/statement-line.ts';
import { UnitSum, formatFen } from '../../domain/reconciliation/units.ts';
import { type AmountForm, YUAN_2, YUAN_2_SIGNED, readUnits } from './amount.ts';
import { HeaderColumns } from './columns.ts';
import { fault } from './errors.ts';
import type { ParseContext, ParserResult, RawRecord, RecordParser } from './parser.ts';
import { localToUtcIso, parseLocal } from './time.ts';
import { backtickFields, summaryValues, WechatTextParser } from './wechat-text.ts';

export const WECHAT_FUNDFLOW_HEADER =
  '记账时间,微信支付业务单号,资金流水单号,业务名称,业务类型,收支类型,收支金额(元),账户结余(元),资金变更提交申请人,备注,业务凭证号'.split(
    ',',
  );
export const WECHAT_FUNDFLOW_SUMMARY_HEADER = '资金流水总笔数,收入笔数,收入金额,支出笔数,支出金额'.split(',');

/** Amount forms: 收支金额 unsigned (收支类型 gives the direction), 账户结余 signed; yuan, two decimals. */
const AMOUNT: AmountForm = YUAN_2;
const BALANCE: AmountForm = YUAN_2_SIGNED;

/** Some copies print full-width `（元）`: one spelling for the column map. */
function columnName(s: string): string {
  return s.trim().replaceAll('（', '(').replaceAll('）', ')');
}

const REQUIRED = [
  '记账时间',
  '微信支付业务单号',
  '资金流水单号',
  '业务名称',
  '业务类型',
  '收支类型',
  '收支金额(元)',
];

/**
 * What a movement is, from 业务名称/业务类型 and its direction: fees (扣除/退还交易手续费) whichever way,
 * trade income, refunds paid out and payouts (提现) by name; anything else is plain income or expense.
 */
export function fundFlowKind(name: string, type: string, income: boolean): StatementLineKind {
  if (type.includes('手续费') || name.includes('手续费')) return 'fee';
  if (name.includes('提现') || type.includes('提现') || name.includes('结算') || type.includes('结算'))
    return income ? 'income' : 'settlement';
  if (type.includes('退款') || name.includes('退款')) return income ? 'income' : 'refund';
  if (type === '交易' || name === '交易') return income ? 'payment' : 'expense';
  return income ? 'income' : 'expense';
}

export class WechatFundFlowParser extends WechatTextParser implements RecordParser {
  readonly format = 'wechat-fundflow' as const;
  private cols = new HeaderColumns([]);
  private readonly income = { count: 0, sum: new UnitSum() };
  private readonly expense = { count: 0, sum: new UnitSum() };

  constructor(ctx: ParseContext) {
    super(ctx, '资金流水总笔数');
  }

  protected header(rec: RawRecord): void {
    if (rec.text.startsWith('<xml') || rec.text.startsWith('{'))
      throw fault('MALFORMED_FILE', rec.lineNo, 'WeChat Pay error response instead of a fund-flow bill');
    const names = rec.text.split(',').map(columnName);
    if (names[0] !== '记账时间')
      throw fault(
        'MISSING_HEADER',
        rec.lineNo,
        'not a WeChat Pay fund-flow bill: the first line must be the 记账时间,… header',
      );
    this.cols = new HeaderColumns(names).require(REQUIRED, rec.lineNo, 'fund-flow bill header');
  }

  private at(f: string[], name: string): string {
    return this.cols.cell(f, name);
  }

  protected row(rec: RawRecord): StatementLine {
    const n = rec.lineNo;
    const f = backtickFields(rec, this.cols.width);
    const timeText = this.at(f, '记账时间');
    const local = parseLocal(timeText, 'yyyy-MM-dd HH:mm:ss');
    if (!local) throw fault('MALFORMED_LINE', n, `记账时间 is not yyyy-MM-dd HH:mm:ss: '${timeText}'`);
    const businessDate = timeText.slice(0, 10);
    this.dates.add(businessDate);
    if (this.ctx.businessDate && businessDate !== this.ctx.businessDate)
      throw fault('WRONG_DATE', n, `记账时间 ${timeText} is not on ${this.ctx.businessDate}`);
    const direction = this.at(f, '收支类型');
    if (direction !== '收入' && direction !== '支出')
      throw fault('MALFORMED_LINE', n, `收支类型 must be 收入 or 支出, not '${direction}'`);
    const income = direction === '收入';
    const fen = readUnits(this.at(f, '收支金额(元)'), AMOUNT, 2, '收支金额(元)', n);
    const side = income ? this.income : this.expense;
    side.count++;
    side.sum.add(fen);
    const name = this.at(f, '业务名称');
    const type = this.at(f, '业务类型');
    const kind = fundFlowKind(name, type, income);
    const entryId = this.at(f, '资金流水单号');
    if (!entryId) throw fault('MALFORMED_LINE', n, '资金流水单号 is empty');
    const amount = formatFen(fen);
    const line: StatementLine = {
      party: 'channel',
      source: 'wechat',
      format: 'wechat-fundflow',
      kind,
      lineNo: n,
      raw: rec.text,
      amount,
      occurredAt: localToUtcIso(local, this.ctx.timeZone),
      localTime: timeText,
      businessDate,
      tradeType: type,
      status: name,
      entryId,
    };
    const txn = this.at(f, '微信支付业务单号');
    if (txn) line.channelTxnId = txn;
    const voucher = this.at(f, '业务凭证号');
    if (voucher) {
      line.voucherNo = voucher;
      // 业务凭证号 is the merchant's order no. on trade rows, its refund no. on refund rows.
      if (kind === 'payment') line.merchantOrderNo = voucher;
      if (kind === 'refund') line.refundNo = voucher;
    }
    // A fee charged is a cost (+), a fee returned comes back (−), as on the trade bill's lines.
    if (kind === 'fee') line.fee = income ? `-${amount}` : amount;
    const balance = this.at(f, '账户结余(元)');
    if (balance) line.balanceAfter = formatFen(readUnits(balance, BALANCE, 2, '账户结余(元)', n));
    const who = this.at(f, '资金变更提交申请人');
    if (who) line.operatorId = who;
    const note = this.at(f, '备注');
    if (note) line.attach = note;
    if (this.ctx.merchantId) line.merchantId = this.ctx.merchantId;
    if (this.ctx.hospitalId) line.hospitalId = this.ctx.hospitalId;
    return line;
  }

  protected summary(rec: RawRecord, columns: readonly string[]): void {
    const n = rec.lineNo;
    const values = summaryValues(rec, columns);
    const rows = this.income.count + this.expense.count;
    columns.forEach((col, i) => {
      const text = values[i]!;
      const count =
        col === '资金流水总笔数'
          ? rows
          : col === '收入笔数'
            ? this.income.count
            : col === '支出笔数'
              ? this.expense.count
              : undefined;
      if (count !== undefined) {
        if (!/^\d+$/.test(text)) throw fault('MALFORMED_LINE', n, `${col} is not a count: '${text}'`);
        this.check(n, col, text, Number(text) === count, String(count));
        return;
      }
      const sum = col === '收入金额' ? this.income.sum : col === '支出金额' ? this.expense.sum : undefined;
      if (!sum)
        throw fault('UNSUPPORTED_FORMAT', n, `summary states ${col}, a total this parser cannot check`);
      const declared = readUnits(text, AMOUNT, 2, col, n);
      const computed = sum.units();
      this.check(n, col, text, BigInt(declared) === computed, sum.decimal(2).toFixed(2));
    });
  }

  private check(line: number, name: string, declared: string, agrees: boolean, computed: string): void {
    if (!agrees)
      throw fault('TOTALS_MISMATCH', line, `${name} is ${declared} but the rows add up to ${computed}`);
    this.checks.push({ name, declared, computed });
  }

  finish(lastLineNo: number): ParserResult {
    // The bill names no merchant: the one it was fetched for is the caller's.
    return this.result(lastLineNo, 'fund-flow bill', this.ctx.merchantId);
  }
}
