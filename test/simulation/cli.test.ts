import { mkdtemp, readdir, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { EX_OTHER_DATA } from '../../src/cli/demo.ts';
import { EDGE_CASE_FINDINGS } from '../../src/simulation/types.ts';
import { runCli } from '../support/cli.ts';

let dir: string;
let store: string;
beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), 'sim-cli-'));
  store = join(dir, 'store');
});
afterAll(async () => {
  await rm(dir, { recursive: true, force: true });
});

const run = runCli;

describe('ledger simulate / ledger demo', () => {
  it('simulate writes the files, the answer key and the manifest, and the events into the configured store', async () => {
    const out = join(dir, 'day');
    const r = await run(
      [
        'simulate',
        '--date',
        '2024-05-01',
        '--orders',
        '150',
        '--anomalies',
        '9',
        '--seed',
        'cli',
        '--out',
        out,
      ],
      { LEDGER_DATA_DIR: 'memory://' },
    );
    expect(r.err).toMatch(/simulating 2024-05-01: 150 orders, 9 anomalies \(seed cli\)/);
    expect(r.code).toBe(0);
    expect(r.out).toMatch(/simulated 150 orders .* of H1 on 2024-05-01: \d+ commands, \d+ events/);
    const files = await readdir(out);
    for (const f of [
      'wechat_1900000109_20240501_ALL.csv',
      '20881234567890120156_20240501.csv.zip',
      'unionpay_898310148160568_20240501.csv',
      'his_charges_20240501.csv',
      'answer-key.json',
      'scenario.json',
    ])
      expect(files).toContain(f);
    const key = JSON.parse(await readFile(join(out, 'answer-key.json'), 'utf8'));
    expect(key.entries).toHaveLength(9 + EDGE_CASE_FINDINGS);
    expect(key.cases.length).toBeGreaterThan(0);
    expect(new Set(key.entries.map((e: { type: string }) => e.type)).size).toBe(9);
  });

  it('refuses bad options with the usage', async () => {
    const r = await run(['simulate', '--orders', 'many'], { LEDGER_DATA_DIR: 'memory://' });
    expect(r.code).toBe(64);
    expect(r.err).toMatch(/--orders must be a whole number/);
    expect(r.err).toMatch(/usage: ledger simulate/);
    const d = await run(['demo', '--bogus'], {});
    expect(d.code).toBe(64);
    expect(d.err).toMatch(/usage: ledger demo/);
  });

  it('demo --batch prints the per-channel summary and the comparison, exits 0 only on an exact match', async () => {
    const out = join(dir, 'demo');
    const r = await run(
      ['demo', '--batch', '--orders', '200', '--anomalies', '9', '--date', '2024-05-01', '--out', out],
      { LEDGER_DATA_DIR: store },
    );
    expect(r.err.includes('\r') || r.err.includes('\u001b[')).toBe(false); // batch: plain lines, no terminal tricks
    expect(r.err).not.toMatch(/^ledger demo: /m);
    expect(r.err).toMatch(/starting embedded PostgreSQL \(PGlite\)/);
    for (const label of [
      '已匹配 Matched',
      '长款（渠道单边） Channel only (long)',
      '结算短款 Settlement shortfall',
      '未达账项 Pending (not discrepancies)',
      '等待次日账单 awaiting the next day’s statement',
      '渠道处理中 in flight at the channel',
      'wechat',
      'alipay',
      'unionpay',
    ])
      expect(r.out).toContain(label);
    expect(r.out).toMatch(/precision [\d.]+%\s+recall [\d.]+%/);
    // Part of the day paid through the use case POST /v1/payments runs, against the channel sandbox, counted in the summary.
    expect(r.out).toMatch(
      /8 payments through the unified payment use case \(what POST \/v1\/payments runs\) with the channel sandbox answering: 2 QR code, 2 in-app, 3 payment code \(1 after "user is paying", settled by query\), 1 payment code timed out and reversed/,
    );
    // The channels' bills (the day's and the next day's) were downloaded from the channel sandbox through the
    // platform's clients, the bank and HIS files from the SFTP delivery server; the summary says so.
    expect(r.out).toMatch(
      /imported from: the channels' bills \((?=[^)]*wechat_1900000109_20240501_ALL\.csv)(?=[^)]*20881234567890120156_20240501\.csv\.zip)[^)]*\) downloaded from the channel sandbox at http:\/\/127\.0\.0\.1:\d+ through the platform's WeChat Pay and Alipay clients \(downloadBill\)/,
    );
    expect(r.out).toMatch(
      /the bank and HIS files \(.*his_charges_\d{8}\.csv.*\) downloaded by SFTP from sftp:\/\/hospital@127\.0\.0\.1:\d+\//,
    );
    const exact = /precision 100%\s+recall 100%/.test(r.out) && !/unexpected:|missing:|amount:/.test(r.out);
    expect(r.code).toBe(exact ? 0 : 1);
    // 9 anomalies and the HIS charge and reversal on one HIS number (two findings) of the edge cases.
    expect(r.out).toContain(
      exact ? 'OK: reconciliation found exactly the 11 injected anomalies' : 'MISMATCH',
    );
    // The reconciliation must match the answer key (see end-to-end.test.ts for the details of any difference).
    expect(r.code).toBe(0);
    expect(r.out).toMatch(/Next steps/);
    expect(r.out).toContain('discrepancies list --from 2024-05-01');
  });

  it('demo refuses a store holding another demo day, and shows the same day again', async () => {
    // Another day for the same date: reconciling both would report the other day's payments as discrepancies.
    const other = await run(
      ['demo', '--batch', '--orders', '200', '--seed', 'other', '--date', '2024-05-01'],
      {
        LEDGER_DATA_DIR: store,
      },
    );
    expect(other.code).toBe(EX_OTHER_DATA);
    expect(other.err).toMatch(/holds another demo day \(H1\/2024-05-01 orders=200 anomalies=9 seed=demo\)/);
    expect(other.err).toMatch(/Nothing was written/);
    expect(other.out).not.toMatch(/PLATFORM_ONLY|MISMATCH/);
    // Without options, the day the store holds is shown again, and still matches its answer key.
    const again = await run(['demo', '--batch', '--out', join(dir, 'again')], { LEDGER_DATA_DIR: store });
    expect(again.err).toMatch(/showing it again/);
    expect(again.out).toContain('OK: reconciliation found exactly the 11 injected anomalies');
    expect(again.code).toBe(0);
  });

  it('demo refuses a store holding data it did not write, before writing anything', async () => {
    const foreign = join(dir, 'foreign');
    const sim = await run(
      ['simulate', '--orders', '150', '--anomalies', '9', '--date', '2024-05-02', '--out', join(dir, 'sim2')],
      {
        LEDGER_DATA_DIR: foreign,
      },
    );
    expect(sim.code).toBe(0);
    const r = await run(['demo', '--batch'], { LEDGER_DATA_DIR: foreign });
    expect(r.code).toBe(EX_OTHER_DATA);
    expect(r.err).toMatch(/already holds \d+ events that the demo did not write/);
    expect(r.err).toMatch(/--fresh/);
    const f = await run(['demo', '--fresh'], { LEDGER_DATA_DIR: foreign });
    expect(f.code).toBe(64);
  });
});
