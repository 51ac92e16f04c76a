// Refund plans over HTTP: a clerk previews and plans a deposit remainder refund whose older top-up is past its
// channel's window; the fallback leg waits for a supervisor (not the clerk) and the plan shows where each leg is.
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
import { depositDecider } from '../../src/domain/deposit/index.ts';
import { UPCASTERS } from '../../src/domain/events.ts';
import { cmd } from '../generators/builders.ts';
import { createPostgresDatabase, type TestDatabase } from '../support/databases.ts';
import { staffUser } from '../support/staff.ts';

let tdb: TestDatabase;
let store: SqlEventStore;
let app: App;
const T: Record<string, string> = {};
const DAY = 86_400_000;

async function call(token: string, method: 'GET' | 'POST', url: string, payload?: unknown) {
  const r = await app.inject({
    method,
    url,
    headers: { authorization: `Bearer ${token}`, ...(payload ? { 'content-type': 'application/json' } : {}) },
    ...(payload ? { payload: JSON.stringify(payload) } : {}),
  });
  return { status: r.statusCode, body: JSON.parse(r.body) };
}

beforeAll(async () => {
  tdb = await createPostgresDatabase('refund_plans_bus');
  store = new SqlEventStore(tdb.database, { upcasters: UPCASTERS });
  const keyring = parseMasterKeys(generateMasterKey());
  app = await buildServer({
    store,
    database: tdb.database,
    clients: new ClientRegistry(new SqlClientStore(tdb.database.db), keyringSealer(keyring)),
    keyring,
    nonceStore: new MemoryNonceStore(),
    logger: createLogger({ name: 'refund-plans-test', level: 'silent' }),
  });
  const target = { app, database: tdb.database, store };
  T.clerk = (await staffUser(target, { hospitalId: 'H1', username: 'li', role: 'finance-clerk' })).token;
  T.supervisor = (
    await staffUser(target, { hospitalId: 'H1', username: 'wang', role: 'finance-supervisor' })
  ).token;
  T.auditor = (await staffUser(target, { hospitalId: 'H1', username: 'zhao', role: 'auditor' })).token;
  const now = Date.now();
  await handle(store, depositDecider, {
    ...cmd.topUpDeposit({
      admissionId: 'ADM-B',
      orderId: 'DB-A',
      channel: 'alipay',
      channelTxnId: 'TA',
      amount: '600.00',
    }),
    at: new Date(now - 120 * DAY),
  });
  await handle(store, depositDecider, {
    ...cmd.topUpDeposit({
      admissionId: 'ADM-B',
      orderId: 'DB-W',
      channel: 'wechat',
      channelTxnId: 'TW',
      amount: '200.00',
    }),
    at: new Date(now - 2 * DAY),
  });
  await handle(
    store,
    depositDecider,
    cmd.applyDeposit({ admissionId: 'ADM-B', amount: '100.00', at: new Date(now) }),
  );
}, 120_000);

afterAll(async () => {
  await app?.close();
  await store?.close();
  await tdb?.dispose();
});

describe('refund plans over HTTP', () => {
  const target = { kind: 'deposit', admissionId: 'ADM-B' };

  it('previews, plans, refuses the clerk’s own approval and takes the supervisor’s', async () => {
    const preview = await call(T.clerk!, 'POST', '/v1/refund-plans/preview', {
      target,
      amount: '700.00',
      payeeAccountRef: '6222****0001',
    });
    expect(preview.status).toBe(200);
    expect(preview.body.legs.map((l: { route: string; amount: string }) => [l.route, l.amount])).toEqual([
      ['original', '200.00'],
      ['bank-transfer', '500.00'],
    ]);
    const tooMuch = await call(T.clerk!, 'POST', '/v1/refund-plans/preview', { target, amount: '700.01' });
    expect(tooMuch.status).toBe(409);
    expect(tooMuch.body.code).toBe('REFUND_PLAN_EXCEEDS_REFUNDABLE');
    const bad = await call(T.clerk!, 'POST', '/v1/refund-plans/preview', { target, amount: '-1' });
    expect(bad.status).toBe(400);

    const planned = await call(T.clerk!, 'POST', '/v1/refund-plans', {
      planId: 'HB1',
      target,
      amount: '700.00',
      reason: '出院退余额',
      identityMethod: 'id-card',
      payeeAccountRef: '6222****0001',
    });
    expect(planned.status).toBe(201);
    expect(planned.body.legs.map((l: { status: string }) => l.status)).toEqual([
      'ready',
      'awaiting-approval',
    ]);

    const own = await call(T.clerk!, 'POST', '/v1/refund-plans/HB1/legs/2/approve');
    expect(own.status).toBe(403);
    const approved = await call(T.supervisor!, 'POST', '/v1/refund-plans/HB1/legs/2/approve');
    expect(approved.status).toBe(200);
    expect(approved.body.legs[1]).toMatchObject({ status: 'approved', approvedBy: 'wang' });

    const shown = await call(T.auditor!, 'GET', '/v1/refund-plans/HB1');
    expect(shown.status).toBe(200);
    expect(shown.body.status).toBe('in-progress');
    expect((await call(T.auditor!, 'GET', '/v1/refund-plans/NOPE')).status).toBe(404);
  });
});
