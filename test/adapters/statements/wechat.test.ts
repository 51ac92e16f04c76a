import { gzipSync } from 'node:zlib';
import { describe, expect, it } from 'vitest';
import {
  type ParseOptions,
  bufferSource,
  parseStatement,
  validateStatement,
  writeWechatBill,
} from '../../../src/adapters/statements/index.ts';
import type { StatementLine } from '../../../src/domain/reconciliation/statement-line.ts';
import { dayEntries } from './builders.ts';
import { refusal as refused } from './mutations.ts';

async function lines(
  data: string | Uint8Array,
  opts: ParseOptions = {},
  name = 'bill.csv',
): Promise<StatementLine[]> {
  const out: StatementLine[] = [];
  for await (const b of parseStatement(bufferSource(name, data, 97), opts)) out.push(...b);
  return out;
}

const refusal = (data: string | Uint8Array, opts: ParseOptions = {}, name = 'bill.csv') =>
  refused(data, opts, name);

const M = '1900000109';

// An older-format bill as the official v2 page printed it (24 columns, summary 总交易额 …).
const LEGACY = [
  '交易时间,公众账号ID,商户号,子商户号,设备号,微信订单号,商户订单号,用户标识,交易类型,交易状态,付款银行,货币种类,总金额,代金券或立减优惠金额,微信退款单号,商户退款单号,退款金额,代金券或立减优惠退款金额,退款类型,退款状态,商品名称,商户数据包,手续费,费率',
  '`2014-11-10 16:33:45,`wx2421b1c4370ec43b,`10000100,`0,`1000,`1001690740201411100005734289,`1415640626,`085e9858e3ba5186aafcbaed1,`MICROPAY,`SUCCESS,`CFT,`CNY,`0.01,`0.0,`0,`0,`0,`0,`,`,`被扫支付测试,`订单额外描述,`0,`0.60%',
  '`2014-11-10 16:46:14,`wx2421b1c4370ec43b,`10000100,`0,`1000,`1002780740201411100005729794,`1415635270,`085e9858e90ca40c0b5aee463,`MICROPAY,`SUCCESS,`CFT,`CNY,`0.01,`0.0,`0,`0,`0,`0,`,`,`被扫支付测试,`订单额外描述,`0,`0.60%',
  '总交易单数,总交易额,总退款金额,总代金券或立减优惠退款金额,手续费总金额',
  '`2,`0.02,`0.0,`0.0,`0',
].join('\r\n');

describe('WeChat Pay trade bill', () => {
  it('reads an ALL bill (CRLF) into payments and refunds with exact money and UTC times', async () => {
    const text = writeWechatBill(dayEntries(), { merchantId: M, eol: '\r\n' });
    const got = await lines(text);
    expect(got.map((l) => l.kind)).toEqual([
      'payment',
      'payment',
      'payment',
      'refund',
      'payment',
      'payment',
      'payment',
      'refund',
    ]);
    const first = got[0]!;
    expect(first).toMatchObject({
      party: 'channel',
      source: 'wechat',
      amount: '37.13',
      fee: '0.01000',
      merchantOrderNo: 'P2024050100000001',
      channelTxnId: '4200001900000000000000000001',
      occurredAt: '2024-05-01T00:01:37.000Z',
      localTime: '2024-05-01 08:01:37',
      businessDate: '2024-05-01',
      attach: 'HIS1001',
      lineNo: 2,
    });
    expect(first.raw.startsWith('`2024-05-01 08:01:37,`wx')).toBe(true);
    const refund = got[3]!;
    expect(refund).toMatchObject({
      kind: 'refund',
      amount: '55.50',
      refundNo: 'R2024050100000003',
      fee: '-0.00300',
    });
    // A comma inside 商品名称 survives thanks to the backtick prefix.
    expect(got[1]!.raw).toContain('挂号费,普通门诊');
  });

  it('gives the same lines for LF, CRLF and gzip (v3 tar_type=GZIP)', async () => {
    const e = dayEntries();
    const lf = await lines(writeWechatBill(e, { merchantId: M, eol: '\n' }));
    const crlf = await lines(writeWechatBill(e, { merchantId: M, eol: '\r\n' }));
    const gz = await lines(gzipSync(Buffer.from(writeWechatBill(e, { merchantId: M }))), {}, 'bill.csv.gz');
    const strip = (l: StatementLine[]) => l.map(({ raw: _r, ...x }) => x);
    expect(strip(crlf)).toEqual(strip(lf));
    expect(strip(gz)).toEqual(strip(lf));
  });

  it('reads SUCCESS (4- and 7-column summary) and REFUND bills by header name', async () => {
    const e = dayEntries();
    const s4 = await validateStatement(
      bufferSource('s.csv', writeWechatBill(e, { merchantId: M, billType: 'SUCCESS' })),
    );
    expect(s4.counts).toMatchObject({ payment: 6, refund: 0 });
    expect(s4.checks.map((c) => c.name)).toEqual([
      '总交易单数',
      '应结订单总金额',
      '手续费总金额',
      '订单总金额',
    ]);
    const s7 = await validateStatement(
      bufferSource(
        's.csv',
        writeWechatBill(e, { merchantId: M, billType: 'SUCCESS', successSummaryColumns: 7 }),
      ),
    );
    expect(s7.checks).toHaveLength(7);
    const r = await lines(writeWechatBill(e, { merchantId: M, billType: 'REFUND' }));
    expect(r.map((l) => [l.kind, l.amount, l.refundNo])).toEqual([
      ['refund', '55.50', 'R2024050100000003'],
      ['refund', '111.00', 'R2024050100000006'],
    ]);
  });

  it('reads the older format (总金额, summary 总交易额) detected by its header', async () => {
    const got = await lines(LEGACY);
    expect(got.map((l) => [l.kind, l.amount, l.merchantOrderNo, l.fee])).toEqual([
      ['payment', '0.01', '1415640626', '0'],
      ['payment', '0.01', '1415635270', '0'],
    ]);
    const s = await validateStatement(bufferSource('legacy.csv', LEGACY));
    expect(s.checks.find((c) => c.name === '总交易额')).toMatchObject({ declared: '0.02' });
  });

  it('round-trips writer → parser for the legacy layout too', async () => {
    const e = dayEntries(9, 4);
    const got = await lines(writeWechatBill(e, { merchantId: M, layout: 'legacy', eol: '\n' }));
    expect(got.map((l) => [l.kind, l.amount])).toEqual(e.map((x) => [x.kind, x.amount]));
  });

  it('checks the expected merchant and business date', async () => {
    const text = writeWechatBill(dayEntries(), { merchantId: M });
    expect(
      (await validateStatement(bufferSource('b.csv', text), { merchantId: M, businessDate: '2024-05-01' }))
        .lines,
    ).toBe(8);
    const wm = await refusal(text, { merchantId: '1900000999' });
    expect([wm.code, wm.line]).toEqual(['WRONG_MERCHANT', 2]);
    const wd = await refusal(text, { businessDate: '2024-05-02' });
    expect([wd.code, wd.line]).toEqual(['WRONG_DATE', 2]);
  });

  it('refuses a bill whose totals disagree with its rows, at the summary row', async () => {
    const text = writeWechatBill(dayEntries(), { merchantId: M, eol: '\n' });
    const rows = text.split('\n');
    rows[2] = rows[2]!.replace('`74.26,`0.00,`0,`0', '`74.27,`0.00,`0,`0');
    const e = await refusal(rows.join('\n'));
    expect(e.code).toBe('TOTALS_MISMATCH');
    expect(e.line).toBe(11);
    expect(e.reason).toContain('应结订单总金额');
    const dropped = text.split('\n');
    dropped.splice(3, 1);
    const d = await refusal(dropped.join('\n'));
    expect([d.code, d.line, d.reason]).toEqual([
      'TOTALS_MISMATCH',
      10,
      expect.stringContaining('总交易单数'),
    ]);
  });

  it('refuses malformed, headerless, truncated and foreign files with the line', async () => {
    const text = writeWechatBill(dayEntries(), { merchantId: M, eol: '\n' });
    const rows = text.split('\n');
    const bad = [...rows];
    bad[4] = bad[4]!.replace('`2024-05-01 09:04:51', '`2024-05-01 9:04');
    expect(await refusal(bad.join('\n'))).toMatchObject({
      code: 'MALFORMED_LINE',
      line: 5,
      file: 'bill.csv',
    });
    const fields = [...rows];
    fields[3] = fields[3]!.split(',`').slice(0, 20).join(',`');
    expect(await refusal(fields.join('\n'))).toMatchObject({ code: 'MALFORMED_LINE', line: 4 });
    expect(await refusal(rows.slice(1).join('\n'), { format: 'wechat' })).toMatchObject({
      code: 'MISSING_HEADER',
      line: 1,
    });
    expect(await refusal(rows.slice(0, 6).join('\n'))).toMatchObject({ code: 'TRUNCATED', line: 6 });
    expect(await refusal(rows.slice(0, 10).join('\n'))).toMatchObject({ code: 'TRUNCATED', line: 10 });
    // Cut in the middle of a row: the last line is incomplete and no summary follows.
    expect(await refusal(text.slice(0, text.indexOf('\n', 900) - 30))).toMatchObject({ code: 'TRUNCATED' });
    expect(await refusal(`${text}\`1,\`2\n`)).toMatchObject({ code: 'MALFORMED_LINE', line: 12 });
    expect(await refusal('hello,world\n1,2\n', {}, 'x.csv')).toMatchObject({ code: 'UNSUPPORTED_FORMAT' });
    expect(await refusal('', {}, 'x.csv')).toMatchObject({ code: 'TRUNCATED', line: 0 });
    const xml =
      '<xml><return_code><![CDATA[FAIL]]></return_code><return_msg><![CDATA[No Bill Exist]]></return_msg></xml>';
    const x = await refusal(xml);
    expect([x.code, x.reason]).toEqual(['MALFORMED_FILE', expect.stringContaining('No Bill Exist')]);
    const badUtf8 = Buffer.concat([
      Buffer.from(rows.slice(0, 3).join('\n')),
      Buffer.from([0xff, 0xfe, 0x0a]),
    ]);
    expect(await refusal(badUtf8)).toMatchObject({ code: 'MALFORMED_LINE' });
  });

  it('computes the SHA-256 of the bytes as given (gzip: of the compressed file)', async () => {
    const text = writeWechatBill(dayEntries(), { merchantId: M });
    const { createHash } = await import('node:crypto');
    const s = await validateStatement(bufferSource('b.csv', text));
    expect(s.sha256).toBe(createHash('sha256').update(text).digest('hex'));
    const gz = gzipSync(Buffer.from(text));
    const g = await validateStatement(bufferSource('b.csv.gz', gz));
    expect([g.sha256, g.bytes]).toEqual([createHash('sha256').update(gz).digest('hex'), gz.length]);
  });
});
