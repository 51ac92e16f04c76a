import { createHash } from 'node:crypto';
import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Decimal } from 'decimal.js';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  ANSWER_KEY_FILE,
  MANIFEST_FILE,
  type ScenarioManifest,
  writeDayFiles,
} from '../../src/simulation/files.ts';
import { fileSource, parseStatement, validateStatement } from '../../src/adapters/statements/index.ts';
import type { StatementLine } from '../../src/domain/reconciliation/statement-line.ts';
import { generateDay } from '../../src/simulation/generate.ts';
import type { SimulatedDay } from '../../src/simulation/types.ts';

const DATE = '2024-05-01';
let dir: string;
let day: SimulatedDay;
let manifest: ScenarioManifest;

async function allLines(path: string, format: string, date: string): Promise<StatementLine[]> {
  const out: StatementLine[] = [];
  const it = parseStatement(fileSource(path), { format: format as never, businessDate: date });
  for (;;) {
    const r = await it.next();
    if (r.done) break;
    out.push(...r.value);
  }
  return out;
}

beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), 'sim-files-'));
  day = generateDay({ date: DATE, seed: 'files', orders: 1_500, anomalies: 18 });
  manifest = await writeDayFiles(day, dir);
});
afterAll(async () => {
  await rm(dir, { recursive: true, force: true });
});

describe('simulated statement files', () => {
  it('writes the day’s WeChat bill, Alipay zip, UnionPay CSV and HIS extract, the next day’s bills, key and manifest', async () => {
    const names = manifest.files.map((f) => f.file);
    expect(names).toContain('wechat_1900000109_20240501_ALL.csv');
    expect(names).toContain('20881234567890120156_20240501.csv.zip');
    expect(names).toContain('unionpay_898310148160568_20240501.csv');
    expect(names).toContain('his_charges_20240501.csv');
    expect(
      manifest.files.filter((f) => f.role === 'next-day').every((f) => f.businessDate === '2024-05-02'),
    ).toBe(true);
    const key = JSON.parse(await readFile(join(dir, ANSWER_KEY_FILE), 'utf8'));
    expect(key.entries).toEqual(day.answerKey);
    const m = JSON.parse(await readFile(join(dir, MANIFEST_FILE), 'utf8'));
    expect(m.files).toEqual(manifest.files);
  });

  it('every file parses with the real parsers, detected automatically, and its totals verify', async () => {
    for (const f of manifest.files) {
      const path = join(dir, f.file);
      const explicit = await validateStatement(fileSource(path), {
        format: f.format,
        businessDate: f.businessDate,
      });
      const auto = await validateStatement(fileSource(path), { businessDate: f.businessDate });
      expect(auto.sha256).toBe(explicit.sha256);
      expect(auto.format).toBe(explicit.format);
      expect(explicit.lines).toBe(f.lines);
      expect(explicit.checks.length).toBeGreaterThan(0);
      for (const c of explicit.checks) expect(new Decimal(c.declared).equals(c.computed)).toBe(true);
      if (f.merchantId && f.lines > 0) expect(explicit.merchantId).toBe(f.merchantId);
    }
  });

  it('the parsed lines are the channel’s and the HIS’s records: keys, amounts, fees, dates', async () => {
    for (const f of manifest.files) {
      const lines = await allLines(join(dir, f.file), f.format, f.businessDate);
      const records =
        f.party === 'his'
          ? day.hisRecords.filter((r) => r.businessDate === f.businessDate)
          : day.channelRecords.filter((r) => r.channel === f.channel && r.businessDate === f.businessDate);
      expect(lines).toHaveLength(records.length);
      const key = (x: { kind: string; merchantOrderNo?: string; amount: string; occurredAt: string }) =>
        `${x.kind}|${x.merchantOrderNo}|${x.amount}|${x.occurredAt}`;
      expect(lines.map(key).sort()).toEqual(records.map((r) => key(r)).sort());
      for (const l of lines) expect(l.businessDate).toBe(f.businessDate);
      if (f.channel === 'wechat' || f.channel === 'alipay' || f.channel === 'unionpay') {
        const fees = (xs: { fee?: string }[]) =>
          xs.reduce((s, x) => s.plus(x.fee ?? '0'), new Decimal(0)).toFixed(2);
        expect(fees(lines)).toBe(fees(records as { fee?: string }[]));
      }
      if (f.channel === 'wechat' || f.channel === 'alipay') {
        const refundNos = (xs: { kind: string; refundNo?: string }[]) =>
          xs
            .filter((x) => x.kind === 'refund')
            .map((x) => x.refundNo)
            .sort();
        expect(refundNos(lines)).toEqual(refundNos(records));
      }
    }
  });

  it('the same seed writes byte-identical files', async () => {
    const other = await mkdtemp(join(tmpdir(), 'sim-files-'));
    try {
      const again = await writeDayFiles(
        generateDay({ date: DATE, seed: 'files', orders: 1_500, anomalies: 18 }),
        other,
      );
      for (const f of again.files) {
        const h = async (d: string) =>
          createHash('sha256')
            .update(await readFile(join(d, f.file)))
            .digest('hex');
        expect(await h(other)).toBe(await h(dir));
      }
    } finally {
      await rm(other, { recursive: true, force: true });
    }
  });
});
