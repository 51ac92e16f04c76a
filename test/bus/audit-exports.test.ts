// The auditor's API: an export fetched as a tar archive (recorded, traced, listed among staff actions) and
// checked with the documented script; the auditor reads but never writes.
import { execFileSync, spawnSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { TEST_PASSWORD, type TestStaffUser, staffUser } from '../support/staff.ts';
import { type Harness, HOSPITAL, ids, key, payment, registration, startHarness, TOKENS } from './harness.ts';

let h: Harness;
let dir: string;
let auditor: TestStaffUser;
beforeAll(async () => {
  h = await startHarness('bus_audit_exports');
  dir = await mkdtemp(join(tmpdir(), 'api-export-'));
  auditor = await staffUser(
    { app: h.app, database: h.db.database, store: h.store },
    { hospitalId: HOSPITAL, username: 'qian', role: 'auditor', password: TEST_PASSWORD },
  );
});
afterAll(async () => {
  await h?.close();
  await rm(dir, { recursive: true, force: true });
});

const today = () => new Date().toISOString().slice(0, 10);
const sha256 = (b: Buffer) => createHash('sha256').update(b).digest('hex');

async function fetchExport(query: string, headers: Record<string, string>) {
  return h.app.inject({ method: 'GET', url: `/v1/audit/exports?${query}`, headers });
}

describe('GET /v1/audit/exports', () => {
  it('an auditor fetches a tar of the period that the documented script verifies; the export is recorded and traced', async () => {
    const o = ids();
    expect(
      (await h.kiosk('POST', '/v1/orders', registration(o.orderId, o.patient), { idem: key() })).status,
    ).toBe(201);
    expect(
      (
        await h.kiosk('POST', `/v1/orders/${o.orderId}/payments`, payment(o.txn, '25.00', 'cash'), {
          idem: key(),
        })
      ).status,
    ).toBe(200);

    const res = await fetchExport(`from=${today()}&to=${today()}&timeZone=UTC`, auditor.headers);
    expect(res.statusCode, res.body).toBe(200);
    expect(res.headers['content-type']).toBe('application/x-tar');
    expect(res.headers['content-disposition']).toBe(
      `attachment; filename="audit-export-${HOSPITAL}-${today()}-${today()}.tar"`,
    );
    const exportId = String(res.headers['x-ledger-export-id']);
    const digest = String(res.headers['x-ledger-manifest-sha256']);

    // What an auditor does with it: tar xf, sha256sum -c, the documented script.
    const tarFile = join(dir, 'export.tar');
    await writeFile(tarFile, res.rawPayload);
    execFileSync('tar', ['xf', tarFile], { cwd: dir });
    const out = join(dir, `audit-export-${HOSPITAL}-${today()}-${today()}`);
    expect(execFileSync('sha256sum', ['-c', 'SHA256SUMS'], { cwd: out, encoding: 'utf8' })).toMatch(
      /manifest\.json: OK/,
    );
    expect(sha256(await readFile(join(out, 'manifest.json')))).toBe(digest);
    const doc = await readFile(join(import.meta.dirname, '../../docs/audit.md'), 'utf8');
    const script = join(dir, 'verify_export.py');
    await writeFile(script, /```python\n([\s\S]*?)```/.exec(doc)![1]!);
    const checked = spawnSync('python3', [script, out], { encoding: 'utf8' });
    expect(checked.stdout).toMatch(/^OK: \d+ events, 0 seals$/m);
    expect(checked.status).toBe(0);
    const manifest = JSON.parse(await readFile(join(out, 'manifest.json'), 'utf8'));
    expect(manifest).toMatchObject({ exportId, hospitalId: HOSPITAL });
    const events = await readFile(join(out, 'events.jsonl'), 'utf8');
    expect(events).toContain(o.txn);

    // Recorded: who, the period, from where, the digest — traced by its id and listed among staff actions.
    const traced = await h.staff(auditor.token)('GET', `/v1/audit/trace/${exportId}`);
    expect(traced.status).toBe(200);
    const recorded = traced.body.events.find((e: { type: string }) => e.type === 'AuditLogExported');
    expect(recorded).toMatchObject({
      streamId: `${HOSPITAL}/audit-export/${exportId}`,
      actor: 'staff:qian',
      data: { scope: 'hospital', fromDate: today(), toDate: today(), via: 'api', manifestSha256: digest },
    });
    // …with the sign-in of the session it was taken under.
    expect(traced.body.events.map((e: { type: string }) => e.type)).toContain('StaffSignedIn');
    const actions = await h.staff(auditor.token)('GET', '/v1/audit/staff-actions?user=qian');
    expect(actions.status).toBe(200);
    const listed = actions.body.actions.find((a: { type: string }) => a.type === 'AuditLogExported');
    expect(listed).toMatchObject({ user: 'qian', data: { exportId, manifestSha256: digest } });
    expect(listed.address).toBe('127.0.0.1');
  });

  it('bus clients and clerks may not; bad periods are 400, an empty one 404 and nothing is recorded', async () => {
    for (const caller of [h.kiosk, h.staff(TOKENS.clerk)]) {
      const refused = await caller('GET', `/v1/audit/exports?from=${today()}&to=${today()}`);
      expect(refused.status).toBe(403);
      expect(refused.body.code).toBe('FORBIDDEN_ROLE');
    }
    const auditorCall = h.staff(auditor.token);
    for (const q of [
      `from=${today()}`,
      'from=2026-12-02&to=2026-12-01',
      'from=2026-02-30&to=2026-03-01',
      'from=2024-01-01&to=2025-01-01',
      `from=${today()}&to=${today()}&timeZone=Mars/Base`,
    ]) {
      const bad = await auditorCall('GET', `/v1/audit/exports?${q}`);
      expect(bad.status, q).toBe(400);
      expect(bad.body.code, q).toBe('VALIDATION_FAILED');
    }
    const before = await auditorCall('GET', '/v1/audit/staff-actions?user=qian');
    const empty = await auditorCall('GET', '/v1/audit/exports?from=2001-01-01&to=2001-01-31');
    expect(empty.status).toBe(404);
    expect(empty.body.code).toBe('AUDIT_EXPORT_EMPTY');
    const after = await auditorCall('GET', '/v1/audit/staff-actions?user=qian');
    expect(after.body.actions).toEqual(before.body.actions);
  });
});

describe('the auditor role is read-only', () => {
  it('every route that writes refuses an auditor with 403, and nothing is appended', async () => {
    const spec = (await h.staff(TOKENS.auditor)('GET', '/docs/json')).body as {
      paths: Record<string, Record<string, unknown>>;
    };
    // An auditor's own account and session (sign in, sign out, own password), and routes that authenticate
    // by their own signatures (channel and device callbacks), are not writes an auditor could make to the books.
    // A report requested as a job is a read an auditor may ask for (it builds from the events, appends none).
    const own =
      /^\/v1\/auth\/|^\/v1\/staff\/me\b|^\/v1\/callbacks\/|^\/v1\/devices\/[^/]+\/messages|^\/v1\/reports\/[^/]+\/jobs$/;
    const count = async () =>
      (await h.db.database.db
        .selectFrom('events' as never)
        .select((eb) => eb.fn.countAll().as('n'))
        .executeTakeFirst()) as {
        n: string;
      };
    const before = await count();
    const writes: string[] = [];
    const answers: string[] = [];
    for (const [path, methods] of Object.entries(spec.paths))
      for (const method of Object.keys(methods)) {
        if (method === 'get' || method === 'head' || method === 'options') continue;
        const url = path.replace(/\{[^}]+\}/g, 'x');
        if (own.test(url)) continue;
        writes.push(`${method.toUpperCase()} ${path}`);
        const r = await h.staff(TOKENS.auditor)(method.toUpperCase(), url, {});
        if (r.status !== 403 || r.body?.code !== 'FORBIDDEN_ROLE')
          answers.push(`${method.toUpperCase()} ${path}: ${r.status} ${r.body?.code}`);
      }
    expect(writes.length).toBeGreaterThan(20);
    expect(writes).toContain('POST /v1/orders');
    expect(answers).toEqual([]);
    expect(await count()).toEqual(before);
  });
});
