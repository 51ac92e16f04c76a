// POST /v1/payments over HTTP: one route for every method, one answer shape, against the channel sandbox
// through the hospital's configured merchants; a retried request answers the same attempt.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createLogger } from '../../src/adapters/log.ts';
import { runIntradayCheck } from '../../src/app/intraday-checks.ts';
import { ChannelSandbox } from '../../src/simulation/channels/sandbox.ts';
import { type Harness, HOSPITAL, ids, key, registration, startHarness, TOKENS } from './harness.ts';

let h: Harness;
let sandbox: ChannelSandbox;

beforeAll(async () => {
  h = await startHarness('bus_payments');
  sandbox = new ChannelSandbox();
  await sandbox.start();
  const { wechat, alipay } = sandbox.credentials();
  const admin = h.staff(TOKENS.admin);
  expect((await admin('PUT', '/v1/admin/merchants', { channel: 'wechat', wechat })).status).toBe(200);
  expect((await admin('PUT', '/v1/admin/merchants', { channel: 'alipay', alipay })).status).toBe(200);
});
afterAll(async () => {
  await sandbox?.close();
  await h?.close();
});

async function newOrder(): Promise<string> {
  const o = ids('PAY');
  const created = await h.kiosk('POST', '/v1/orders', registration(o.orderId, o.patient), { idem: key() });
  expect(created.status).toBe(201);
  return o.orderId;
}

describe('POST /v1/payments', () => {
  it('a payment code paid at once answers succeeded; the order is paid', async () => {
    const orderId = await newOrder();
    const r = await h.kiosk(
      'POST',
      '/v1/payments',
      { orderId, attemptId: 'A1', method: 'code', authCode: '134567890123456789' },
      { idem: key() },
    );
    expect(r.status).toBe(201);
    expect(r.body).toMatchObject({
      orderId,
      method: 'code',
      channel: 'wechat',
      status: 'succeeded',
      amount: '25.00',
    });
    const order = await h.kiosk('GET', `/v1/orders/${orderId}`);
    expect(order.body.status).toBe('paid');
  });

  it('a QR code answers the code to display and its expiry; a retry answers the same attempt', async () => {
    const orderId = await newOrder();
    const body = { orderId, attemptId: 'A1', method: 'qr', channel: 'alipay', expiresInSeconds: 300 };
    const r = await h.kiosk('POST', '/v1/payments', body, { idem: key() });
    expect(r.status).toBe(201);
    expect(r.body.qrCode).toMatch(/^https:\/\/qr\.alipay\.com\//);
    expect(r.body.status).toBe('pending');
    const again = await h.kiosk('POST', '/v1/payments', body, { idem: key() });
    expect(again.body).toEqual(r.body);
    const read = await h.kiosk('GET', `/v1/payments/${orderId}`);
    expect(read.body).toEqual(r.body);
  });

  it('refuses a payment code that is no channel’s, with a code and message', async () => {
    const orderId = await newOrder();
    const r = await h.kiosk(
      'POST',
      '/v1/payments',
      { orderId, attemptId: 'A1', method: 'code', authCode: '9999999999999999' },
      { idem: key() },
    );
    expect(r.status).toBe(422);
    expect(r.body.code).toBe('PAYMENT_METHOD_INVALID');
  });
});

describe('the reconciliation day shows what the intraday checks settled', () => {
  it('a QR payment whose callback never came, recovered by an intraday check, appears in GET /v1/days', async () => {
    const orderId = await newOrder();
    const r = await h.kiosk(
      'POST',
      '/v1/payments',
      { orderId, attemptId: 'A1', method: 'qr', channel: 'alipay', expiresInSeconds: 600 },
      { idem: key() },
    );
    expect(r.status).toBe(201);
    // The patient pays; Alipay's notification never reaches the platform.
    sandbox.book.pay('alipay', orderId, '25.00');
    await h.settle();
    h.clock.ms += 5 * 60_000;
    const checked = await runIntradayCheck(
      {
        store: h.store,
        db: h.db.database.db,
        now: () => new Date(h.clock.ms),
        logger: createLogger({ level: 'silent' }),
        gateways: h.merchants.gateways,
      },
      { hospitalId: HOSPITAL },
    );
    expect(checked.confirmed).toBeGreaterThanOrEqual(1);
    await h.settle();
    const date = new Date(h.clock.ms - 5 * 60_000).toLocaleDateString('sv-SE', { timeZone: 'Asia/Shanghai' });
    const clerk = h.staff(TOKENS.clerk);

    const day = await clerk('GET', `/v1/days/alipay/${date}`);
    expect(day.status).toBe(200);
    expect(day.body.intraday).toMatchObject({ channel: 'alipay', businessDate: date });
    expect(day.body.intraday.paidByQuery.count).toBeGreaterThanOrEqual(1);
    expect(day.body.intraday.settled).toContainEqual(
      expect.objectContaining({ orderId, status: 'succeeded', settledVia: 'query', amount: '25.00' }),
    );
    // Another channel's day does not show it.
    const wechat = await clerk('GET', `/v1/days/wechat/${date}`);
    expect(wechat.body.intraday.settled.map((a: { orderId: string }) => a.orderId)).not.toContain(orderId);

    // Once the day is reconciled, the day list the workbench reads carries the same figures.
    expect((await clerk('POST', '/v1/reconciliations', { date, channel: 'alipay' })).status).toBe(200);
    await h.settle();
    const list = await clerk('GET', `/v1/days?from=${date}&channel=alipay`);
    expect(list.status).toBe(200);
    const row = list.body.days.find((d: { channel: string }) => d.channel === 'alipay');
    expect(row?.intraday).toMatchObject({
      channel: 'alipay',
      businessDate: date,
      paidByQuery: day.body.intraday.paidByQuery,
    });
  });
});
