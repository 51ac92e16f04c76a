// A totals check is never skipped: a WeChat bill whose summary header or summary row has one corrupted byte —
// the case the random-seeded fuzz test once found verified — is refused, every byte of it, with the line and a
// reason. An example test, exhaustive over the summary's bytes, so it cannot pass by luck of a seed.
import { describe, expect, it } from 'vitest';
import { writeWechatBill } from '../../../src/adapters/statements/index.ts';
import { dayEntries } from './builders.ts';
import { run } from './mutations.ts';

const bill = Buffer.from(writeWechatBill(dayEntries(12, 3), { merchantId: '1900000109', eol: '\n' }));
const text = bill.toString('utf8');
const headerAt = Buffer.byteLength(text.slice(0, text.indexOf('总交易单数')));
const rows = text.split('\n');
const headerLine = rows.findIndex((r) => r.startsWith('总交易单数')) + 1;

describe('the summary of a WeChat bill is always checked', () => {
  it('the bill as written verifies, every total it states checked', async () => {
    const r = await run(bill, 'wechat.csv');
    expect(r.ok).toBe(true);
    if (r.ok) expect(r.summary.checks.length).toBe(r.summary.totalsStated);
  });

  it('one corrupted byte anywhere in the summary header or row is refused with its line and a reason', async () => {
    const original = await run(bill, 'wechat.csv');
    const checks = original.ok ? original.summary.checks : [];
    const refusedAt = new Set<number>();
    let verified = 0;
    for (let i = headerAt; i < bill.length; i++) {
      for (const flip of [0x01, 0x80]) {
        const data = Buffer.from(bill);
        data[i] = data[i]! ^ flip;
        const r = await run(data, 'wechat.csv');
        if (r.ok) {
          // Only a change that reads the same (a trailing newline turned into other white space) may verify,
          // and then with every total it states checked, as the original was.
          expect(r.summary.checks, `byte ${i} ^ ${flip}`).toEqual(checks);
          expect(r.summary.checks.length).toBe(r.summary.totalsStated);
          verified++;
          continue;
        }
        expect(r.error.reason.length).toBeGreaterThan(0);
        expect(r.error.line).toBeGreaterThanOrEqual(headerLine);
        refusedAt.add(r.error.line);
      }
    }
    // Refusals name the summary header or row (or the line a broken newline merged into them).
    expect([...refusedAt].every((l) => l <= headerLine + 2)).toBe(true);
    expect(verified).toBeLessThanOrEqual(2);
  });

  it('a summary header whose 总交易单数 is damaged is refused, not verified without its totals', async () => {
    const damaged = Buffer.from(text.replace('总交易单数', '总交易单敷'));
    const r = await run(damaged, 'wechat.csv');
    expect(r.ok).toBe(false);
    if (!r.ok) expect([r.error.code, r.error.line]).toEqual(['MALFORMED_LINE', headerLine]);
  });
});
