// Manual matching over HTTP: proposals beside an open item, accepted by a clerk; a match awaiting approval,
// approved by a supervisor (a clerk is forbidden); evidence uploaded as base64 JSON, refused by its bytes, listed,
// and downloaded as an attachment of its checked type; an auditor reads but cannot match.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { SqlEventStore } from '../../src/adapters/event-store/sql-event-store.ts';
import { createLogger } from '../../src/adapters/log.ts';
import { MemoryNonceStore } from '../../src/adapters/nonce/memory.ts';
import { SqlClientStore } from '../../src/adapters/clients/sql-client-store.ts';
import { generateMasterKey, parseMasterKeys } from '../../src/adapters/secrets/keyring.ts';
import { keyringSealer } from '../../src/adapters/secrets/sealer.ts';
import { ClientRegistry } from '../../src/app/clients.ts';
import { type App, buildServer } from '../../src/bus/server.ts';
import { handle } from '../../src/domain/command-handler.ts';
import { UPCASTERS } from '../../src/domain/events.ts';
import { HospitalId } from '../../src/domain/ids.ts';
import { discrepancyDecider, discrepancyIdOf } from '../../src/domain/reconciliation/discrepancy.ts';
import { manualCases } from '../../src/simulation/manual-cases.ts';
import { createPostgresDatabase, type TestDatabase } from '../support/databases.ts';
import { staffUser } from '../support/staff.ts';

const H = 'H-MM';
const T = { clerk: '', supervisor: '', auditor: '' };
let tdb: TestDatabase;
let store: SqlEventStore;
let app: App;
// biome-ignore lint/suspicious/noExplicitAny: tests read JSON answers field by field
type Json = any;

async function call(token: string, method: 'GET' | 'POST', url: string, body?: unknown) {
  const r = await app.inject({
    method,
    url,
    headers: {
      authorization: `Bearer ${token}`,
      ...(body !== undefined ? { 'content-type': 'application/json' } : {}),
    },
    ...(body !== undefined ? { payload: JSON.stringify(body) } : {}),
  });
  return {
    status: r.statusCode,
    headers: r.headers,
    raw: r.rawPayload,
    body: r.body.startsWith('{') ? (JSON.parse(r.body) as Json) : null,
  };
}

const gen = manualCases({
  hospitalId: H,
  channel: 'wechat',
  businessDate: '2026-11-12',
  n: 3,
  feeRate: '0.006',
});
const idOf = (s: string) => discrepancyIdOf(gen.findings.find((f) => f.subject === s)!);

beforeAll(async () => {
  tdb = await createPostgresDatabase('manual_match_http');
  store = new SqlEventStore(tdb.database, { upcasters: UPCASTERS });
  const keyring = parseMasterKeys(generateMasterKey());
  app = await buildServer({
    store,
    database: tdb.database,
    clients: new ClientRegistry(new SqlClientStore(tdb.database.db), keyringSealer(keyring)),
    keyring,
    nonceStore: new MemoryNonceStore(),
    logger: createLogger({ name: 'mm-test', level: 'silent' }),
  });
  const target = { app, database: tdb.database, store };
  T.clerk = (await staffUser(target, { hospitalId: H, username: 'li', role: 'finance-clerk' })).token;
  T.supervisor = (
    await staffUser(target, { hospitalId: H, username: 'wang', role: 'finance-supervisor' })
  ).token;
  T.auditor = (await staffUser(target, { hospitalId: H, username: 'zhao', role: 'auditor' })).token;
  for (const f of gen.findings)
    await handle(store, discrepancyDecider, {
      type: 'RaiseDiscrepancy',
      hospitalId: HospitalId(H),
      at: new Date(),
      actor: { kind: 'system', id: 'reconciliation' },
      discrepancyId: discrepancyIdOf(f),
      finding: f,
      runId: 'gen',
    });
}, 120_000);

afterAll(async () => {
  await app?.close();
  await store?.close();
  await tdb?.dispose();
});

describe('manual matching over HTTP', () => {
  it('lists proposals beside an item and accepts one; approval by a supervisor only', async () => {
    const lump = gen.key.find((k) => k.case === 'lump-sum-net-of-fees')!;
    const bank = idOf(lump.subjects[0]!);
    const listed = await call(T.auditor, 'GET', `/v1/discrepancies/${bank}/proposals`);
    expect(listed.status).toBe(200);
    const p = listed.body.proposals[0];
    expect(p).toMatchObject({ difference: { as: 'fee' } });
    expect(p.reasons.map((r: Json) => r.code)).toContain('net-of-fee');
    expect(
      (await call(T.auditor, 'POST', `/v1/proposals/${p.proposalId}/accept`, { discrepancyId: bank })).status,
    ).toBe(403);
    const accepted = await call(T.clerk, 'POST', `/v1/proposals/${p.proposalId}/accept`, {
      discrepancyId: bank,
    });
    expect(accepted.status).toBe(200);
    expect(accepted.body.status).toBe('awaiting-approval');
    const m = accepted.body.matchId;
    expect((await call(T.clerk, 'POST', `/v1/matches/${m}/approve`, {})).status).toBe(403);
    const ok = await call(T.supervisor, 'POST', `/v1/matches/${m}/approve`, {});
    expect(ok.status).toBe(200);
    expect(ok.body).toMatchObject({ status: 'recorded', difference: { as: 'fee' } });
    const day = await call(T.auditor, 'GET', '/v1/days/wechat/2026-11-12/matches');
    expect(day.body.matches.map((x: Json) => x.matchId)).toContain(m);
  });

  it('matches by hand, refuses what does not conserve, unmatches, and keeps evidence', async () => {
    const mangled = gen.key.find((k) => k.case === 'mangled-reference')!;
    const ids = mangled.subjects.map(idOf);
    const merged = gen.key.find((k) => k.case === 'merged-refunds')!;
    const bad = await call(T.clerk, 'POST', '/v1/matches', {
      discrepancyIds: [ids[0], idOf(merged.subjects[1]!)],
      reason: 'x',
    });
    expect(bad.status).toBe(422);
    expect(bad.body.code).toBe('MATCH_NOT_CONSERVED');
    const made = await call(T.clerk, 'POST', '/v1/matches', {
      discrepancyIds: ids,
      reason: 'kiosk mangled the order no',
    });
    expect(made.status).toBe(200);
    expect(made.body.status).toBe('recorded');
    const m = made.body.matchId;

    const png = Buffer.concat([
      Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]),
      Buffer.from('receipt'),
    ]);
    const up = await call(T.clerk, 'POST', `/v1/matches/${m}/evidence`, {
      file: 'receipt.png',
      contentBase64: png.toString('base64'),
      note: 'bank receipt',
    });
    expect(up.status).toBe(200);
    const sha = up.body.evidence[0].sha256;
    const html = await call(T.clerk, 'POST', `/v1/discrepancies/${ids[0]}/evidence`, {
      file: 'x.csv',
      contentBase64: Buffer.from('<script>alert(1)</script>').toString('base64'),
    });
    expect(html.status).toBe(422);
    expect(html.body.code).toBe('EVIDENCE_TYPE_REFUSED');
    const listed = await call(T.auditor, 'GET', `/v1/discrepancies/${ids[0]}/evidence`);
    expect(listed.body.evidence.map((e: Json) => e.sha256)).toEqual([sha]);
    const dl = await call(T.auditor, 'GET', `/v1/evidence/${sha}`);
    expect(dl.status).toBe(200);
    expect(dl.headers['content-type']).toBe('image/png');
    expect(String(dl.headers['content-disposition'])).toMatch(/^attachment; filename="[0-9a-f]{16}\.png"$/);
    expect(dl.headers['x-content-type-options']).toBe('nosniff');
    expect(Buffer.compare(dl.raw, png)).toBe(0);

    const un = await call(T.clerk, 'POST', `/v1/matches/${m}/unmatch`, { reason: 'wrong pair' });
    expect(un.status).toBe(200);
    expect(un.body.status).toBe('undone');
    const again = await call(T.clerk, 'POST', `/v1/matches/${m}/unmatch`, { reason: 'again' });
    expect(again.status).toBe(409);
  });
  it("rejects a proposal with a reason (not proposed again); a match decision is the checker's", async () => {
    const merged = gen.key.find((k) => k.case === 'merged-refunds')!;
    const channelItem = idOf(merged.subjects[0]!);
    const listed = await call(T.auditor, 'GET', `/v1/discrepancies/${channelItem}/proposals`);
    const p = listed.body.proposals[0];
    const reject = { discrepancyId: channelItem, reason: 'not these refunds' };
    const rejected = await call(T.clerk, 'POST', `/v1/proposals/${p.proposalId}/reject`, reject);
    expect(rejected.status).toBe(200);
    expect(rejected.body).toEqual({ proposalId: p.proposalId, rejected: true });
    const again = await call(T.clerk, 'POST', `/v1/proposals/${p.proposalId}/reject`, reject);
    expect(again.status).toBe(404);
    expect(again.body.code).toBe('PROPOSAL_NOT_FOUND');

    const m = `M-wechat-20261112-${'0'.repeat(24)}`;
    const byClerk = await call(T.clerk, 'POST', `/v1/matches/${m}/reject`, { reason: 'x' });
    expect(byClerk.status).toBe(403);
    const unknown = await call(T.supervisor, 'POST', `/v1/matches/${m}/reject`, { reason: 'x' });
    expect(unknown.status).toBe(404);
    expect(unknown.body.code).toBe('MATCH_NOT_FOUND');
  });
});
