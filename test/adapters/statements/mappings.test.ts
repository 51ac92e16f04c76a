import ExcelJS from 'exceljs';
import iconv from 'iconv-lite';
import { describe, expect, it } from 'vitest';
import {
  ALLINPAY_POS_XLSX,
  type BillEntry,
  type ColumnMapping,
  HIS_CSV,
  HIS_JSON,
  INSURANCE_TSV,
  type ParseOptions,
  UNIONPAY_POS_CSV,
  bufferSource,
  detectFormat,
  parseStatement,
  validateStatement,
  writeAlipayBill,
  writeMappingCsv,
  writeMappingJson,
  writeMappingXlsx,
  writeWechatBill,
} from '../../../src/adapters/statements/index.ts';
import type { StatementLine } from '../../../src/domain/reconciliation/statement-line.ts';
import { dayEntries } from './builders.ts';
import { refusal as refused } from './mutations.ts';

async function lines(
  data: Uint8Array | string,
  opts: ParseOptions = {},
  name = 'f.csv',
): Promise<StatementLine[]> {
  const out: StatementLine[] = [];
  for await (const b of parseStatement(bufferSource(name, data, 89), opts)) out.push(...b);
  return out;
}

const refusal = (data: string | Uint8Array, opts: ParseOptions = {}, name = 'f.csv') =>
  refused(data, opts, name);

const posEntries = (): BillEntry[] =>
  dayEntries(5, 2).map((e, i) => ({
    ...e,
    merchantId: '898440358120001',
    referenceNo: `10${String(i).padStart(10, '0')}`,
    channelTxnId: `10${String(i).padStart(10, '0')}`,
    batchNo: '000012',
    voucherNo: String(100 + i).padStart(6, '0'),
    fee: e.kind === 'payment' ? '0.38' : '-0.10',
    status: '成功',
    tradeType: e.kind === 'payment' ? '消费' : '消费撤销',
  }));

describe('declarative mappings: bank / UnionPay', () => {
  it('reads a UnionPay POS CSV in GBK, with a totals row, by auto-detection', async () => {
    const e = posEntries();
    const csv = writeMappingCsv(UNIONPAY_POS_CSV, e);
    expect(iconv.decode(csv, 'gbk').split('\r\n')[0]).toContain('交易金额（元）');
    expect(detectFormat(csv.subarray(0, 4096), 'pos.csv')?.format).toBe('bank:unionpay-pos');
    const got = await lines(csv);
    expect(got.map((l) => [l.kind, l.amount, l.fee])).toEqual(e.map((x) => [x.kind, x.amount, x.fee]));
    expect(got[0]).toMatchObject({
      party: 'bank',
      source: 'unionpay',
      format: 'bank:unionpay-pos',
      terminalId: 'T1',
      batchNo: '000012',
      voucherNo: '000100',
      referenceNo: '100000000000',
      merchantId: '898440358120001',
      businessDate: '2024-05-01',
    });
    const s = await validateStatement(bufferSource('pos.csv', csv), {
      format: 'bank:unionpay-pos',
      merchantId: '898440358120001',
    });
    expect(s.checks.map((c) => c.name)).toEqual(['count', 'amount', 'fee']);
  });

  it('refuses a UnionPay CSV whose totals row disagrees, or which lacks it', async () => {
    const rows = iconv.decode(writeMappingCsv(UNIONPAY_POS_CSV, posEntries()), 'gbk').split('\r\n');
    const totalsLine = rows.findIndex((r) => r.startsWith('合计'));
    const bad = [...rows];
    bad[totalsLine] = bad[totalsLine]!.replace(
      /,(\d+)\.(\d\d),/,
      (_m, a, b) => `,${a}.${b === '99' ? '98' : '99'},`,
    );
    expect(await refusal(iconv.encode(bad.join('\r\n'), 'gbk'))).toMatchObject({
      code: 'TOTALS_MISMATCH',
      line: totalsLine + 1,
    });
    const cut = rows.slice(0, totalsLine);
    expect(await refusal(iconv.encode(cut.join('\r\n'), 'gbk'))).toMatchObject({
      code: 'TRUNCATED',
      line: totalsLine,
    });
    expect(
      await refusal(writeMappingCsv(UNIONPAY_POS_CSV, posEntries()), { merchantId: '898440358129999' }),
    ).toMatchObject({
      code: 'WRONG_MERCHANT',
      line: 2,
    });
  });

  it('reads an Allinpay POS xlsx written with exceljs (numeric amounts, date cells)', async () => {
    const e = posEntries().map((x) => ({ ...x, amounts: { settlement: x.amount } }));
    const xlsx = await writeMappingXlsx(ALLINPAY_POS_XLSX, e);
    const d = detectFormat(xlsx.subarray(0, 4096), 'allinpay.xlsx');
    expect(d).toMatchObject({ container: 'xlsx', format: 'bank:allinpay-pos' });
    const got = await lines(xlsx, {}, 'allinpay.xlsx');
    expect(got.map((l) => [l.kind, l.amount, l.fee, l.merchantOrderNo])).toEqual(
      e.map((x) => [x.kind, x.amount, x.kind === 'payment' ? '0.38' : '-0.10', x.merchantOrderNo]),
    );
    expect(got[0]).toMatchObject({
      occurredAt: '2024-05-01T00:01:37.000Z',
      lineNo: 2,
      amounts: { settlement: e[0]!.amount },
    });
  });

  it('reads an xlsx written by hand with a 合计 row, and refuses one whose 合计 disagrees', async () => {
    const wb = new ExcelJS.Workbook();
    const ws = wb.addWorksheet('Sheet1');
    ws.addRow(['通联支付POS交易明细']);
    ws.addRow([
      '商户号',
      '门店名称',
      '终端号',
      '交易时间',
      '交易类型',
      '批次号',
      '凭证号',
      '参考号',
      '交易金额',
      '手续费',
      '交易日期',
      '交易单号',
      '订单号',
      '结算金额',
    ]);
    ws.addRow([
      '5501',
      '门诊',
      'T9',
      '2024-05-01 10:00:00',
      '消费',
      '1',
      '2',
      '3',
      100.5,
      0.3,
      '20240501',
      'A1',
      'P1',
      100.2,
    ]);
    ws.addRow([
      '5501',
      '门诊',
      'T9',
      '2024-05-01 11:00:00',
      '撤销',
      '1',
      '3',
      '4',
      -100.5,
      0.3,
      '20240501',
      'A2',
      'P1',
      -100.2,
    ]);
    ws.addRow(['合计', '', '2', '', '', '', '', '', 0, '', '', '', '', '']);
    const ok = Buffer.from(await wb.xlsx.writeBuffer());
    const got = await lines(ok, { format: 'bank:allinpay-pos' }, 'x.xlsx');
    expect(got.map((l) => [l.kind, l.amount, l.fee, l.lineNo])).toEqual([
      ['payment', '100.50', '0.30', 3],
      ['refund', '100.50', '-0.30', 4],
    ]);
    ws.getRow(5).getCell(9).value = 1;
    const bad = Buffer.from(await wb.xlsx.writeBuffer());
    expect(await refusal(bad, {}, 'x.xlsx')).toMatchObject({ code: 'TOTALS_MISMATCH', line: 5 });
  });

  it('accepts a new bank as configuration only', async () => {
    const mapping: ColumnMapping = {
      name: 'citic-daily',
      format: 'bank:citic-daily',
      party: 'bank',
      source: 'citic',
      container: 'csv',
      delimiter: '|',
      commentPrefix: '//',
      fields: {
        occurredAt: 'TXN_DATE',
        occurredTime: 'TXN_TIME',
        amount: 'AMT',
        merchantOrderNo: 'ORDER',
        channelTxnId: 'SEQ',
      },
      dateFormats: ['yyyyMMdd'],
      kind: { bySign: true },
      amountSign: 'refund-negative',
    };
    const file = [
      '// exported 2024-05-02',
      'TXN_DATE|TXN_TIME|SEQ|ORDER|AMT',
      '20240501|101500|S1|P1|12.00',
      '20240501|23:59:58|S2|P1|-2.00',
      '',
    ].join('\n');
    const got = await lines(file, { format: 'bank:citic-daily', mappings: [mapping] });
    expect(got.map((l) => [l.kind, l.amount, l.localTime])).toEqual([
      ['payment', '12.00', '2024-05-01 10:15:00'],
      ['refund', '2.00', '2024-05-01 23:59:58'],
    ]);
  });
  it('holds a mapping to the amount form it declares: integer fen read as fen, anything else refused', async () => {
    const mapping: ColumnMapping = {
      name: 'acquirer-fen',
      format: 'bank:acquirer-fen',
      party: 'bank',
      source: 'acquirer',
      container: 'csv',
      fields: { occurredAt: '时间', amount: '金额', merchantOrderNo: '订单号' },
      dateFormats: ['yyyy-MM-dd HH:mm:ss'],
      kind: { bySign: true },
      amountSign: 'refund-negative',
      amountForm: { unit: 'fen', decimals: [0, 0] },
      totals: { marker: '订单号', equals: '合计', amount: '金额', required: true },
    };
    const file = (rows: string[], total = '1000') =>
      ['时间,订单号,金额', ...rows, `,合计,${total}`, ''].join('\n');
    const opts = { format: 'bank:acquirer-fen' as const, mappings: [mapping] };
    const got = await lines(file(['2024-05-01 10:00:00,P1,1200', '2024-05-01 11:00:00,P1,-200']), opts);
    expect(got.map((l) => [l.kind, l.amount])).toEqual([
      ['payment', '12.00'],
      ['refund', '2.00'],
    ]);
    const e = await refusal(
      file(['2024-05-01 10:00:00,P1,12.00', '2024-05-01 11:00:00,P1,-200'], '1000'),
      opts,
    );
    expect(e).toMatchObject({ code: 'MALFORMED_LINE', line: 2 });
    expect(e.reason).toContain("amount '12.00' is not in the layout's form (fen, an integer, signed)");
    const t = await refusal(
      file(['2024-05-01 10:00:00,P1,1200', '2024-05-01 11:00:00,P1,-200'], '1001'),
      opts,
    );
    expect(t.code).toBe('TOTALS_MISMATCH');
  });
});

describe('declarative mappings: HIS and insurance', () => {
  const hisEntries = (): BillEntry[] =>
    dayEntries(6, 3).map((e, i) => ({
      ...e,
      hisNo: `MZ${20240501000 + i}`,
      payChannel: i % 2 ? 'wechat' : 'alipay',
      tradeType: '门诊缴费',
      patientId: `P${9000 + i}`,
      businessDate: '2024-05-01',
    }));

  it('reads the HIS CSV extract (refunds negative, 结账日期 as business date)', async () => {
    const e = hisEntries();
    const csv = writeMappingCsv(HIS_CSV, e, { eol: '\n' });
    const got = await lines(csv);
    expect(got.map((l) => [l.kind, l.amount, l.hisNo, l.payChannel])).toEqual(
      e.map((x) => [x.kind, x.amount, x.hisNo, x.payChannel]),
    );
    expect(got[0]).toMatchObject({ party: 'his', source: 'his', format: 'his', patientId: 'P9000' });
    const rows = csv.toString('utf8').split('\n');
    rows[2] = rows[2]!.replace(/,收费$/, ',退费');
    expect(await refusal(rows.join('\n'))).toMatchObject({ code: 'MALFORMED_LINE', line: 3 });
    expect(await refusal(csv, { businessDate: '2024-04-30' })).toMatchObject({ code: 'WRONG_DATE', line: 2 });
  });

  it('reads the HIS JSON extract by streaming its records array', async () => {
    const e = hisEntries();
    const json = writeMappingJson(HIS_JSON, e, { meta: { hospitalId: 'H001', businessDate: '2024-05-01' } });
    const got = await lines(json, {}, 'his.json');
    expect(got.map((l) => [l.kind, l.amount, l.hisNo, l.lineNo])).toEqual(
      e.map((x, i) => [x.kind, x.amount, x.hisNo, i + 2]),
    );
    // The same document minified on one line.
    const min = JSON.stringify(JSON.parse(json));
    expect(await lines(min, { format: 'his' }, 'his.json')).toHaveLength(e.length);
    const doc = JSON.parse(json) as { count: number; records: unknown[] };
    expect(await refusal(JSON.stringify({ ...doc, count: doc.count + 1 }), {}, 'his.json')).toMatchObject({
      code: 'TOTALS_MISMATCH',
    });
    expect(await refusal(json.slice(0, json.length - 40), {}, 'his.json')).toMatchObject({
      code: 'TRUNCATED',
    });
    expect(await refusal(json, { businessDate: '2024-05-02' }, 'his.json')).toMatchObject({
      code: 'WRONG_DATE',
      line: 2,
    });
  });

  it('reads the insurance settlement TSV and checks totals declared by 3201', async () => {
    const e: BillEntry[] = [
      {
        kind: 'payment',
        amount: '356.20',
        occurredAt: '2024-05-01T02:00:00.000Z',
        channelTxnId: 'S001',
        referenceNo: 'MD01',
        patientId: '44010000000000000001',
        amounts: { fundPay: '250.00', accountPay: '50.00', cashPay: '56.20' },
      },
      {
        kind: 'refund',
        amount: '356.20',
        occurredAt: '2024-05-01T03:00:00.000Z',
        channelTxnId: 'S002',
        referenceNo: 'MD01',
        patientId: '44010000000000000001',
        amounts: { fundPay: '250.00', accountPay: '50.00', cashPay: '56.20' },
      },
      {
        kind: 'payment',
        amount: '88.00',
        occurredAt: '2024-05-01T04:00:00.000Z',
        channelTxnId: 'S003',
        referenceNo: 'MD02',
        patientId: '44010000000000000002',
        amounts: { fundPay: '70.40', accountPay: '0.00', cashPay: '17.60' },
      },
    ];
    const tsv = writeMappingCsv(INSURANCE_TSV, e, { eol: '\n' });
    expect(tsv.toString().split('\n')[0]).toBe(
      'setl_id\tmdtrt_id\tpsn_no\tmedfee_sumamt\tsetl_time\tfund_pay_sumamt\tacct_pay\tpsn_cash_pay\trefd_setl_flag',
    );
    const got = await lines(tsv, {}, 'insurance.txt');
    expect(got.map((l) => [l.kind, l.amount, l.channelTxnId, l.amounts?.cashPay])).toEqual([
      ['payment', '356.20', 'S001', '56.20'],
      ['refund', '356.20', 'S002', '56.20'],
      ['payment', '88.00', 'S003', '17.60'],
    ]);
    await validateStatement(bufferSource('i.txt', tsv), { declaredTotals: { count: 3, amount: '88.00' } });
    expect(await refusal(tsv, { declaredTotals: { count: 3, amount: '444.20' } })).toMatchObject({
      code: 'TOTALS_MISMATCH',
      line: 0,
    });
  });
});

describe('detectFormat', () => {
  it('tells every built-in format from its first bytes', async () => {
    const e = dayEntries();
    const head = (b: Uint8Array | string) => (typeof b === 'string' ? Buffer.from(b) : b).subarray(0, 8192);
    expect(detectFormat(head(writeWechatBill(e, { merchantId: '1' })), 'x')?.format).toBe('wechat');
    expect(detectFormat(head(writeAlipayBill(e, { account: 'a', date: '2024-05-01' })), 'x')).toMatchObject({
      format: 'alipay',
      encoding: 'gbk',
    });
    expect(detectFormat(head(writeMappingCsv(HIS_CSV, e)), 'x')?.format).toBe('his');
    expect(detectFormat(head(writeMappingJson(HIS_JSON, e)), 'x')).toMatchObject({
      format: 'his',
      container: 'json',
    });
    expect(detectFormat(head('hello'), 'x')).toBeUndefined();
    expect(await refusal('a,b\n1,2\n', { format: 'bank:nope' })).toMatchObject({
      code: 'UNSUPPORTED_FORMAT',
    });
  });
});
