// The layouts the channels really issue: refunds in REFUND-type WeChat bills, the acquirer-issued WeChat
// bill (integer amounts, unit by configuration), amount forms, and Alipay footers worded otherwise.
import { Decimal } from 'decimal.js';
import iconv from 'iconv-lite';
import { describe, expect, it } from 'vitest';
import {
  bufferSource,
  validateStatement,
  writeAlipayBill,
  writeWechatBill,
} from '../../../src/adapters/statements/index.ts';
import type { BillEntry } from '../../../src/adapters/statements/writers/entry.ts';
import { WechatBillParser } from '../../../src/adapters/statements/wechat.ts';
import type { StatementLine } from '../../../src/domain/reconciliation/statement-line.ts';
import { dayEntries } from './builders.ts';
import { refusal, verified } from './mutations.ts';

const M = '1900000109';
const without = ({ raw: _r, lineNo: _n, ...rest }: StatementLine) => rest;

/** Refunds accepted on 2024-05-02 of payments made on 2024-05-01 (one 23:59:50, refunded 00:00:10). */
function refundsOfEarlierPayments(): BillEntry[] {
  return dayEntries(6, 3)
    .filter((e) => e.kind === 'refund')
    .map((e, i) => ({
      ...e,
      paidAt: '2024-04-30T16:30:00.000Z',
      occurredAt: i === 0 ? '2024-05-01T16:00:10.000Z' : `2024-05-02T0${i}:00:00.000Z`,
    }));
}

describe('refunds are dated by their own time in every WeChat bill type', () => {
  it('gives the same business date and the same line from an ALL bill and a REFUND bill', async () => {
    const refunds = refundsOfEarlierPayments();
    const payments = dayEntries(2, 99).map((e) => ({ ...e, occurredAt: '2024-05-02T01:00:00.000Z' }));
    const all = await verified(
      writeWechatBill([...payments, ...refunds], { merchantId: M, billType: 'ALL' }),
    );
    const ref = await verified(writeWechatBill(refunds, { merchantId: M, billType: 'REFUND' }));
    const fromAll = all.lines.filter((l) => l.kind === 'refund');
    expect(fromAll).toHaveLength(2);
    expect(ref.lines.map(without)).toEqual(fromAll.map(without));
    expect(ref.lines.map((l) => l.businessDate)).toEqual(['2024-05-02', '2024-05-02']);
    expect(ref.lines[0]!.localTime).toBe('2024-05-02 00:00:10');
    // The keys an importer de-duplicates on are the same.
    const key = (l: StatementLine) => [
      l.refundNo,
      l.channelRefundId,
      l.merchantOrderNo,
      l.channelTxnId,
      l.amount,
    ];
    expect(ref.lines.map(key)).toEqual(fromAll.map(key));
    expect(ref.summary.businessDate).toBe('2024-05-02');
    expect(all.summary.businessDate).toBe('2024-05-02');
  });

  it('accepts a REFUND bill refunding an earlier day’s payment under --date, and refuses it for the payment day', async () => {
    const text = writeWechatBill(refundsOfEarlierPayments(), { merchantId: M, billType: 'REFUND' });
    expect(text.split('\r\n')[1]!.startsWith('`2024-05-01 00:30:00,')).toBe(true); // 交易时间 = the payment's
    const s = await validateStatement(bufferSource('r.csv', text), { businessDate: '2024-05-02' });
    expect(s).toMatchObject({ businessDate: '2024-05-02', lines: 2 });
    const e = await refusal(text, { businessDate: '2024-05-01' });
    expect(e.code).toBe('WRONG_DATE');
    expect(e.reason).toContain('退款申请时间 2024-05-02 00:00:10');
  });

  it('dates by the application, not the later success, and by the success time only when no application time is printed', async () => {
    const text = writeWechatBill(refundsOfEarlierPayments(), { merchantId: M, billType: 'REFUND' });
    const rows = text.split('\r\n');
    const header = rows[0]!.split(',');
    const applied = header.indexOf('退款申请时间');
    const row = rows[1]!.split(',`');
    row[applied + 1] = '2024-05-04 10:00:00'; // 退款成功时间: two days later (bank card refund)
    const late = [rows[0], row.join(',`'), ...rows.slice(2)].join('\r\n');
    expect((await verified(late)).lines[0]!.businessDate).toBe('2024-05-02');
    row[applied] = '';
    const onlySuccess = [rows[0], row.join(',`'), ...rows.slice(2)].join('\r\n');
    expect((await verified(onlySuccess)).lines[0]!.businessDate).toBe('2024-05-04');
    row[applied + 1] = '';
    const neither = [rows[0], row.join(',`'), ...rows.slice(2)].join('\r\n');
    expect((await refusal(neither)).reason).toContain('without 退款申请时间 or 退款成功时间');
  });

  it('re-reads rows stored under row version 1 as version 1 read them (交易时间)', () => {
    const text = writeWechatBill(refundsOfEarlierPayments(), { merchantId: M, billType: 'REFUND' });
    const [header, first] = text.split('\r\n');
    const v1 = new WechatBillParser({ file: 'r.csv', timeZone: 'Asia/Shanghai', rowVersion: 1 });
    v1.readHeader({ lineNo: 1, text: header! });
    expect(v1.readRow({ lineNo: 2, text: first! }).businessDate).toBe('2024-05-01');
    const v2 = new WechatBillParser({ file: 'r.csv', timeZone: 'Asia/Shanghai' });
    v2.readHeader({ lineNo: 1, text: header! });
    expect(v2.readRow({ lineNo: 2, text: first! }).businessDate).toBe('2024-05-02');
  });
});

// A bill issued through an acquirer bank: no 特约商户号, integer amounts, fee rate without `%`.
const ACQUIRER_HEADER =
  '交易时间,公众账号ID,商户号,设备号,微信订单号,商户订单号,用户标识,交易类型,交易状态,付款银行,货币种类,应结订单金额,代金券金额,微信退款单号,商户退款单号,退款金额,充值券退款金额,退款类型,退款状态,商品名称,商户数据包,手续费,费率,订单金额,申请退款金额,费率备注';
const acquirerRow = (
  time: string,
  order: string,
  status: string,
  settle: string,
  refund: string,
  fee: string,
) =>
  [
    time,
    'wx2421b1c4370ec43b',
    M,
    '',
    `4200${order}`,
    order,
    'oUpF8u',
    'JSAPI',
    status,
    'CFT',
    'CNY',
    settle,
    '0',
    status === 'REFUND' ? `5030${order}` : '0',
    status === 'REFUND' ? `R${order}` : '0',
    refund,
    '0',
    status === 'REFUND' ? 'ORIGINAL' : '',
    status === 'REFUND' ? 'SUCCESS' : '',
    '门诊缴费',
    '',
    fee,
    '0.6',
    settle,
    refund,
    '',
  ]
    .map((f) => `\`${f}`)
    .join(',');

function acquirerBill(summary = '`3,`2500,`1000,`0,`9,`2500,`1000'): string {
  return [
    ACQUIRER_HEADER,
    acquirerRow('2024-05-01 08:00:00', 'P1', 'SUCCESS', '1500', '0', '9'),
    acquirerRow('2024-05-01 09:00:00', 'P2', 'SUCCESS', '1000', '0', '6'),
    acquirerRow('2024-05-01 10:00:00', 'P1', 'REFUND', '0', '1000', '-6'),
    '总交易单数,应结订单总金额,退款总金额,充值券退款总金额,手续费总金额,订单总金额,申请退款总金额',
    summary,
  ].join('\n');
}

describe('the acquirer-issued WeChat bill: the amounts’ unit comes from configuration', () => {
  it('reads integer amounts as fen when configured so', async () => {
    const { lines, summary } = await verified(acquirerBill(), { amountUnit: 'fen' });
    expect(lines.map((l) => [l.kind, l.amount, l.fee, l.feeRate])).toEqual([
      ['payment', '15.00', '0.090000', '0.6'],
      ['payment', '10.00', '0.060000', '0.6'],
      ['refund', '10.00', '-0.060000', '0.6'],
    ]);
    expect(summary.checks).toHaveLength(7);
    expect(summary.totalsStated).toBe(7);
    expect(summary.checks.find((c) => c.name === '应结订单总金额')).toMatchObject({
      declared: '2500',
      computed: '2500',
    });
  });

  it('reads the same file as yuan when configured so', async () => {
    const { lines } = await verified(acquirerBill(), { amountUnit: 'yuan' });
    expect(lines.map((l) => l.amount)).toEqual(['1500.00', '1000.00', '1000.00']);
  });

  it('refuses it without a configured unit, never guessing', async () => {
    const e = await refusal(acquirerBill());
    expect(e).toMatchObject({ code: 'UNSUPPORTED_FORMAT', line: 1 });
    expect(e.reason).toContain('configure the unit');
  });

  it('refuses a decimal amount in a fen bill, and a wrong total in fen', async () => {
    const bad = acquirerBill().replace('`1500,`0,`0', '`15.00,`0,`0');
    const e = await refusal(bad, { amountUnit: 'fen' });
    expect(e).toMatchObject({ code: 'MALFORMED_LINE', line: 2 });
    expect(e.reason).toContain(
      "应结订单金额 '15.00' is not in the layout's form (fen, an integer, unsigned)",
    );
    const wrong = await refusal(acquirerBill('`3,`2501,`1000,`0,`9,`2500,`1000'), { amountUnit: 'fen' });
    expect(wrong.code).toBe('TOTALS_MISMATCH');
    expect(wrong.reason).toContain('应结订单总金额 is 2501 but the rows add up to 2500');
  });

  it('refuses a fen configuration for a bill that states yuan', async () => {
    const text = writeWechatBill(dayEntries(), { merchantId: M });
    expect((await refusal(text, { amountUnit: 'fen' })).code).toBe('UNSUPPORTED_FORMAT');
    expect((await verified(text, { amountUnit: 'yuan' })).lines).toHaveLength(8);
  });
});

describe('amounts must have the form their layout declares', () => {
  const text = writeWechatBill(dayEntries(), { merchantId: M, eol: '\n' });
  const rows = text.split('\n');
  const header = rows[0]!.split(',');
  const withField = (col: string, value: string) => {
    const f = rows[1]!.split(',`');
    f[header.indexOf(col)] = value;
    return [rows[0], f.join(',`'), ...rows.slice(2)].join('\n');
  };

  it('refuses an integer, a third decimal, a sign or a thousands separator in a current-layout bill, with line and reason', async () => {
    for (const v of ['37', '37.130', '+37.13', '-37.13', '3,7.13', '37.1']) {
      const e = await refusal(withField('应结订单金额', v));
      expect(e.code).toBe('MALFORMED_LINE');
      expect(e.line).toBe(2);
    }
    const e = await refusal(withField('应结订单金额', '37'));
    expect(e.reason).toBe("应结订单金额 '37' is not in the layout's form (yuan, 2 decimals, unsigned)");
    expect((await refusal(withField('手续费', '0.0100000'))).reason).toContain('手续费');
  });

  it('every summary total is checked and counted: "7 of 7"', async () => {
    const { summary } = await verified(text);
    expect(summary.totalsStated).toBe(7);
    expect(summary.checks).toHaveLength(7);
    const unknown = rows
      .slice(0, -3)
      .concat([`${rows.at(-3)},新总额`, `${rows.at(-2)},\`1.00`, ''])
      .join('\n');
    const e = await refusal(unknown);
    expect(e.code).toBe('UNSUPPORTED_FORMAT');
    expect(e.reason).toContain('新总额');
  });
});

describe('Alipay footers are checked on everything they state', () => {
  const entries = dayEntries(6, 3);
  const base = writeAlipayBill(entries, { account: '20881234123412340156', date: '2024-05-01' });
  const lines = iconv.decode(base, 'gbk').split('\r\n');
  const at = lines.findIndex((l) => l.startsWith('#交易合计'));
  const payments = entries.filter((e) => e.kind === 'payment');
  const gross = payments.reduce((a, e) => a.plus(e.grossAmount ?? e.amount), new Decimal(0));
  const worded = (amount: string, count = payments.length) => {
    const copy = [...lines];
    copy[at] = `#交易合计：${count}笔，交易金额共${amount}元，优惠金额共0.00元`;
    return iconv.encode(copy.join('\r\n'), 'gbk');
  };

  it('accepts 交易金额/优惠金额 when they agree, and says how many totals it checked', async () => {
    const ok = gross.toFixed(2);
    const { summary } = await verified(worded(ok), {}, 'a.csv');
    expect(summary.checks.map((c) => c.name)).toEqual(
      expect.arrayContaining(['交易合计笔数', '交易合计交易金额', '交易合计优惠金额']),
    );
    expect(summary.checks.length).toBe(summary.totalsStated);
  });

  it('refuses the same footer with a wrong amount (not only a wrong count)', async () => {
    const wrong = gross.plus('0.01').toFixed(2);
    const e = await refusal(worded(wrong), {}, 'a.csv');
    expect(e.code).toBe('TOTALS_MISMATCH');
    expect(e.reason).toContain('交易合计交易金额');
  });

  it('refuses a footer stating a total it cannot check', async () => {
    const copy = [...lines];
    copy[at] = `${copy[at]}，神秘金额共1.00元`;
    const e = await refusal(iconv.encode(copy.join('\r\n'), 'gbk'), {}, 'a.csv');
    expect(e.code).toBe('UNSUPPORTED_FORMAT');
  });
});
