import fc from 'fast-check';
import { FC_SEED, fuzzRuns } from '../../support/property.ts';
import iconv from 'iconv-lite';
import { Decimal } from 'decimal.js';
import { describe, expect, it } from 'vitest';
import {
  HIS_JSON,
  UNIONPAY_POS_CSV,
  writeAlipayBill,
  writeMappingCsv,
  writeMappingJson,
  writeWechatBill,
} from '../../../src/adapters/statements/index.ts';
import { dayEntries } from './builders.ts';
import { mutate, mutation, run } from './mutations.ts';

const entries = dayEntries(12, 3);
const wechat = Buffer.from(writeWechatBill(entries, { merchantId: '1900000109', eol: '\n' }));
const BASES: [string, Buffer][] = [
  ['wechat.csv', wechat],
  ['alipay.csv', writeAlipayBill(entries, { account: '20880000000000000156', date: '2024-05-01' })],
  [
    'pos.csv',
    writeMappingCsv(
      UNIONPAY_POS_CSV,
      entries.map((e) => ({ ...e, tradeType: e.kind === 'payment' ? '消费' : '退货', fee: '0.10' })),
    ),
  ],
  ['his.json', Buffer.from(writeMappingJson(HIS_JSON, entries))],
];

/** Independent oracle for a WeChat bill: the summary row's count and sums, read naively. */
function wechatDeclared(text: string): { count: number; settle: Decimal; refund: Decimal } | undefined {
  const rows = text.split('\n').filter((l) => l.trim() !== '');
  const header = rows.at(-2)?.split(',');
  const values = rows
    .at(-1)
    ?.split(',')
    .map((v) => v.replace(/^`/, ''));
  if (!header || !values) return undefined;
  const get = (n: string) => values[header.indexOf(n)];
  try {
    return {
      count: Number(get('总交易单数')),
      settle: new Decimal(get('应结订单总金额')!),
      refund: new Decimal(get('退款总金额')!),
    };
  } catch {
    return undefined;
  }
}

describe('fuzzed statements', () => {
  it('the unmutated bases verify', async () => {
    for (const [name, b] of BASES) expect((await run(b, name)).ok).toBe(true);
  });

  it('mutated files never crash a parser with anything but a StatementError', async () => {
    await fc.assert(
      fc.asyncProperty(fc.constantFrom(...BASES), mutation, async ([name, base], m) => {
        await run(mutate(base, m), name);
      }),
      { seed: FC_SEED, numRuns: fuzzRuns(400) },
    );
  });

  it('a WeChat bill only verifies when its summary agrees with the lines it yielded', async () => {
    await fc.assert(
      fc.asyncProperty(mutation, async (m) => {
        const data = mutate(wechat, m);
        const r = await run(data, 'wechat.csv');
        if (!r.ok) return;
        // Verified: the lines must add up to what the (mutated) file declares.
        const d = wechatDeclared(new TextDecoder().decode(data));
        expect(d).toBeDefined();
        const sum = (k: string) =>
          r.lines.filter((l) => l.kind === k).reduce((a, l) => a.plus(l.amount), new Decimal(0));
        expect(r.lines.length).toBe(d!.count);
        expect(sum('payment').equals(d!.settle)).toBe(true);
        expect(sum('refund').equals(d!.refund)).toBe(true);
        // A verified file's rows are all different lines of the file (a duplicated row changes the count).
        expect(r.summary.lines).toBe(r.lines.length);
      }),
      { seed: FC_SEED, numRuns: fuzzRuns(300) },
    );
  });

  it('changing one digit of any amount in a detail row is always refused', async () => {
    const text = wechat.toString('utf8');
    const rows = text.split('\n');
    const detail = rows.map((r, i) => [r, i] as const).filter(([r]) => r.startsWith('`'));
    detail.pop(); // the summary row
    await fc.assert(
      fc.asyncProperty(
        fc.constantFrom(...detail),
        fc.nat(),
        fc.integer({ min: 1, max: 9 }),
        async ([row, i], pick, delta) => {
          const fields = row.split(',`');
          const money = fields
            .map((f, k) => [f, k] as const)
            .filter(([f]) => /^\d+\.\d{2}$/.test(f) && f !== '0.00');
          fc.pre(money.length > 0);
          const [f, k] = money[pick % money.length]!;
          const digit = Number(f.at(-1));
          fields[k] = f.slice(0, -1) + String((digit + delta) % 10);
          const copy = [...rows];
          copy[i] = fields.join(',`');
          const r = await run(Buffer.from(copy.join('\n')), 'wechat.csv');
          expect(r.ok).toBe(false);
          if (!r.ok) expect(['TOTALS_MISMATCH', 'MALFORMED_LINE']).toContain(r.error.code);
        },
      ),
      { seed: FC_SEED, numRuns: fuzzRuns(150) },
    );
  });

  it('a GBK Alipay bill cut anywhere is refused (never verified)', async () => {
    const alipay = BASES[1]![1];
    const end = alipay.lastIndexOf(iconv.encode('#退款合计', 'gbk'));
    await fc.assert(
      fc.asyncProperty(fc.integer({ min: 0, max: end }), async (at) => {
        const r = await run(alipay.subarray(0, at), 'alipay.csv');
        expect(r.ok).toBe(false);
      }),
      { seed: FC_SEED, numRuns: fuzzRuns(150) },
    );
  });
});
