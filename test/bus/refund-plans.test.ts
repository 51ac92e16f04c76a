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

async function call(token: string, method: 'GET' | 'POST' | 'PUT', url: string, payload?: unknown) {
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
  T.admin1 = (await staffUser(target, { hospitalId: 'H1', username: 'root1', role: 'administrator' })).token;
  T.admin2 = (await staffUser(target, { hospitalId: 'H2', username: 'root2', role: 'administrator' })).token;
  T.clerk2 = (await staffUser(target, { hospitalId: 'H2', username: 'qian', role: 'finance-clerk' })).token;
  const now = Date.now();
  // The same deposit in two hospitals: an Alipay top-up 120 days old, two WeChat top-ups, 700.00 left.
  for (const hospitalId of ['H1', 'H2'])
    for (const [orderId, channel, amount, age] of [
      ['PA', 'alipay', '600.00', 120],
      ['PW1', 'wechat', '150.00', 10],
      ['PW2', 'wechat', '50.00', 2],
    ] as const)
      await handle(store, depositDecider, {
        ...cmd.topUpDeposit({
          hospitalId,
          admissionId: 'ADM-P',
          orderId,
          channel,
          channelTxnId: `T${orderId}`,
          amount,
        }),
        at: new Date(now - age * DAY),
      });
  for (const hospitalId of ['H1', 'H2'])
    await handle(store, depositDecider, {
      ...cmd.applyDeposit({ hospitalId, admissionId: 'ADM-P', amount: '100.00', at: new Date(now) }),
    });
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
    expect(shown.body.owed).toBe('700.00');
  });

  it('bounces, reroutes and return files answer with codes (the leg above was never paid out here)', async () => {
    const bounce = await call(T.clerk!, 'POST', '/v1/refund-plans/HB1/legs/2/bounce', {
      amount: '500.00',
      reason: '户名不符',
      bankRef: 'BR-9',
    });
    expect(bounce.status).toBe(409);
    expect(bounce.body.code).toBe('REFUND_LEG_NOT_BOUNCEABLE');
    const badRef = await call(T.clerk!, 'POST', '/v1/refund-plans/HB1/legs/2/bounce', {
      amount: '500.00',
      reason: 'x',
      bankRef: 'no spaces',
    });
    expect(badRef.status).toBe(400);
    const reroute = await call(T.clerk!, 'POST', '/v1/refund-plans/HB1/legs/2/reroute', {
      route: 'cash-window',
    });
    expect(reroute.status).toBe(403);
    const notBounced = await call(T.supervisor!, 'POST', '/v1/refund-plans/HB1/legs/2/reroute', {
      route: 'cash-window',
    });
    expect(notBounced.status).toBe(409);
    expect(notBounced.body.code).toBe('REFUND_LEG_NOT_BOUNCED');
    const file = await call(T.clerk!, 'POST', '/v1/refund-bounces', {
      text: 'refund_no,amount,reason,bank_ref\nHB1.L2,500.00,户名不符,BR-9\nHB1.L9,1.00,x,BR-10\n',
    });
    expect(file.status).toBe(200);
    expect(file.body.lines).toEqual([
      expect.objectContaining({ line: 2, outcome: 'refused', code: 'REFUND_LEG_NOT_BOUNCEABLE' }),
      expect.objectContaining({ line: 3, outcome: 'refused', code: 'REFUND_LEG_NOT_FOUND' }),
    ]);
  });
});

describe('each hospital’s refund policy (channel management)', () => {
  const preview = async (token: string, amount: string) => {
    const r = await call(token, 'POST', '/v1/refund-plans/preview', {
      target: { kind: 'deposit', admissionId: 'ADM-P' },
      amount,
    });
    expect(r.status).toBe(200);
    return r.body.legs.map((l: { orderId: string; amount: string; route: string }) =>
      [l.orderId, l.amount, l.route].join(' '),
    );
  };

  it('is the default until set; two hospitals set different orders and windows and plan differently', async () => {
    const before = await call(T.admin1!, 'GET', '/v1/admin/refund-policy');
    expect(before.status).toBe(200);
    expect(before.body).toMatchObject({ hospitalSet: false, policy: { order: 'newest-first' } });

    const h1 = await call(T.admin1!, 'PUT', '/v1/admin/refund-policy', {
      policy: { order: 'oldest-first', windowsDays: { wechat: 365, alipay: 90 }, fallbacks: ['cash-window'] },
      reason: '按缴费先后退',
    });
    expect(h1.status).toBe(200);
    expect(h1.body).toMatchObject({ hospitalSet: true, version: 1, policy: { order: 'oldest-first' } });
    const h2 = await call(T.admin2!, 'PUT', '/v1/admin/refund-policy', {
      policy: {
        order: 'largest-first',
        windowsDays: { wechat: 365, alipay: 180 },
        fallbacks: ['bank-transfer', 'cash-window'],
      },
      reason: '支付宝协议延长退款期',
    });
    expect(h2.status).toBe(200);

    // H1: oldest first; Alipay past its 90 days, so its part falls back to cash at the window (last).
    expect(await preview(T.clerk!, '300.00')).toEqual([
      'PW1 150.00 original',
      'PW2 50.00 original',
      'PA 100.00 cash-window',
    ]);
    // H2: Alipay within its 180 days and the largest, so it gives back first by the original route.
    expect(await preview(T.clerk2!, '300.00')).toEqual(['PA 300.00 original']);

    // The same policy again is no change; each hospital reads only its own.
    const again = await call(T.admin1!, 'PUT', '/v1/admin/refund-policy', {
      policy: { order: 'oldest-first', windowsDays: { alipay: 90, wechat: 365 }, fallbacks: ['cash-window'] },
      reason: '重复提交',
    });
    expect(again.body.version).toBe(1);
    expect((await call(T.admin2!, 'GET', '/v1/admin/refund-policy')).body.policy.order).toBe('largest-first');
  });

  it('refuses a bad policy with its code, and a non-administrator', async () => {
    const bad = (policy: unknown) =>
      call(T.admin1!, 'PUT', '/v1/admin/refund-policy', { policy, reason: '试错' });
    for (const policy of [
      { order: 'random', windowsDays: {}, fallbacks: ['cash-window'] },
      { order: 'oldest-first', windowsDays: { wechat: 0 }, fallbacks: ['cash-window'] },
      { order: 'oldest-first', windowsDays: { wechat: 5000 }, fallbacks: ['cash-window'] },
      { order: 'oldest-first', windowsDays: {}, fallbacks: [] },
      { order: 'oldest-first', windowsDays: {}, fallbacks: ['cash-window', 'cash-window'] },
      { order: 'oldest-first', windowsDays: {}, fallbacks: ['courier'] },
    ]) {
      const r = await bad(policy);
      expect(r.status, JSON.stringify(policy)).toBe(422);
      expect(r.body.code).toBe('REFUND_PLAN_INVALID');
    }
    const shape = await bad({ order: 'oldest-first', fallbacks: ['cash-window'] });
    expect(shape.status).toBe(400);
    expect(typeof shape.body.code).toBe('string');
    const clerk = await call(T.clerk!, 'PUT', '/v1/admin/refund-policy', {
      policy: { order: 'oldest-first', windowsDays: {}, fallbacks: ['cash-window'] },
      reason: 'x',
    });
    expect(clerk.status).toBe(403);
    // Nothing bad became a fact: H1 still plans by the policy it set.
    expect((await call(T.admin1!, 'GET', '/v1/admin/refund-policy')).body.policy.order).toBe('oldest-first');
  });
});
