// Builders for account statements in the channels' published layouts: the WeChat Pay fund-flow bill
// (资金账单) and the Alipay account statement (账务明细). Rows are given as the file prints them.
import { Decimal } from 'decimal.js';
import iconv from 'iconv-lite';
import {
  ALIPAY_ACCOUNT_HEADER,
  ALIPAY_ACCOUNT_TITLE,
  WECHAT_FUNDFLOW_HEADER,
  WECHAT_FUNDFLOW_SUMMARY_HEADER,
  zipGbk,
} from '../../../src/adapters/statements/index.ts';

export interface FundFlowRow {
  at: string;
  txn: string;
  entry: string;
  name: string;
  type: string;
  dir: '收入' | '支出';
  amount: string;
  balance: string;
  voucher: string;
}

/** A fund-flow day: two payments, a refund, their fees (one returned), and the previous day's payout. */
export const FUND_FLOW_DAY: FundFlowRow[] = [
  [
    '2024-05-01 08:01:37',
    '4200001900000000000000000001',
    '1000001',
    '交易',
    '交易',
    '收入',
    '37.13',
    '1037.13',
    'P0001',
  ],
  [
    '2024-05-01 08:01:37',
    '4200001900000000000000000001',
    '1000002',
    '交易',
    '扣除交易手续费',
    '支出',
    '0.22',
    '1036.91',
    'P0001',
  ],
  [
    '2024-05-01 09:15:00',
    '4200001900000000000000000002',
    '1000003',
    '交易',
    '交易',
    '收入',
    '100.00',
    '1136.91',
    'P0002',
  ],
  [
    '2024-05-01 09:15:00',
    '4200001900000000000000000002',
    '1000004',
    '交易',
    '扣除交易手续费',
    '支出',
    '0.60',
    '1136.31',
    'P0002',
  ],
  [
    '2024-05-01 10:00:00',
    '50300000000000000000000001',
    '1000005',
    '退款',
    '退款',
    '支出',
    '50.00',
    '1086.31',
    'R0002',
  ],
  [
    '2024-05-01 10:00:00',
    '50300000000000000000000001',
    '1000006',
    '退款',
    '退还交易手续费',
    '收入',
    '0.30',
    '1086.61',
    'R0002',
  ],
  ['2024-05-01 11:00:00', '', '1000007', '提现', '提现', '支出', '1000.00', '86.61', 'W20240501'],
].map(([at, txn, entry, name, type, dir, amount, balance, voucher]) => ({
  at: at!,
  txn: txn!,
  entry: entry!,
  name: name!,
  type: type!,
  dir: dir as '收入' | '支出',
  amount: amount!,
  balance: balance!,
  voucher: voucher!,
}));

/** The bill's text; `summary` overrides the computed summary row's values by column name. */
export function fundFlowBill(
  rows: readonly FundFlowRow[] = FUND_FLOW_DAY,
  opts: { eol?: string; summary?: Record<string, string>; header?: string } = {},
): string {
  const eol = opts.eol ?? '\r\n';
  const out = [opts.header ?? WECHAT_FUNDFLOW_HEADER.join(',')];
  const sums = { 收入: new Decimal(0), 支出: new Decimal(0) };
  const counts = { 收入: 0, 支出: 0 };
  for (const r of rows) {
    // A row of another direction (a malformed copy) counts on neither side.
    if (r.dir in sums) {
      sums[r.dir] = sums[r.dir].plus(r.amount);
      counts[r.dir]++;
    }
    const f = [r.at, r.txn, r.entry, r.name, r.type, r.dir, r.amount, r.balance, 'system', '', r.voucher];
    out.push(f.map((x) => `\`${x}`).join(','));
  }
  const summary: Record<string, string> = {
    资金流水总笔数: String(rows.length),
    收入笔数: String(counts.收入),
    收入金额: sums.收入.toFixed(2),
    支出笔数: String(counts.支出),
    支出金额: sums.支出.toFixed(2),
    ...opts.summary,
  };
  out.push(WECHAT_FUNDFLOW_SUMMARY_HEADER.join(','));
  out.push(WECHAT_FUNDFLOW_SUMMARY_HEADER.map((c) => `\`${summary[c]}`).join(','));
  return out.join(eol) + eol;
}

export interface AccountRow {
  entry: string;
  txn: string;
  order: string;
  at: string;
  income: string;
  expense: string;
  balance: string;
  type: string;
}

export const ALIPAY_ACCOUNT = '20881234123412340156';

/** An Alipay account day: a payment and its service fee, a refund, a fee returned, a payout. */
export const ACCOUNT_DAY: AccountRow[] = [
  [
    '20240501000001',
    '2024050122001400000000000001',
    'P0001',
    '2024-05-01 08:01:37',
    '+37.13',
    '0.00',
    '537.13',
    '在线支付',
  ],
  [
    '20240501000002',
    '2024050122001400000000000001',
    'P0001',
    '2024-05-01 08:01:37',
    '0.00',
    '-0.22',
    '536.91',
    '收费',
  ],
  [
    '20240501000003',
    '2024050122001400000000000002',
    'P0002',
    '2024-05-01 09:15:00',
    '+100.00',
    '0.00',
    '636.91',
    '在线支付',
  ],
  [
    '20240501000004',
    '2024050122001400000000000002',
    'P0002',
    '2024-05-01 10:00:00',
    '0.00',
    '-50.00',
    '586.91',
    '交易退款',
  ],
  [
    '20240501000005',
    '2024050122001400000000000002',
    'P0002',
    '2024-05-01 10:00:00',
    '+0.30',
    '0.00',
    '587.21',
    '收费',
  ],
  ['20240501000006', '', '', '2024-05-01 11:00:00', '0.00', '-500.00', '87.21', '提现'],
].map(([entry, txn, order, at, income, expense, balance, type]) => ({
  entry: entry!,
  txn: txn!,
  order: order!,
  at: at!,
  income: income!,
  expense: expense!,
  balance: balance!,
  type: type!,
}));

/** The statement's text (CRLF, TAB before the commas of numeric text fields, as Alipay prints them). */
export function accountStatement(
  rows: readonly AccountRow[] = ACCOUNT_DAY,
  opts: { footers?: string[]; date?: string } = {},
): string {
  const date = opts.date ?? '2024年05月01日';
  const next = '2024年05月02日';
  const out = [
    ALIPAY_ACCOUNT_TITLE,
    `#账号：[${ALIPAY_ACCOUNT}]`,
    `#起始日期：[${date} 00:00:00]   终止日期：[${next} 00:00:00]`,
    `#${'-'.repeat(41)}账务明细列表${'-'.repeat(40)}`,
    ALIPAY_ACCOUNT_HEADER.join(','),
  ];
  let inc = new Decimal(0);
  let exp = new Decimal(0);
  let ni = 0;
  let ne = 0;
  for (const r of rows) {
    if (!new Decimal(r.income).isZero()) {
      inc = inc.plus(r.income);
      ni++;
    }
    if (!new Decimal(r.expense).isZero()) {
      exp = exp.plus(new Decimal(r.expense).abs());
      ne++;
    }
    out.push(
      [
        `${r.entry}\t`,
        `${r.txn}\t`,
        `${r.order}\t`,
        '门诊缴费',
        r.at,
        '*伟(139******07)\t',
        r.income,
        r.expense,
        r.balance,
        '支付宝\t',
        r.type,
        '',
      ].join(','),
    );
  }
  out.push(`#${'-'.repeat(41)}账务明细列表结束${'-'.repeat(36)}`);
  out.push(
    ...(opts.footers ?? [
      `#支出合计：${ne}笔，共-${exp.toFixed(2)}元`,
      `#收入合计：${ni}笔，共${inc.toFixed(2)}元`,
    ]),
  );
  out.push('#导出时间：[2024年05月02日 09:12:33]');
  return `${out.join('\r\n')}\r\n`;
}

export const gbk = (s: string): Buffer => iconv.encode(s, 'gbk');

/** The .csv.zip Alipay ships: the detail and the 汇总 entry, GBK names without the UTF-8 flag. */
export function accountZip(text: string): Buffer {
  const base = `${ALIPAY_ACCOUNT}_20240501`;
  return zipGbk([
    { name: `${base}_账务明细(汇总).csv`, data: gbk('#支付宝账务汇总查询\r\n') },
    { name: `${base}_账务明细.csv`, data: gbk(text) },
  ]);
}
