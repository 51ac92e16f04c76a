// The finance commands of `ledger` on PostgreSQL: import a simulated day's files as a clerk, reconcile, list and
// work discrepancies (maker-checker with a supervisor), days; --help on every command and subcommand, --json
// for scripts, and the documented exit codes (1 refused, 64 usage, 77 role).
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { SqlEventStore } from '../../src/adapters/event-store/sql-event-store.ts';
import { UPCASTERS } from '../../src/domain/events.ts';
import type { ScenarioManifest } from '../../src/simulation/files.ts';
import { simulateDay } from '../../src/simulation/scenario.ts';
import { createStaffUser } from '../../src/app/staff/accounts.ts';
import { signIn } from '../../src/app/staff/sessions.ts';
import type { HospitalId } from '../../src/domain/ids.ts';
import { runCli } from '../support/cli.ts';
import { TEST_PASSWORD, testStaffPorts } from '../support/staff.ts';
import { createPostgresDatabase, type TestDatabase } from '../support/databases.ts';

const DATE = '2024-05-01';
let tdb: TestDatabase;
let dir: string;
let manifest: ScenarioManifest;
let env: NodeJS.ProcessEnv;
/** Session tokens of real staff accounts (created and signed in through the use cases), by username. */
const sessions: Record<string, string> = {};
/** The environment of a command run by that signed-in user (LEDGER_SESSION, as after `ledger login`). */
const envAs = (user: string) => ({ ...env, LEDGER_SESSION: sessions[user]! });

beforeAll(async () => {
  tdb = await createPostgresDatabase('finance_cli');
  const store = new SqlEventStore(tdb.database, { upcasters: UPCASTERS });
  dir = await mkdtemp(join(tmpdir(), 'finance-cli-'));
  try {
    const sim = await simulateDay(
      { store, db: tdb.database.db, leases: tdb.database },
      { date: DATE, seed: 'cli', orders: 120, anomalies: 12 },
      dir,
    );
    manifest = sim.manifest;
    const ports = testStaffPorts({ database: tdb.database, store });
    for (const [username, role] of [
      ['li', 'finance-clerk'],
      ['wang', 'finance-supervisor'],
      ['zhao', 'auditor'],
      ['root', 'administrator'],
    ] as const) {
      const hospitalId = sim.manifest.hospitalId as HospitalId;
      await createStaffUser(
        ports,
        { hospitalId, username, displayName: username, role, password: TEST_PASSWORD },
        { actor: { kind: 'system', id: 'test' } },
      );
      const signed = await signIn(ports, { hospitalId, username, password: TEST_PASSWORD, address: 'test' });
      if (!signed.ok) throw new Error(`sign-in of ${username} failed`);
      sessions[username] = signed.token;
    }
  } finally {
    await store.close();
  }
  env = { DATABASE_URL: tdb.url, LEDGER_HOSPITAL: manifest.hospitalId, LOG_LEVEL: 'silent' };
}, 240_000);

afterAll(async () => {
  await tdb?.dispose();
  if (dir) await rm(dir, { recursive: true, force: true });
});

describe('ledger finance commands', () => {
  it('answers --help on every command and subcommand with exit 0', async () => {
    for (const argv of [
      ['projections', '--help'],
      ['statements', '--help'],
      ['statements', 'import', '--help'],
      ['statements', 'list', '--help'],
      ['reconcile', '--help'],
      ['days', '--help'],
      ...['list', 'show', 'close', 'reopen'].map((s) => ['days', s, '--help']),
      ['discrepancies', '--help'],
      ...['list', 'show', 'assign', 'comment', 'resolve', 'approve', 'reject', 'accept-timing'].map((s) => [
        'discrepancies',
        s,
        '--help',
      ]),
    ]) {
      const r = await runCli(argv, {});
      expect(r.code, `${argv.join(' ')}: ${r.err}`).toBe(0);
      expect(r.out).toMatch(/usage|ledger/i);
    }
  });

  it('refuses without an acting user (64) and a bad file with FILE:LINE: reason (1), nothing imported', async () => {
    const noUser = await runCli(['statements', 'list'], { DATABASE_URL: tdb.url });
    expect(noUser.code).toBe(77);
    expect(noUser.err).toMatch(/not signed in/);
    const bad = join(dir, 'bad.csv');
    await writeFile(bad, 'not,a\nbill\n');
    const r = await runCli(['statements', 'import', bad, '--format', 'wechat'], envAs('li'));
    expect(r.code).toBe(1);
    expect(r.err).toMatch(/^bad\.csv:\d+: .+ \(STATEMENT_(MALFORMED|TRUNCATED)\)/);
    const mapping = await runCli(['statements', 'import', bad, '--mapping', 'nope'], envAs('li'));
    expect(mapping.code).toBe(1);
    expect(mapping.err).toMatch(/UNKNOWN_MAPPING/);
    const list = await runCli(['statements', 'list', '--json'], envAs('li'));
    expect(JSON.parse(list.out)).toEqual([]);
  });

  it('imports, reconciles and works the day as a clerk and a supervisor', async () => {
    for (const f of manifest.files) {
      const args = [
        'statements',
        'import',
        join(dir, f.file),
        '--format',
        f.format,
        '--date',
        f.businessDate,
      ];
      if (f.merchantId) args.push('--merchant', f.merchantId);
      if (f.channel) args.push('--channel', f.channel);
      const r = await runCli([...args], envAs('li'));
      expect(r.code, r.err).toBe(0);
      expect(r.out).toMatch(/imported as/);
    }
    const auditorWrites = await runCli(['reconcile', '--date', DATE], envAs('zhao'));
    expect(auditorWrites.code).toBe(77);

    const rates = Object.entries(manifest.feeRates).flatMap(([c, r]) => ['--fee-rate', `${c}=${r}`]);
    const rec = await runCli(['reconcile', '--date', DATE, ...rates], envAs('li'));
    expect(rec.code, rec.err).toBe(0);
    expect(rec.out).toMatch(/matched/);

    const list = await runCli(['discrepancies', 'list', '--status', 'open', '--json'], envAs('zhao'));
    expect(list.code).toBe(0);
    const rows = JSON.parse(list.out).rows as { discrepancy_id: string; type: string }[];
    expect(rows.length).toBeGreaterThan(0);
    const table = await runCli(['discrepancies', 'list'], envAs('zhao'));
    expect(table.out.split('\n')[0]).toMatch(/^id\s+date\s+channel\s+type/);

    const co = rows.find((r) => r.type === 'CHANNEL_ONLY' || r.type === 'DUPLICATE')!;
    const show = await runCli(['discrepancies', 'show', co.discrepancy_id], envAs('li'));
    expect(show.code).toBe(0);
    expect(show.out).toMatch(/channel:\n {2}\S+:\d+: /);

    const noReason = await runCli(
      ['discrepancies', 'resolve', co.discrepancy_id, '--action', 'refund-patient'],
      envAs('li'),
    );
    expect(noReason.code).toBe(1);
    expect(noReason.err).toMatch(/RESOLUTION_REASON_REQUIRED/);
    const proposed = await runCli(
      ['discrepancies', 'resolve', co.discrepancy_id, '--action', 'refund-patient', '--reason', 'paid twice'],
      envAs('li'),
    );
    expect(proposed.out).toMatch(/proposed/);
    const clerk = await runCli(['discrepancies', 'approve', co.discrepancy_id], envAs('li'));
    expect(clerk.code).toBe(77);
    const approved = await runCli(['discrepancies', 'approve', co.discrepancy_id, '--json'], envAs('wang'));
    expect(approved.code, approved.err).toBe(0);
    expect(JSON.parse(approved.out)).toMatchObject({
      status: 'resolved',
      approvedBy: 'wang',
    });

    const days = await runCli(['days', 'list', '--from', DATE, '--json'], envAs('zhao'));
    const d = JSON.parse(days.out) as { channel: string; discrepancies_open: number }[];
    expect(d.length).toBeGreaterThan(0);
    const open = d.find((x) => x.discrepancies_open > 0)!;
    const close = await runCli(['days', 'close', open.channel, DATE], envAs('li'));
    expect(close.code).toBe(1);
    expect(close.err).toMatch(/DAY_NOT_BALANCED/);
    const shown = await runCli(['days', 'show', open.channel, DATE], envAs('li'));
    expect(shown.out).toMatch(/matched \d+/);
  });
});

describe('ledger refunds: the hospital’s refund policy and bank return files', () => {
  it('shows the default, refuses a clerk and a bad policy, sets one with its reason', async () => {
    const shown = await runCli(['refunds', 'policy', '--json'], envAs('zhao'));
    expect(shown.code).toBe(0);
    expect(JSON.parse(shown.out)).toMatchObject({ hospitalSet: false, policy: { order: 'newest-first' } });
    const policy =
      '{"order":"largest-first","windowsDays":{"wechat":365,"alipay":180},"fallbacks":["cash-window"]}';
    const clerk = await runCli(['refunds', 'set-policy', '--policy', policy, '--reason', 'x'], envAs('li'));
    expect(clerk.code).not.toBe(0);
    expect(clerk.err).toMatch(/STAFF_ROLE_FORBIDDEN/);
    const bad = await runCli(
      [
        'refunds',
        'set-policy',
        '--policy',
        '{"order":"random","windowsDays":{},"fallbacks":["cash-window"]}',
        '--reason',
        'x',
      ],
      envAs('root'),
    );
    expect(bad.code).toBe(1);
    expect(bad.err).toMatch(/REFUND_PLAN_INVALID/);
    const set = await runCli(
      ['refunds', 'set-policy', '--policy', policy, '--reason', '支付宝延长退款期'],
      envAs('root'),
    );
    expect(set.code, set.err).toBe(0);
    expect(set.out).toMatch(/set by the hospital \(version 1\): largest-first/);
    const after = await runCli(['refunds', 'policy', '--json'], envAs('li'));
    expect(JSON.parse(after.out)).toMatchObject({
      hospitalSet: true,
      policy: { order: 'largest-first', windowsDays: { alipay: 180 } },
    });
  });

  it('reads a bank return file line by line, naming file, line and reason', async () => {
    const file = join(dir, 'returns.csv');
    await writeFile(file, 'refund_no,amount,reason,bank_ref\nNOPE.L1,10.00,账户已销户,BR-1\nbroken line\n');
    const r = await runCli(['refunds', 'returns', file], envAs('li'));
    expect(r.code).toBe(0);
    expect(r.out).toContain(`${file},2,REFUND_PLAN_NOT_FOUND`);
    expect(r.out).toContain(`${file},3,RETURN_LINE_INVALID`);
  });
});
