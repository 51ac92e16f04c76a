import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { PassThrough } from 'node:stream';
import { gzipSync } from 'node:zlib';
import { describe, expect, it } from 'vitest';
import { writeAlipayBillZip, writeWechatBill } from '../../../src/adapters/statements/index.ts';
import { statementsCommand } from '../../../src/cli/statements.ts';
import { accountZip, accountStatement, fundFlowBill } from './accounts.ts';
import { dayEntries } from './builders.ts';

async function cli(argv: string[]): Promise<{ code: number; out: string; err: string }> {
  const stdout = new PassThrough();
  const stderr = new PassThrough();
  let out = '';
  let err = '';
  stdout.on('data', (c) => (out += c));
  stderr.on('data', (c) => (err += c));
  const code = await statementsCommand(argv, { stdout, stderr });
  return { code, out, err };
}

const dir = mkdtempSync(join(tmpdir(), 'stmt-cli-'));
const wechatPath = join(dir, 'wechat_20240501.csv');
writeFileSync(wechatPath, writeWechatBill(dayEntries(), { merchantId: '1900000109' }));

describe('ledger statements parse', () => {
  it('prints one JSON line per statement line, each with kind, and a summary on stderr', async () => {
    const r = await cli(['parse', wechatPath, '--merchant', '1900000109', '--date', '2024-05-01']);
    expect(r.code).toBe(0);
    const rows = r.out
      .trim()
      .split('\n')
      .map((l) => JSON.parse(l) as { kind: string; amount: string });
    expect(rows).toHaveLength(8);
    expect(rows.map((x) => x.kind)).toContain('refund');
    expect(rows[0]).toMatchObject({ kind: 'payment', amount: '37.13', format: 'wechat' });
    expect(r.err).toMatch(/wechat verified, 8 lines .* sha256 [0-9a-f]{64}/);
    expect(r.err).toContain('7 of 7 totals agree (总交易单数, 应结订单总金额, ');
  });

  it('reads a gzip fund-flow bill and an Alipay account statement zip, saying which totals it checked', async () => {
    const ff = join(dir, 'fundflow_20240501.csv.gz');
    writeFileSync(ff, gzipSync(Buffer.from(fundFlowBill())));
    const r = await cli(['parse', ff, '--date', '2024-05-01']);
    expect(r.code).toBe(0);
    expect(r.out.trim().split('\n')).toHaveLength(7);
    expect(r.err).toContain('wechat-fundflow verified, 7 lines (payment 2, refund 1, fee 3, settlement 1)');
    expect(r.err).toContain('5 of 5 totals agree (资金流水总笔数, 收入笔数, 收入金额, 支出笔数, 支出金额)');
    const acc = join(dir, 'account.csv.zip');
    writeFileSync(acc, accountZip(accountStatement()));
    const a = await cli(['parse', acc, '--format', 'alipay-account']);
    expect(a.code).toBe(0);
    expect(a.err).toContain('4 of 4 totals agree');
  });

  it('takes the amount unit of an acquirer bill from --unit, and refuses an unknown unit as a usage error', async () => {
    expect((await cli(['parse', wechatPath, '--unit', 'jiao'])).code).toBe(64);
    const r = await cli(['parse', wechatPath, '--unit', 'fen']);
    expect([r.code, r.err]).toEqual([1, expect.stringContaining('(UNSUPPORTED_FORMAT)')]);
  });

  it('detects an Alipay .csv.zip in auto mode', async () => {
    const p = join(dir, '20881234123412340156_20240501.csv.zip');
    writeFileSync(
      p,
      writeAlipayBillZip(dayEntries(), { account: '20881234123412340156', date: '2024-05-01' }),
    );
    const r = await cli(['parse', p, '--format', 'auto', '--merchant', '2088123412341234']);
    expect(r.code).toBe(0);
    expect(r.out.trim().split('\n')).toHaveLength(8);
  });

  it('refuses a bad file with FILE:LINE: reason (CODE), exit 1 and nothing on stdout', async () => {
    const text = writeWechatBill(dayEntries(), { merchantId: '1900000109', eol: '\n' }).replace(
      '`8,`779.73',
      '`8,`779.74',
    );
    const p = join(dir, 'bad.csv');
    writeFileSync(p, text);
    const r = await cli(['parse', p]);
    expect(r.code).toBe(1);
    expect(r.out).toBe('');
    expect(r.err).toBe(`${p}:11: 应结订单总金额 is 779.74 but the rows add up to 779.73 (TOTALS_MISMATCH)\n`);
    const w = await cli(['parse', wechatPath, '--date', '2024-05-02']);
    expect([w.code, w.err]).toEqual([1, expect.stringMatching(/:2: .*\(WRONG_DATE\)\n$/)]);
  });

  it('answers usage errors with exit 64', async () => {
    expect((await cli([])).code).toBe(64);
    expect((await cli(['parse'])).code).toBe(64);
    expect((await cli(['parse', wechatPath, '--bogus'])).code).toBe(64);
  });
});
