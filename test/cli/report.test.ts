import { existsSync } from 'node:fs';
import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import ExcelJS from 'exceljs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { SqlEventStore } from '../../src/adapters/event-store/sql-event-store.ts';
import { UPCASTERS } from '../../src/domain/events.ts';
import { simulateDay } from '../../src/simulation/scenario.ts';
import { runCli } from '../support/cli.ts';
import { createPostgresDatabase, type TestDatabase } from '../support/databases.ts';

const DATE = '2024-05-01';
let tdb: TestDatabase;
let dir: string;
let env: NodeJS.ProcessEnv;

beforeAll(async () => {
  tdb = await createPostgresDatabase('cli_report');
  dir = await mkdtemp(join(tmpdir(), 'cli-report-'));
  const store = new SqlEventStore(tdb.database, { upcasters: UPCASTERS });
  try {
    await simulateDay(
      { store, db: tdb.database.db, leases: tdb.database },
      { date: DATE, seed: 'cli-report', orders: 40, anomalies: 2, hospitalId: 'H1' },
      join(dir, 'day'),
    );
  } finally {
    await store.close();
  }
  env = { DATABASE_URL: tdb.url!, LOG_LEVEL: 'silent' };
}, 300_000);

afterAll(async () => {
  await tdb?.dispose();
  if (dir) await rm(dir, { recursive: true, force: true });
});

describe('ledger report', () => {
  it('list names every report with its sheets; --help shows the usage', async () => {
    const list = await runCli(['report', 'list'], env);
    expect(list.code).toBe(0);
    for (const name of ['daily-settlement', 'reconciliation', 'discrepancy-ageing', 'deposit-balances'])
      expect(list.out).toContain(name);
    expect(list.out).toContain('cash-operators');
    const help = await runCli(['report', '--help'], env);
    expect(help.code).toBe(0);
    expect(help.out).toContain('--as-of');
  });

  it('writes the workbook with progress, and the CSV to stdout', async () => {
    const out = join(dir, '日结.xlsx');
    const r = await runCli(
      ['report', 'daily-settlement', '--hospital', 'H1', '--from', DATE, '--to', DATE, '--out', out],
      env,
    );
    expect(r.code, r.err).toBe(0);
    expect(r.err).toMatch(/reading events: position \d+\/\d+/);
    expect(r.err).toMatch(/writing rows: \d+\/\d+/);
    expect(existsSync(`${out}.partial`)).toBe(false);
    const wb = new ExcelJS.Workbook();
    await wb.xlsx.load((await readFile(out)) as unknown as ArrayBuffer);
    expect(wb.worksheets.map((w) => w.name)).toEqual(['封面', '日结汇总', '现金收款员']);

    const csv = await runCli(
      [
        'report',
        'channel-settlements',
        '--hospital',
        'H1',
        '--from',
        DATE,
        '--to',
        DATE,
        '--lang',
        'en',
        '--out',
        '-',
      ],
      env,
    );
    expect(csv.code, csv.err).toBe(0);
    expect(csv.out.startsWith('\uFEFFBusiness date,Channel,Owed')).toBe(true);
  });

  it('a refused request exits 65 and writes no file', async () => {
    const out = join(dir, 'bad.xlsx');
    const r = await runCli(
      ['report', 'reconciliation', '--hospital', 'H1', '--from', '2024-05-02', '--to', DATE, '--out', out],
      env,
    );
    expect(r.code).toBe(65);
    expect(r.err).toContain('REPORT_PERIOD_INVALID');
    expect(existsSync(out) || existsSync(`${out}.partial`)).toBe(false);
    const missing = await runCli(['report', 'reconciliation', '--from', DATE, '--to', DATE], env);
    expect(missing.code).toBe(64);
    expect(missing.err).toContain('missing: --hospital, --out');
  });
});
