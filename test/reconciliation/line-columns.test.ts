import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import type { StatementImportStarted } from '../../src/domain/reconciliation/events.ts';
import {
  COLUMNS_CODEC,
  decodeLineColumns,
  decodeStoredLines,
  encodeLineColumns,
  MAX_DICTIONARY,
} from '../../src/domain/reconciliation/line-columns.ts';
import type { StatementLine } from '../../src/domain/reconciliation/statement-line.ts';

const head = {
  party: 'channel',
  source: 'wechat',
  format: 'wechat',
} as StatementImportStarted['data'];

const pad = (n: number) => String(n).padStart(2, '0');
/** `yyyy-MM-dd HH:mm:ss` of an instant at a fixed offset (minutes). */
const wall = (ms: number, off: number) => {
  const d = new Date(ms + off * 60_000);
  return `${d.getUTCFullYear()}-${pad(d.getUTCMonth() + 1)}-${pad(d.getUTCDate())} ${pad(d.getUTCHours())}:${pad(d.getUTCMinutes())}:${pad(d.getUTCSeconds())}`;
};

const lineArb = fc
  .record({
    kind: fc.constantFrom('payment', 'refund', 'fee', 'settlement'),
    lineNo: fc.integer({ min: 1, max: 1_000_000 }),
    raw: fc.string({ maxLength: 40 }),
    amount: fc.integer({ min: 0, max: 99_999 }).map((c) => `${Math.floor(c / 100)}.${pad(c % 100)}`),
    ms: fc.integer({ min: Date.parse('2020-01-01T00:00:00Z'), max: Date.parse('2030-01-01T00:00:00Z') }),
    seconds: fc.boolean(),
    offset: fc.constantFrom(480, -300, 0, 330),
    channelTxnId: fc.option(fc.string({ minLength: 1, maxLength: 12 }), { nil: undefined }),
    refundNo: fc.option(fc.constantFrom('R1', 'R2'), { nil: undefined }),
    status: fc.option(fc.constantFrom('SUCCESS', 'PROCESSING'), { nil: undefined }),
    amounts: fc.option(
      fc.dictionary(fc.constantFrom('fundPay', 'cashPay'), fc.constantFrom('1.00', '2.50')),
      {
        nil: undefined,
      },
    ),
  })
  .map((r): StatementLine => {
    const ms = r.seconds ? Math.floor(r.ms / 1000) * 1000 : r.ms;
    const line: StatementLine = {
      party: 'channel',
      source: 'wechat',
      format: 'wechat',
      kind: r.kind as StatementLine['kind'],
      lineNo: r.lineNo,
      raw: r.raw,
      amount: r.amount,
      occurredAt: new Date(ms).toISOString(),
      localTime: wall(ms, r.offset),
      businessDate: wall(ms, r.offset).slice(0, 10),
    };
    if (r.channelTxnId !== undefined) line.channelTxnId = r.channelTxnId;
    if (r.refundNo !== undefined) line.refundNo = r.refundNo;
    if (r.status !== undefined) line.status = r.status;
    if (r.amounts !== undefined) line.amounts = r.amounts;
    return line;
  });

const roundTrip = (lines: StatementLine[]) =>
  decodeLineColumns(JSON.parse(JSON.stringify(encodeLineColumns('s1', 1, lines))), head);

describe('statement lines as columns', () => {
  it('property: any batch of lines reads back exactly as it was stored', () => {
    fc.assert(
      fc.property(fc.array(lineArb, { minLength: 1, maxLength: 60 }), (lines) => {
        expect(roundTrip(lines)).toEqual(lines);
      }),
      { seed: 7, numRuns: 300 },
    );
  });

  it('stores a value all lines share once, a few values as a dictionary, many values one by one', () => {
    const lines = Array.from(
      { length: MAX_DICTIONARY * 2 },
      (_, i): StatementLine => ({
        party: 'channel',
        source: 'wechat',
        format: 'wechat',
        kind: 'payment',
        lineNo: 10 + i,
        raw: `row ${i}`,
        amount: `${i}.00`,
        occurredAt: new Date(Date.UTC(2024, 4, 1) + i * 1000).toISOString(),
        localTime: wall(Date.UTC(2024, 4, 1) + i * 1000, 480),
        businessDate: '2024-05-01',
        merchantId: '1900000109',
        status: i % 3 === 0 ? 'REFUND' : 'SUCCESS',
        channelTxnId: `T${i}`,
      }),
    );
    const b = encodeLineColumns('s1', 1, lines);
    expect(b).toMatchObject({
      codec: COLUMNS_CODEC,
      count: lines.length,
      lineNo: { first: 10 },
      kind: { c: 'payment' },
      localTime: { offsetMinutes: { c: 480 } },
      text: { merchantId: { c: '1900000109' }, status: { d: ['REFUND', 'SUCCESS'] } },
    });
    expect(Array.isArray(b.text.channelTxnId)).toBe(true);
    expect(roundTrip(lines)).toEqual(lines);
  });

  it('keeps an instant or a wall clock it cannot derive as text', () => {
    const odd: StatementLine = {
      party: 'his',
      source: 'his',
      format: 'his',
      kind: 'payment',
      lineNo: 3,
      raw: 'x',
      amount: '1.00',
      occurredAt: '2024-05-01T00:00:00Z',
      localTime: '2024-05-01',
      businessDate: '2024-05-01',
    };
    const b = encodeLineColumns('s1', 1, [odd]);
    expect(b.occurredAt).toEqual({ c: '2024-05-01T00:00:00Z' });
    expect(b.localTime).toEqual({ c: '2024-05-01' });
    expect(decodeLineColumns(b, { ...head, party: 'his', source: 'his', format: 'his' })).toEqual([odd]);
  });

  it('reads the legacy line objects too, and leaves the raw WeChat rows to their parser', () => {
    const {
      party: _p,
      source: _s,
      format: _f,
      ...stored
    } = {
      party: 'channel',
      source: 'wechat',
      format: 'wechat',
      kind: 'payment',
      lineNo: 2,
      raw: 'r',
      amount: '1.00',
      occurredAt: '2024-05-01T00:00:00.000Z',
      localTime: '2024-05-01 08:00:00',
      businessDate: '2024-05-01',
    } as StatementLine;
    expect(decodeStoredLines({ statementId: 's1', batch: 1, lines: [stored] }, head)).toEqual([
      { ...stored, party: 'channel', source: 'wechat', format: 'wechat' },
    ]);
    expect(
      decodeStoredLines({ statementId: 's1', batch: 1, codec: 'wechat-raw/1', raw: '' }, head),
    ).toBeUndefined();
  });
});
