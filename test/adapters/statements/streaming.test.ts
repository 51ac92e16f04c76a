import v8 from 'node:v8';
import vm from 'node:vm';
import { describe, expect, it } from 'vitest';
import {
  type BillEntry,
  generatedSource,
  parseStatement,
  readVerifiedStatement,
  type StatementError,
  validateStatement,
  wechatBillLines,
  writeWechatBill,
  bufferSource,
} from '../../../src/adapters/statements/index.ts';

const LINES = 200_000;

function* manyEntries(n: number): Generator<BillEntry> {
  const base = Date.UTC(2024, 4, 1, 0, 0, 0);
  for (let i = 0; i < n; i++) {
    const pay = i % 10 !== 9;
    yield {
      kind: pay ? 'payment' : 'refund',
      amount: `${(i % 997) + 1}.${String(i % 100).padStart(2, '0')}`,
      occurredAt: new Date(base + (i % 57_600) * 1000).toISOString(),
      channelTxnId: `4200${String(i).padStart(24, '0')}`,
      merchantOrderNo: `P${String(i).padStart(16, '0')}`,
      refundNo: pay ? undefined : `R${String(i).padStart(16, '0')}`,
      channelRefundId: pay ? undefined : `5030${String(i).padStart(24, '0')}`,
      fee: pay ? '0.06000' : '-0.01000',
      productName: '门诊缴费',
      attach: `HIS${i}`,
    };
  }
}

describe('streaming', () => {
  it(`parses a ${LINES.toLocaleString()}-line WeChat bill streamed from a generator in bounded memory`, async () => {
    const source = generatedSource('big.csv', () =>
      wechatBillLines(manyEntries(LINES), { merchantId: '1900000109' }),
    );
    // Measure live memory, not garbage: a full GC before each sample.
    v8.setFlagsFromString('--expose-gc');
    const gc = vm.runInNewContext('gc') as () => void;
    gc();
    const before = process.memoryUsage().heapUsed;
    let peak = before;
    let count = 0;
    let batches = 0;
    const it = parseStatement(source, { batchSize: 2_000 });
    let r = await it.next();
    while (!r.done) {
      count += r.value.length;
      batches++;
      if (batches % 10 === 0) {
        gc();
        peak = Math.max(peak, process.memoryUsage().heapUsed);
      }
      r = await it.next();
    }
    expect(count).toBe(LINES);
    expect(r.value.lines).toBe(LINES);
    expect(r.value.bytes).toBeGreaterThan(50_000_000);
    // The file is > 50 MB; the parser keeps a batch and a partial line alive, never the file.
    expect(peak - before).toBeLessThan(16 * 1024 * 1024);
  }, 120_000);

  it('validate then read: the second pass refuses a file that changed in between', async () => {
    const entries = [...manyEntries(30)];
    const text = writeWechatBill(entries, { merchantId: '1900000109' });
    let version = text;
    const source = { name: 'b.csv', open: () => bufferSource('b.csv', version).open() };
    const summary = await validateStatement(source);
    const read: number[] = [];
    for await (const b of readVerifiedStatement(source, {}, summary)) read.push(b.length);
    expect(read.reduce((a, b) => a + b, 0)).toBe(30);
    version = writeWechatBill(entries.slice(0, 29), { merchantId: '1900000109' });
    await expect(async () => {
      for await (const _ of readVerifiedStatement(source, {}, summary)) void _;
    }).rejects.toMatchObject({ code: 'FILE_CHANGED' } satisfies Partial<StatementError>);
  });
});
