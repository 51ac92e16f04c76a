import { execFileSync, spawnSync } from 'node:child_process';
import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { SqlEventStore } from '../../../src/adapters/event-store/sql-event-store.ts';
import { ev, newStream, runCli } from '../../support/audit.ts';
import { createPostgresDatabase, type TestDatabase } from '../../support/databases.ts';

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
    LEDGER_SEAL_KEY_FILE: join(dir, 'seal-key.pem'),
    LEDGER_ANCHOR_DIR: join(dir, 'anchors'),
  };
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

describe('ledger audit export', () => {
  it('exports events, seals, anchors and a manifest that the documented procedure verifies', async () => {
    const s = newStream();
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
    await store.appendToStream(newStream(), [ev('OrderCreated', { amount: '8.00' })], {
      expectedVersion: 'no_stream',
    });
    expect((await runCli(['seal'], env)).code).toBe(0);
    await store.appendToStream(s, [ev('RefundSucceeded', { amount: '20.00' })], { expectedVersion: 2 });

    const out = join(dir, 'export');
    const r = await runCli(
      ['audit', 'export', '--from', day(-1), '--to', day(1), '--time-zone', 'UTC', '--out', out],
      env,
    );
    expect(r.err).not.toMatch(/error/i);
    expect(r.code).toBe(0);
    const manifest = JSON.parse(await readFile(join(out, 'manifest.json'), 'utf8'));
    expect(manifest.counts).toEqual({ events: 4, streams: 2, seals: 1, anchors: 1 });
    expect(manifest.positions).toEqual({ first: '1', last: '4' });
    expect(manifest.publicKeys).toHaveLength(1);
    expect(manifest.anchors[0].hash).toMatch(/^[0-9a-f]{64}$/);
    const csv = await readFile(join(out, 'events.csv'));
    expect([...csv.subarray(0, 3)]).toEqual([0xef, 0xbb, 0xbf]);
    expect(csv.toString('utf8')).toContain('挂号费');

    // Step 1: the files are the ones the manifest names.
    expect(execFileSync('sha256sum', ['-c', 'SHA256SUMS'], { cwd: out, encoding: 'utf8' })).toMatch(
      /events\.jsonl: OK/,
    );
    for (const [name, f] of Object.entries<{ sha256: string }>(manifest.files))
      expect(execFileSync('sha256sum', [name], { cwd: out, encoding: 'utf8' }).split(' ')[0]).toBe(f.sha256);

    // Step 3: the documented Python script recomputes every hash.
    const script = await documentedScript();
    const ok = spawnSync('python3', [script, out], { encoding: 'utf8' });
    expect(ok.stderr).toBe('');
    expect(ok.stdout.trim()).toBe('OK: 4 events, 1 seals');
    expect(ok.status).toBe(0);

    // An export changed after the fact fails both checks.
    const jsonl = await readFile(join(out, 'events.jsonl'), 'utf8');
    await writeFile(join(out, 'events.jsonl'), jsonl.replace('"amount":"8.00"', '"amount":"80.00"'));
    expect(spawnSync('sha256sum', ['-c', '--quiet', 'SHA256SUMS'], { cwd: out }).status).not.toBe(0);
    const bad = spawnSync('python3', [script, out], { encoding: 'utf8' });
    expect(bad.status).toBe(1);
    expect(bad.stdout).toMatch(/^3: content does not match its content hash/m);
  });

  it('usage errors exit 64 before any store is opened; an empty period is an error', async () => {
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
      ['audit', 'export', '--from', '2001-01-01', '--to', '2001-01-02', '--out', join(dir, 'e')],
      env,
    );
    expect(empty.code).toBe(1);
    expect(empty.err).toMatch(/no event was recorded/);
  });
});
