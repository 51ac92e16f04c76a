import { gzipSync } from 'node:zlib';
import { describe, expect, it } from 'vitest';
import type { ParseOptions } from '../../../src/adapters/statements/index.ts';
import {
  ACCOUNT_DAY,
  ALIPAY_ACCOUNT,
  FUND_FLOW_DAY,
  accountStatement,
  accountZip,
  fundFlowBill,
  gbk,
} from './accounts.ts';
import { refusal as refused, verified } from './mutations.ts';

// (data, name, options): the file name matters to detection here.
const parse = (data: string | Uint8Array, name: string, opts: ParseOptions = {}) =>
  verified(data, opts, name);
const refusal = (data: string | Uint8Array, name: string, opts: ParseOptions = {}) =>
  refused(data, opts, name);

describe('WeChat Pay fund-flow bill (资金账单)', () => {
  it('reads income, fees charged and returned, a refund and a payout, with the balance after each', async () => {
    const { lines, summary } = await parse(fundFlowBill(), 'fundflow_20240501.csv', {
      merchantId: '1900000109',
    });
    expect(summary).toMatchObject({
      format: 'wechat-fundflow',
      businessDate: '2024-05-01',
      lines: 7,
      totalsStated: 5,
    });
    expect(summary.checks.map((c) => c.name)).toEqual([
      '资金流水总笔数',
      '收入笔数',
      '收入金额',
      '支出笔数',
      '支出金额',
    ]);
    expect(lines.map((l) => [l.kind, l.amount, l.fee])).toEqual([
      ['payment', '37.13', undefined],
      ['fee', '0.22', '0.22'],
      ['payment', '100.00', undefined],
      ['fee', '0.60', '0.60'],
      ['refund', '50.00', undefined],
      ['fee', '0.30', '-0.30'],
      ['settlement', '1000.00', undefined],
    ]);
    expect(lines[0]).toMatchObject({
      merchantOrderNo: 'P0001',
      channelTxnId: '4200001900000000000000000001',
      entryId: '1000001',
      balanceAfter: '1037.13',
      occurredAt: '2024-05-01T00:01:37.000Z',
      merchantId: '1900000109',
    });
    expect(lines[4]).toMatchObject({ refundNo: 'R0002', balanceAfter: '1086.31' });
    expect(summary.counts).toMatchObject({ payment: 2, refund: 1, fee: 3, settlement: 1 });
    expect(summary.amounts.settlement).toBe('1000.00');
  });

  it('reads the gzip copy and a header printing full-width （元）, both auto-detected', async () => {
    const plain = await parse(fundFlowBill(), 'f.csv');
    const gz = await parse(gzipSync(Buffer.from(fundFlowBill(FUND_FLOW_DAY, { eol: '\n' }))), 'f.csv.gz');
    expect(gz.summary.format).toBe('wechat-fundflow');
    expect(gz.lines.map((l) => l.amount)).toEqual(plain.lines.map((l) => l.amount));
    const wide = fundFlowBill(FUND_FLOW_DAY, {
      header:
        '记账时间,微信支付业务单号,资金流水单号,业务名称,业务类型,收支类型,收支金额（元）,账户结余（元）,资金变更提交申请人,备注,业务凭证号',
    });
    expect((await parse(wide, 'f.csv')).lines).toHaveLength(7);
  });

  it('refuses a summary that disagrees, in any of its totals', async () => {
    for (const [col, v] of [
      ['资金流水总笔数', '8'],
      ['收入笔数', '4'],
      ['收入金额', '137.44'],
      ['支出笔数', '3'],
      ['支出金额', '1050.81'],
    ] as const) {
      const e = await refusal(fundFlowBill(FUND_FLOW_DAY, { summary: { [col]: v } }), 'f.csv');
      expect(e.code).toBe('TOTALS_MISMATCH');
      expect(e.reason).toContain(col);
    }
    const gz = gzipSync(Buffer.from(fundFlowBill(FUND_FLOW_DAY, { summary: { 收入金额: '1.00' } })));
    expect((await refusal(gz, 'f.csv.gz')).code).toBe('TOTALS_MISMATCH');
  });

  it('refuses amounts not in yuan with two decimals, a cut file and another day under --date', async () => {
    const rows = FUND_FLOW_DAY.map((r, i) => (i === 2 ? { ...r, amount: '100' } : r));
    const e = await refusal(fundFlowBill(rows, { summary: { 收入金额: '137.43' } }), 'f.csv');
    expect(e).toMatchObject({ code: 'MALFORMED_LINE', line: 4 });
    expect(e.reason).toContain("收支金额(元) '100' is not in the layout's form (yuan, 2 decimals, unsigned)");
    const text = fundFlowBill();
    expect((await refusal(text.slice(0, text.indexOf('资金流水总笔数')), 'f.csv')).code).toBe('TRUNCATED');
    expect((await refusal(text, 'f.csv', { businessDate: '2024-05-02' })).code).toBe('WRONG_DATE');
    const odd = fundFlowBill(FUND_FLOW_DAY.map((r, i) => (i === 0 ? { ...r, dir: '其他' as '收入' } : r)));
    expect((await refusal(odd, 'f.csv')).reason).toContain('收支类型');
  });
});

describe('Alipay account statement (账务明细)', () => {
  it('reads a GBK statement: payments, fees both ways, a refund and a payout, with balances', async () => {
    const { lines, summary } = await parse(gbk(accountStatement()), 'a.csv', {
      merchantId: '2088123412341234',
      businessDate: '2024-05-01',
    });
    expect(summary).toMatchObject({
      format: 'alipay-account',
      merchantId: ALIPAY_ACCOUNT,
      businessDate: '2024-05-01',
      lines: 6,
      totalsStated: 4,
    });
    expect(summary.checks.map((c) => c.name)).toEqual([
      '支出合计笔数',
      '支出合计金额',
      '收入合计笔数',
      '收入合计金额',
    ]);
    expect(lines.map((l) => [l.kind, l.amount, l.fee ?? '', l.balanceAfter])).toEqual([
      ['payment', '37.13', '', '537.13'],
      ['fee', '0.22', '0.22', '536.91'],
      ['payment', '100.00', '', '636.91'],
      ['refund', '50.00', '', '586.91'],
      ['fee', '0.30', '-0.30', '587.21'],
      ['settlement', '500.00', '', '87.21'],
    ]);
    expect(lines[0]).toMatchObject({
      entryId: '20240501000001',
      channelTxnId: '2024050122001400000000000001',
      merchantOrderNo: 'P0001',
      payChannel: '支付宝',
      merchantId: ALIPAY_ACCOUNT,
    });
  });

  it('reads the .csv.zip (GBK entry names, the 汇总 entry first), auto-detected', async () => {
    const { lines, summary } = await parse(
      accountZip(accountStatement()),
      `${ALIPAY_ACCOUNT}_20240501.csv.zip`,
    );
    expect(summary.format).toBe('alipay-account');
    expect(lines).toHaveLength(ACCOUNT_DAY.length);
  });

  it('refuses footers that disagree (GBK and zip), half-stated or unknown footers and a missing footer', async () => {
    const wrong = accountStatement(ACCOUNT_DAY, {
      footers: ['#支出合计：3笔，共-550.22元', '#收入合计：3笔，共137.44元'],
    });
    const e = await refusal(gbk(wrong), 'a.csv');
    expect(e.code).toBe('TOTALS_MISMATCH');
    expect(e.reason).toContain('收入合计金额 is 137.44 but the rows add up to 137.43');
    expect((await refusal(accountZip(wrong), 'a.csv.zip')).code).toBe('TOTALS_MISMATCH');
    const count = accountStatement(ACCOUNT_DAY, {
      footers: ['#支出合计：2笔，共-550.22元', '#收入合计：3笔，共137.43元'],
    });
    expect((await refusal(gbk(count), 'a.csv')).reason).toContain('支出合计笔数');
    const unknown = accountStatement(ACCOUNT_DAY, {
      footers: ['#支出合计：3笔，共-550.22元，冻结共0.00元', '#收入合计：3笔，共137.43元'],
    });
    expect((await refusal(gbk(unknown), 'a.csv')).code).toBe('UNSUPPORTED_FORMAT');
    const one = accountStatement(ACCOUNT_DAY, { footers: ['#收入合计：3笔，共137.43元'] });
    expect((await refusal(gbk(one), 'a.csv')).code).toBe('TRUNCATED');
  });

  it('refuses amounts with the wrong sign or decimals, rows moving both ways, and another day', async () => {
    const bad = (i: number, r: Partial<(typeof ACCOUNT_DAY)[number]>) =>
      gbk(accountStatement(ACCOUNT_DAY.map((x, k) => (k === i ? { ...x, ...r } : x))));
    const e = await refusal(bad(0, { income: '-37.13' }), 'a.csv');
    expect(e).toMatchObject({ code: 'MALFORMED_LINE', line: 6 });
    expect((await refusal(bad(0, { income: '37.1' }), 'a.csv')).reason).toContain('not in the layout');
    expect((await refusal(bad(1, { income: '+1.00' }), 'a.csv')).reason).toContain('not both');
    expect((await refusal(bad(1, { at: '2024-05-02 00:00:00' }), 'a.csv')).code).toBe('WRONG_DATE');
    expect((await refusal(gbk(accountStatement()), 'a.csv', { businessDate: '2024-05-02' })).code).toBe(
      'WRONG_DATE',
    );
  });
});
