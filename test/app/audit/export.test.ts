import { createHash } from 'node:crypto';
import { execFileSync, spawnSync } from 'node:child_process';
import { mkdtemp, readdir, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { sql } from 'kysely';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { SqlEventStore } from '../../../src/adapters/event-store/sql-event-store.ts';
import { createStaffUser } from '../../../src/app/staff/accounts.ts';
import type { HospitalId } from '../../../src/domain/ids.ts';
import type { StaffRole } from '../../../src/domain/staff/index.ts';
import { ev, newStream, runCli } from '../../support/audit.ts';
import { createPostgresDatabase, type TestDatabase } from '../../support/databases.ts';
import { TEST_PASSWORD, testStaffPorts } from '../../support/staff.ts';

let t: TestDatabase;
let store: SqlEventStore;
let dir: string;
let env: NodeJS.ProcessEnv;
beforeAll(async () => {
  t = await createPostgresDatabase('audit_export');
  store = new SqlEventStore(t.database);
  dir = await mkdtemp(join(tmpdir(), 'audit-export-'));
  env = {
    DATABASE_URL: t.url,
    HOME: dir,
    LEDGER_SEAL_KEY_FILE: join(dir, 'seal-key.pem'),
    LEDGER_ANCHOR_DIR: join(dir, 'anchors'),
  };
  const staff = testStaffPorts({ database: t.database, store });
  const users: [string, string, StaffRole][] = [
    ['h1', 'shen', 'auditor'],
    ['h1', 'li', 'finance-clerk'],
    ['h2', 'root', 'administrator'],
  ];
  for (const [hospitalId, username, role] of users)
    await createStaffUser(
      staff,
      {
        hospitalId: hospitalId as HospitalId,
        username,
        displayName: username,
        role,
        password: TEST_PASSWORD,
      },
      { actor: { kind: 'system', id: 'test' } },
    );
});
afterAll(async () => {
  await store.close();
  await t.dispose();
  await rm(dir, { recursive: true, force: true });
});

/** The Python block of docs/audit.md, exactly as an auditor would copy it. */
async function documentedScript(): Promise<string> {
  const doc = await readFile(join(import.meta.dirname, '../../../docs/audit.md'), 'utf8');
  const m = /```python\n([\s\S]*?)```/.exec(doc);
  if (!m) throw new Error('docs/audit.md has no python block');
  const file = join(dir, 'verify_export.py');
  await writeFile(file, m[1]!);
  return file;
}

const day = (offset: number) => new Date(Date.now() + offset * 86_400_000).toISOString().slice(0, 10);
const period = ['--from', day(-1), '--to', day(1), '--time-zone', 'UTC'];
const as = (hospital: string, user: string) => ['--user', user, '--hospital', hospital, '--password-stdin'];
const pw = `${TEST_PASSWORD}\n`;
const sha256 = (b: Buffer) => createHash('sha256').update(b).digest('hex');

describe('ledger audit export', () => {
  it("exports the user's hospital (others' events as hashes), verified by the documented script, and records itself", async () => {
    const s = newStream('h1');
    await store.appendToStream(
      s,
      [
        ev('OrderCreated', { amount: '120.50', memo: '挂号费, "门诊"\n二楼' }),
        ev(
          'PaymentSucceeded',
          { amount: '120.50', count: 2 },
          { metadata: { actor: 'kiosk-7', channel: 'wechat' } },
        ),
      ],
      { expectedVersion: 'no_stream' },
    );
    await store.appendToStream(newStream('h2'), [ev('OrderCreated', { amount: '8.00', patient: '张三' })], {
      expectedVersion: 'no_stream',
    });
    expect((await runCli(['seal'], env)).code).toBe(0);
    await store.appendToStream(s, [ev('RefundSucceeded', { amount: '20.00' })], { expectedVersion: 2 });

    const out = join(dir, 'export');
    const r = await runCli(['audit', 'export', ...period, '--out', out, ...as('h1', 'shen')], env, pw);
    expect(r.err).not.toMatch(/error/i);
    expect(r.code).toBe(0);
    const manifest = JSON.parse(await readFile(join(out, 'manifest.json'), 'utf8'));
    expect(manifest.hospitalId).toBe('h1');
    // h1's events only (its staff accounts, this export's sign-in, the order); h2's as position and hash.
    const jsonl = await readFile(join(out, 'events.jsonl'), 'utf8');
    const exported = jsonl
      .trim()
      .split('\n')
      .map((l) => JSON.parse(l));
    expect(new Set(exported.map((e) => e.hospitalId))).toEqual(new Set(['h1']));
    expect(exported.filter((e) => e.streamId === s).map((e) => e.type)).toEqual([
      'OrderCreated',
      'PaymentSucceeded',
      'RefundSucceeded',
    ]);
    expect(manifest.counts).toMatchObject({ events: exported.length, seals: 1, anchors: 1 });
    expect(manifest.counts.otherHospitalEvents).toBeGreaterThanOrEqual(2); // h2's administrator and order
    expect(manifest.positions.first).toBe('1');
    expect(manifest.publicKeys).toHaveLength(1);
    expect(manifest.anchors[0].hash).toMatch(/^[0-9a-f]{64}$/);
    expect(jsonl).not.toContain('张三');
    const others = (await readFile(join(out, 'other-hospitals.jsonl'), 'utf8')).trim().split('\n');
    expect(others.map((l) => Object.keys(JSON.parse(l)).join())).toContain('position,hash');
    expect(new Set(others.map((l) => Object.keys(JSON.parse(l)).join()))).toEqual(new Set(['position,hash']));
    const csv = await readFile(join(out, 'events.csv'));
    expect([...csv.subarray(0, 3)]).toEqual([0xef, 0xbb, 0xbf]);
    expect(csv.toString('utf8')).toContain('挂号费');

    // The files are the ones the manifest names; the documented script recomputes every hash and the seal,
    // the other hospital's event entering the seal by its hash alone.
    expect(execFileSync('sha256sum', ['-c', 'SHA256SUMS'], { cwd: out, encoding: 'utf8' })).toMatch(
      /other-hospitals\.jsonl: OK/,
    );
    const script = await documentedScript();
    const ok = spawnSync('python3', [script, out, env.LEDGER_ANCHOR_DIR!], { encoding: 'utf8' });
    expect(ok.stderr).toBe('');
    expect(ok.stdout.trim()).toBe(`OK: ${exported.length} events, 1 seals`);
    expect(ok.status).toBe(0);

    // The export is a recorded fact: who, the period, from where, the manifest's digest; traced by its id.
    const exportId = /recorded as export (\S+)/.exec(r.out)?.[1];
    expect(exportId).toBe(manifest.exportId);
    const traced = await runCli(['audit', 'trace', exportId!, '--json'], env);
    expect(traced.code, traced.err).toBe(0);
    const events = JSON.parse(traced.out).events as {
      type: string;
      actor: string;
      streamId: string;
      data: Record<string, unknown>;
    }[];
    const recorded = events.find((e) => e.type === 'AuditLogExported')!;
    expect(recorded.streamId).toBe(`h1/audit-export/${exportId}`);
    expect(recorded.actor).toBe('staff:shen');
    expect(recorded.data).toMatchObject({
      scope: 'hospital',
      fromDate: day(-1),
      toDate: day(1),
      timeZone: 'UTC',
      firstPosition: '1',
      events: exported.length,
      via: 'cli',
      manifestSha256: sha256(await readFile(join(out, 'manifest.json'))),
    });
    // …with the sign-in and sign-out of the session it was taken under.
    expect(events.map((e) => e.type)).toEqual(['StaffSignedIn', 'StaffSignedOut', 'AuditLogExported']);
    const { rows } = await sql<{ address: string }>`
      SELECT metadata->>'address' AS address FROM events WHERE stream_id = ${recorded.streamId}`.execute(
      t.database.db,
    );
    expect(rows.map((x) => x.address)).toEqual([expect.stringMatching(/^cli:/)]);

    // An export changed after the fact fails both checks.
    await writeFile(join(out, 'events.jsonl'), jsonl.replace('"amount":"20.00"', '"amount":"2.00"'));
    expect(spawnSync('sha256sum', ['-c', '--quiet', 'SHA256SUMS'], { cwd: out }).status).not.toBe(0);
    const bad = spawnSync('python3', [script, out], { encoding: 'utf8' });
    expect(bad.status).toBe(1);
    const refund = exported.find((e) => e.type === 'RefundSucceeded');
    expect(bad.stdout).toContain(`${refund.position}: content does not match its content hash`);
  });

  it('--all-hospitals exports every hospital, and is recorded in the acting user’s hospital', async () => {
    const out = join(dir, 'all');
    const r = await runCli(
      ['audit', 'export', ...period, '--out', out, '--all-hospitals', ...as('h2', 'root')],
      env,
      pw,
    );
    expect(r.code, r.err).toBe(0);
    const manifest = JSON.parse(await readFile(join(out, 'manifest.json'), 'utf8'));
    expect(manifest.hospitalId).toBeNull();
    expect(manifest.counts.otherHospitalEvents).toBe(0);
    expect(await readFile(join(out, 'events.jsonl'), 'utf8')).toContain('张三');
    const ok = spawnSync('python3', [await documentedScript(), out], { encoding: 'utf8' });
    expect(ok.stdout).toMatch(/^OK: /);
    const traced = JSON.parse((await runCli(['audit', 'trace', manifest.exportId, '--json'], env)).out);
    const recorded = traced.events.find((e: { type: string }) => e.type === 'AuditLogExported');
    expect(recorded.streamId).toMatch(/^h2\/audit-export\//);
    expect(recorded.data.scope).toBe('all-hospitals');
  });

  it('a clerk or nobody signed in may not export (77, nothing written); usage errors exit 64; an empty period is an error', async () => {
    const out = join(dir, 'refused');
    const clerk = await runCli(['audit', 'export', ...period, '--out', out, ...as('h1', 'li')], env, pw);
    expect(clerk.code).toBe(77);
    expect(clerk.err).toMatch(/auditor or administrator/);
    const nobody = await runCli(['audit', 'export', ...period, '--out', out], env);
    expect(nobody.code).toBe(77);
    await expect(readdir(out)).rejects.toThrow();

    const nowhere = { DATABASE_URL: 'postgres://nobody@127.0.0.1:1/none' };
    expect(
      (await runCli(['audit', 'export', '--from', '2026-13-01', '--to', '2026-12-01'], nowhere)).code,
    ).toBe(64);
    expect(
      (await runCli(['audit', 'export', '--from', '2026-12-02', '--to', '2026-12-01'], nowhere)).code,
    ).toBe(64);
    expect((await runCli(['audit', 'export', '--from', '2026-12-01'], nowhere)).code).toBe(64);
    expect(
      (
        await runCli(
          ['audit', 'export', '--from', '2026-12-01', '--to', '2026-12-01', '--time-zone', 'Mars/Base'],
          nowhere,
        )
      ).code,
    ).toBe(64);
    const empty = await runCli(
      [
        'audit',
        'export',
        '--from',
        '2001-01-01',
        '--to',
        '2001-01-02',
        '--out',
        join(dir, 'e'),
        ...as('h1', 'shen'),
      ],
      env,
      pw,
    );
    expect(empty.code).toBe(1);
    expect(empty.err).toMatch(/no event of h1 was recorded/);
  });
});
