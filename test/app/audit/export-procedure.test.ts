// The export's check, run as docs/audit.md states it: its bash block and its Python script, copied out of the
// document, with only the three variables at the top of the block set to this test's export. What the document
// tells an auditor to type is what is tested.
import { spawnSync } from 'node:child_process';
import { mkdir, mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { SqlEventStore } from '../../../src/adapters/event-store/sql-event-store.ts';
import { createStaffUser } from '../../../src/app/staff/accounts.ts';
import type { HospitalId } from '../../../src/domain/ids.ts';
import { ev, newStream, runCli } from '../../support/audit.ts';
import { createPostgresDatabase, type TestDatabase } from '../../support/databases.ts';
import { TEST_PASSWORD, testStaffPorts } from '../../support/staff.ts';

let t: TestDatabase;
let store: SqlEventStore;
let dir: string;
let env: NodeJS.ProcessEnv;
beforeAll(async () => {
  t = await createPostgresDatabase('audit_export_procedure');
  store = new SqlEventStore(t.database);
  dir = await mkdtemp(join(tmpdir(), 'export-procedure-'));
  env = {
    DATABASE_URL: t.url,
    HOME: dir,
    LEDGER_SEAL_KEY_FILE: join(dir, 'keys', 'seal-key.pem'),
    LEDGER_ANCHOR_DIR: join(dir, 'anchors'),
  };
  await createStaffUser(
    testStaffPorts({ database: t.database, store }),
    {
      hospitalId: 'h1' as HospitalId,
      username: 'shen',
      displayName: '沈审计',
      role: 'auditor',
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

const DOC = join(import.meta.dirname, '../../../docs/audit.md');

/** The fenced blocks of the export-checking section, as written. */
async function documentedProcedure(): Promise<{ bash: string; python: string }> {
  const doc = await readFile(DOC, 'utf8');
  const section = doc.slice(doc.indexOf('### Checking an export, step by step'));
  const bash = /```bash\n([\s\S]*?)```/.exec(section)?.[1];
  const python = /```python\n([\s\S]*?)```/.exec(section)?.[1];
  if (!bash || !python) throw new Error('docs/audit.md: the export check has no bash or python block');
  return { bash, python };
}

/** The block with its variables set: each must be assigned, once, at the start of a line. */
function withVariables(bash: string, values: Record<string, string>): string {
  let script = bash;
  for (const [name, value] of Object.entries(values)) {
    const assignment = new RegExp(`^${name}=\\S+`, 'm');
    if (!assignment.test(script)) throw new Error(`the documented block does not set ${name}`);
    script = script.replace(assignment, `${name}='${value}'`);
  }
  return script;
}

async function runProcedure(exportDir: string, anchors: string, recorded: string) {
  const { bash, python } = await documentedProcedure();
  const cwd = await mkdtemp(join(dir, 'auditor-'));
  await writeFile(join(cwd, 'verify_export.py'), python);
  const script = withVariables(bash, { EXPORT: exportDir, ANCHORS: anchors, RECORDED: recorded });
  // -e: stop at the first command that fails, as an auditor reading the output would.
  return spawnSync('bash', ['-e', '-c', script], { cwd, encoding: 'utf8' });
}

const day = (offset: number) => new Date(Date.now() + offset * 86_400_000).toISOString().slice(0, 10);

async function takeExport(out: string): Promise<{ exportId: string; digest: string }> {
  const r = await runCli(
    [
      'audit',
      'export',
      ...['--from', day(-1), '--to', day(1), '--time-zone', 'UTC', '--out', out],
      ...['--user', 'shen', '--hospital', 'h1', '--password-stdin'],
    ],
    env,
    `${TEST_PASSWORD}\n`,
  );
  expect(r.code, r.err).toBe(0);
  const m = /recorded as export (\S+) \(manifest SHA-256 ([0-9a-f]{64})\)/.exec(r.out);
  if (!m) throw new Error(`no export record in: ${r.out}`);
  // The digest an auditor compares with is the record's, read back through the trace.
  const traced = JSON.parse((await runCli(['audit', 'trace', m[1]!, '--json'], env)).out);
  const record = traced.events.find((e: { type: string }) => e.type === 'AuditLogExported');
  expect(record.data.manifestSha256).toBe(m[2]);
  return { exportId: m[1]!, digest: record.data.manifestSha256 };
}

describe('the export check of docs/audit.md, as written', () => {
  it('passes on an export with two signed seals, events after them and another hospital inside them', async () => {
    const s = newStream('h1');
    await store.appendToStream(s, [ev('OrderCreated', { amount: '66.00', memo: '门诊 "复诊"' })], {
      expectedVersion: 'no_stream',
    });
    await store.appendToStream(newStream('h2'), [ev('OrderCreated', { amount: '9.00' })], {
      expectedVersion: 'no_stream',
    });
    expect((await runCli(['seal'], env)).code).toBe(0);
    await store.appendToStream(s, [ev('PaymentSucceeded', { amount: '66.00' })], { expectedVersion: 1 });
    expect((await runCli(['seal'], env)).code).toBe(0);
    await store.appendToStream(s, [ev('RefundSucceeded', { amount: '6.00' })], { expectedVersion: 2 });

    const out = join(dir, 'good');
    const { digest } = await takeExport(out);
    const r = await runProcedure(out, env.LEDGER_ANCHOR_DIR!, digest);
    expect(r.stderr).not.toMatch(/FAILED|error/i);
    expect(r.status).toBe(0);
    expect(r.stdout).toContain('manifest.json: OK');
    expect(r.stdout).toContain('events.jsonl: OK');
    expect(r.stdout).toMatch(/^OK: \d+ events, 2 seals$/m);
    expect(r.stdout.match(/Signature Verified Successfully/g)).toHaveLength(2);
  });

  it('fails on a changed file, a digest other than the recorded one, or an anchor directory that disagrees', async () => {
    const out = join(dir, 'bad');
    const { digest } = await takeExport(out);
    const anchors = env.LEDGER_ANCHOR_DIR!;

    // A digest that is not the record's.
    const wrong = await runProcedure(out, anchors, '0'.repeat(64));
    expect(wrong.status).not.toBe(0);
    expect(wrong.stdout).toMatch(/manifest\.json: FAILED/);

    // Anchors kept elsewhere that differ from the export's (a seal rewritten since it was anchored).
    const elsewhere = join(dir, 'other-anchors');
    const lines = (await readFile(join(anchors, 'anchors.jsonl'), 'utf8')).trim().split('\n');
    const first = JSON.parse(lines[0]!);
    await mkdir(elsewhere, { recursive: true });
    await writeFile(
      join(elsewhere, 'anchors.jsonl'),
      [JSON.stringify({ ...first, hash: 'f'.repeat(64) }), ...lines.slice(1)].join('\n'),
    );
    const disagree = await runProcedure(out, elsewhere, digest);
    expect(disagree.status).toBe(1);
    expect(disagree.stdout).toContain(`seal ${first.sealNo} differs from its anchor in`);

    // A changed event: sha256sum -c fails first.
    const jsonl = await readFile(join(out, 'events.jsonl'), 'utf8');
    await writeFile(join(out, 'events.jsonl'), jsonl.replace('"amount":"66.00"', '"amount":"6.00"'));
    const changed = await runProcedure(out, anchors, digest);
    expect(changed.status).not.toBe(0);
    expect(changed.stdout).toMatch(/events\.jsonl: FAILED/);
  });
});
