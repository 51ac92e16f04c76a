import { describe, expect, it } from 'vitest';
import { decodeStatementBatch, encodeWechatBatch } from '../../../src/adapters/statements/codec.ts';
import {
  ALLINPAY_POS_XLSX,
  type BillEntry,
  bufferSource,
  HIS_CSV,
  parseStatement,
  UNIONPAY_POS_CSV,
  writeAlipayBillZip,
  writeMappingCsv,
  writeMappingXlsx,
  writeWechatBill,
} from '../../../src/adapters/statements/index.ts';
import type { StatementImportStarted } from '../../../src/domain/reconciliation/events.ts';
import { encodeLineColumns } from '../../../src/domain/reconciliation/line-columns.ts';
import type { StatementLine } from '../../../src/domain/reconciliation/statement-line.ts';
import { dayEntries } from './builders.ts';

async function parsed(name: string, bytes: Uint8Array | string): Promise<StatementLine[]> {
  const out: StatementLine[] = [];
  for await (const b of parseStatement(bufferSource(name, bytes))) out.push(...b);
  return out;
}

const headOf = (l: StatementLine): StatementImportStarted['data'] => ({
  statementId: 's1',
  sha256: 'ab'.repeat(32),
  file: 'f',
  bytes: 1,
  format: l.format,
  party: l.party,
  source: l.source,
  channel: null,
  merchantId: null,
  businessDate: null,
  origin: 'test',
  lines: 1,
});

/** Stores and reads back as the event store would (JSON), in batches of `size` lines. */
function roundTrip(lines: StatementLine[], size = 4): StatementLine[] {
  const head = headOf(lines[0]!);
  const out: StatementLine[] = [];
  for (let i = 0; i < lines.length; i += size) {
    const stored = JSON.parse(
      JSON.stringify(encodeLineColumns('s1', i / size + 1, lines.slice(i, i + size))),
    );
    out.push(...decodeStatementBatch(stored, head));
  }
  return out;
}

const posEntries = (): BillEntry[] =>
  dayEntries(7).map((e, i) => ({
    ...e,
    referenceNo: `10${String(i).padStart(10, '0')}`,
    channelTxnId: `10${String(i).padStart(10, '0')}`,
    batchNo: '000012',
    voucherNo: String(100 + i).padStart(6, '0'),
    fee: e.kind === 'payment' ? '0.38' : '-0.10',
    status: '成功',
    tradeType: e.kind === 'payment' ? '消费' : '消费撤销',
  }));

describe('statement lines stored as columns (columns/1)', () => {
  const files: [string, () => Promise<Uint8Array | string>][] = [
    ['wechat.csv', async () => writeWechatBill(dayEntries(9), { merchantId: '1900000109' })],
    [
      'alipay.csv.zip',
      async () => writeAlipayBillZip(dayEntries(9), { account: '20880000000000000156', date: '2024-05-01' }),
    ],
    ['pos.csv', async () => writeMappingCsv(UNIONPAY_POS_CSV, posEntries())],
    ['pos.xlsx', async () => writeMappingXlsx(ALLINPAY_POS_XLSX, posEntries())],
    [
      'his.csv',
      async () =>
        writeMappingCsv(
          HIS_CSV,
          dayEntries(6).map((e, i) => ({ ...e, hisNo: `HIS${i}`, payChannel: 'wechat', patientId: `P${i}` })),
          { eol: '\n' },
        ),
    ],
  ];
  for (const [name, bytes] of files)
    it(`${name}: every normalized field reads back as parsed, without a parser`, async () => {
      const lines = await parsed(name, await bytes());
      expect(lines.length).toBeGreaterThan(5);
      expect(roundTrip(lines)).toEqual(lines);
      expect(roundTrip(lines, 1_000)).toEqual(lines);
    });
});

describe('legacy encodings (schema version 1) still decode', () => {
  it('wechat-raw/1: the raw rows, re-parsed by the versioned row reader', async () => {
    const text = writeWechatBill(dayEntries(9), { merchantId: '1900000109' });
    const lines = await parsed('wechat.csv', text);
    const rows = text.split(/\r?\n/);
    const header = rows.find((r) => r.startsWith('交易时间'))!;
    const batch = encodeWechatBatch(
      's1',
      1,
      header,
      'Asia/Shanghai',
      lines.map((l) => ({ lineNo: l.lineNo, text: l.raw })),
    );
    expect(decodeStatementBatch(JSON.parse(JSON.stringify(batch)), headOf(lines[0]!))).toEqual(lines);
  });

  it('line objects: the shared fields put back', async () => {
    const lines = await parsed('wechat.csv', writeWechatBill(dayEntries(4), { merchantId: '1900000109' }));
    const stored = lines.map(({ party: _p, source: _s, format: _f, hospitalId: _h, ...rest }) => rest);
    expect(decodeStatementBatch({ statementId: 's1', batch: 1, lines: stored }, headOf(lines[0]!))).toEqual(
      lines,
    );
  });

  it('an unknown codec is refused, not guessed', () => {
    const head = headOf({ format: 'wechat', party: 'channel', source: 'wechat' } as StatementLine);
    expect(() => decodeStatementBatch({ statementId: 's1', batch: 1, codec: 'zstd/9' }, head)).toThrow(
      'unknown statement line codec zstd/9',
    );
  });
});
