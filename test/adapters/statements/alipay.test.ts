import iconv from 'iconv-lite';
import { unzipSync } from 'fflate';
import { describe, expect, it } from 'vitest';
import {
  type ParseOptions,
  alipayFileNames,
  bufferSource,
  parseStatement,
  validateStatement,
  writeAlipayBill,
  writeAlipayBillZip,
  zipGbk,
} from '../../../src/adapters/statements/index.ts';
import type { StatementLine } from '../../../src/domain/reconciliation/statement-line.ts';
import { dayEntries } from './builders.ts';
import { refusal as refused } from './mutations.ts';

const PID = '2088123412341234';
const ACCOUNT = `${PID}0156`;
const OPTS = { account: ACCOUNT, date: '2024-05-01' };

async function lines(
  data: Uint8Array,
  opts: ParseOptions = {},
  name = 'alipay.csv',
): Promise<StatementLine[]> {
  const out: StatementLine[] = [];
  for await (const b of parseStatement(bufferSource(name, data, 101), opts)) out.push(...b);
  return out;
}

const refusal = (data: string | Uint8Array, opts: ParseOptions = {}, name = 'alipay.csv') =>
  refused(data, opts, name);

const gbk = (s: string) => iconv.encode(s, 'gbk');
const text = (b: Buffer) => iconv.decode(b, 'gbk');

// Shaped like the captured 2019 bill (qdingnet AlipayGeneralPaymentHandlerTest): TAB before commas, CRLF.
const CAPTURED = [
  '#支付宝业务明细查询',
  '#账号：[20881234123412340156]',
  '#起始日期：[2019年06月11日 00:00:00]   终止日期：[2019年06月12日 00:00:00]',
  `#${'-'.repeat(41)}业务明细列表${'-'.repeat(40)}`,
  '支付宝交易号,商户订单号,业务类型,商品名称,创建时间,完成时间,门店编号,门店名称,操作员,终端号,对方账户,订单金额（元）,商家实收（元）,支付宝红包（元）,集分宝（元）,支付宝优惠（元）,商家优惠（元）,券核销金额（元）,券名称,商家红包消费金额（元）,卡消费金额（元）,退款批次号/请求号,服务费（元）,分润（元）,备注',
  '2019061122001481231000012345\t,201906110001\t,交易\t,门诊缴费,2019-06-11 10:01:02,2019-06-11 10:01:09,\t,,\t,\t,*伟(139******07)\t,20.00,20.00,0.00,0.00,0.00,0.00,0.00,,0.00\t,0.00,\t,0.12,0.00,',
  '2019061122001481231000012345\t,201906110001\t,退款\t,门诊缴费,2019-06-11 10:01:02,2019-06-11 15:30:00,\t,,\t,\t,*伟(139******07)\t,-5.00,-5.00,0.00,0.00,0.00,0.00,0.00,,0.00\t,0.00,201906110001R1\t,0.03,0.00,',
  `#${'-'.repeat(41)}业务明细列表结束${'-'.repeat(36)}`,
  '#交易合计：1笔，商家实收共20.00元，商家优惠共0.00元',
  '#退款合计：1笔，商家实收退款共-5.00元，商家优惠退款共0.00元',
  '#导出时间：[2019年06月12日 09:12:33]',
].join('\r\n');

describe('Alipay business detail bill', () => {
  it('reads a GBK bill with TAB-padded fields; refunds negative in the file become positive refunds', async () => {
    const got = await lines(gbk(CAPTURED));
    expect(got).toHaveLength(2);
    expect(got[0]).toMatchObject({
      kind: 'payment',
      source: 'alipay',
      channelTxnId: '2019061122001481231000012345',
      merchantOrderNo: '201906110001',
      amount: '20.00',
      fee: '0.12',
      merchantId: ACCOUNT,
      occurredAt: '2019-06-11T02:01:09.000Z',
      businessDate: '2019-06-11',
      lineNo: 6,
    });
    expect(got[1]).toMatchObject({
      kind: 'refund',
      amount: '5.00',
      refundNo: '201906110001R1',
      fee: '-0.03',
      lineNo: 7,
    });
    const s = await validateStatement(bufferSource('a.csv', gbk(CAPTURED)), {
      merchantId: PID,
      businessDate: '2019-06-11',
    });
    expect(s).toMatchObject({ format: 'alipay', merchantId: ACCOUNT, businessDate: '2019-06-11', lines: 2 });
    expect(s.checks.map((c) => c.name)).toContain('退款合计商家实收');
  });

  it('round-trips writer → parser (GBK bytes, quoted product names with commas)', async () => {
    const e = dayEntries(10, 3);
    const buf = writeAlipayBill(e, OPTS);
    expect(text(buf).startsWith('#支付宝业务明细查询\r\n#账号：[20881234123412340156]')).toBe(true);
    const got = await lines(buf);
    expect(got.map((l) => [l.kind, l.amount, l.merchantOrderNo, l.refundNo])).toEqual(
      e.map((x) => [x.kind, x.amount, x.merchantOrderNo, x.kind === 'refund' ? x.refundNo : undefined]),
    );
  });

  it('reads the .csv.zip with GBK entry names (no UTF-8 flag), picking the detail entry', async () => {
    const e = dayEntries(8, 2);
    const zip = writeAlipayBillZip(e, OPTS);
    const names = alipayFileNames(OPTS);
    // General-purpose flag bit 11 (UTF-8) is off and the name bytes are GBK.
    expect(zip.readUInt16LE(6) & 0x0800).toBe(0);
    expect(Object.keys(unzipSync(zip)).length).toBe(2);
    expect(zip.includes(iconv.encode(names.detail, 'gbk'))).toBe(true);
    const got = await lines(zip, {}, names.zip);
    expect(got).toHaveLength(e.length);
    const s = await validateStatement(bufferSource(names.zip, zip));
    expect(s.format).toBe('alipay');
    // Also with the UTF-8 flag (a re-zipped file) the detail entry is found.
    const utf = zipGbk([{ name: names.detail, data: writeAlipayBill(e, OPTS) }], 'utf8');
    expect(await lines(utf, {}, 'x.zip')).toHaveLength(e.length);
  });

  it('refuses a zip without a detail entry, and a cut-off zip', async () => {
    const zip = zipGbk([{ name: 'readme.txt', data: gbk('hi') }]);
    expect(await refusal(zip, {}, 'a.csv.zip')).toMatchObject({ code: 'MISSING_HEADER' });
    const full = writeAlipayBillZip(dayEntries(), OPTS);
    const cut = full.subarray(0, Math.floor(full.length * 0.7));
    expect((await refusal(cut, {}, 'a.csv.zip')).code).toMatch(/TRUNCATED|MALFORMED_FILE/);
  });

  it('checks footer totals, merchant, date and period', async () => {
    const wrongTotal = CAPTURED.replace('商家实收共20.00元', '商家实收共20.01元');
    expect(await refusal(gbk(wrongTotal))).toMatchObject({ code: 'TOTALS_MISMATCH', line: 9 });
    const wrongCount = CAPTURED.replace('#退款合计：1笔', '#退款合计：2笔');
    expect(await refusal(gbk(wrongCount))).toMatchObject({ code: 'TOTALS_MISMATCH', line: 10 });
    expect(await refusal(gbk(CAPTURED), { merchantId: '2088000000000000' })).toMatchObject({
      code: 'WRONG_MERCHANT',
      line: 2,
    });
    expect(await refusal(gbk(CAPTURED), { businessDate: '2019-06-12' })).toMatchObject({
      code: 'WRONG_DATE',
      line: 3,
    });
    const outside = CAPTURED.replace('2019-06-11 15:30:00', '2019-06-12 00:00:00');
    expect(await refusal(gbk(outside))).toMatchObject({ code: 'WRONG_DATE', line: 7 });
  });

  it('refuses truncated, headerless and malformed bills with the line', async () => {
    const rows = CAPTURED.split('\r\n');
    expect(await refusal(gbk(rows.slice(0, 7).join('\r\n')))).toMatchObject({ code: 'TRUNCATED', line: 7 });
    expect(await refusal(gbk(rows.slice(0, 9).join('\r\n')))).toMatchObject({ code: 'TRUNCATED', line: 9 });
    expect(await refusal(gbk(rows.slice(1).join('\r\n')), { format: 'alipay' })).toMatchObject({
      code: 'MISSING_HEADER',
      line: 1,
    });
    const badType = CAPTURED.replace('退款\t', '冻结\t');
    expect(await refusal(gbk(badType))).toMatchObject({ code: 'MALFORMED_LINE', line: 7 });
    const wrongSign = CAPTURED.replace(',-5.00,-5.00,', ',5.00,5.00,');
    expect(await refusal(gbk(wrongSign))).toMatchObject({ code: 'MALFORMED_LINE', line: 7 });
    const shortRow = CAPTURED.replace(',0.03,0.00,', ',0.03,');
    expect(await refusal(gbk(shortRow))).toMatchObject({ code: 'MALFORMED_LINE', line: 7 });
    // A byte that is not GBK inside a row.
    const b = Buffer.from(gbk(CAPTURED));
    const at = b.indexOf(gbk('门诊缴费'), b.indexOf(gbk('2019061122001481231000012345')));
    b[at] = 0x80;
    expect(await refusal(b)).toMatchObject({ code: 'MALFORMED_LINE', line: 6 });
  });
});
