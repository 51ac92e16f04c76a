// Fuzzing the account-statement parsers and the acquirer WeChat layout with fixed seeds
// (STATEMENT_FUZZ_RUNS raises the number of runs for a longer search).
import { gzipSync } from 'node:zlib';
import { Decimal } from 'decimal.js';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { accountStatement, accountZip, fundFlowBill, gbk } from './accounts.ts';
import { mutate, mutation, run } from './mutations.ts';

const RUNS = Number(process.env.STATEMENT_FUZZ_RUNS ?? 250);
const SEED = 20240501;

const BASES: [string, Buffer][] = [
  ['fundflow.csv', Buffer.from(fundFlowBill())],
  ['fundflow.csv.gz', gzipSync(Buffer.from(fundFlowBill()))],
  ['account.csv', gbk(accountStatement())],
  ['account.csv.zip', accountZip(accountStatement())],
];

describe('fuzzed account statements', () => {
  it('the unmutated bases verify', async () => {
    for (const [name, b] of BASES) expect((await run(b, name)).ok).toBe(true);
  });

  it('never throw anything but a StatementError, and never yield a line after the failing line', async () => {
    await fc.assert(
      fc.asyncProperty(fc.constantFrom(...BASES), mutation, async ([name, base], m) => {
        const r = await run(mutate(base, m), name);
        if (!r.ok && r.error.line > 0)
          for (const l of r.lines) expect(l.lineNo).toBeLessThanOrEqual(r.error.line);
      }),
      { numRuns: RUNS, seed: SEED },
    );
  });

  it('a verified fund-flow bill adds up to what its (mutated) summary row says', async () => {
    const text = fundFlowBill(undefined, { eol: '\n' });
    await fc.assert(
      fc.asyncProperty(mutation, async (m) => {
        const data = mutate(Buffer.from(text), m);
        const r = await run(data, 'fundflow.csv');
        if (!r.ok) return;
        const rows = new TextDecoder()
          .decode(data)
          .split('\n')
          .filter((l) => l.trim() !== '');
        const header = rows.at(-2)!.split(',');
        const values = rows
          .at(-1)!
          .split(',')
          .map((v) => v.slice(1));
        const declared = (c: string) => values[header.indexOf(c)]!;
        const income = r.lines.filter(
          (l) => l.kind === 'payment' || l.kind === 'income' || l.fee?.startsWith('-'),
        );
        expect(r.lines.length).toBe(Number(declared('资金流水总笔数')));
        expect(income.reduce((a, l) => a.plus(l.amount), new Decimal(0)).equals(declared('收入金额'))).toBe(
          true,
        );
      }),
      { numRuns: RUNS, seed: SEED + 1 },
    );
  });

  it('changing one digit of an amount in an account statement row is always refused', async () => {
    const text = accountStatement();
    const rows = text.split('\r\n');
    const detail = rows.map((r, i) => [r, i] as const).filter(([r]) => /^\d{14}\t,/.test(r));
    await fc.assert(
      fc.asyncProperty(
        fc.constantFrom(...detail),
        fc.integer({ min: 1, max: 9 }),
        async ([row, i], delta) => {
          const f = row.split(',');
          const k = new Decimal(f[6]!).isZero() ? 7 : 6;
          f[k] = f[k]!.slice(0, -1) + String((Number(f[k]!.at(-1)) + delta) % 10);
          const copy = [...rows];
          copy[i] = f.join(',');
          const r = await run(gbk(copy.join('\r\n')), 'account.csv');
          expect(r.ok).toBe(false);
        },
      ),
      { numRuns: Math.min(RUNS, 100), seed: SEED + 2 },
    );
  });
});
