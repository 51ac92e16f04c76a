// POST /v1/payments over HTTP: one route for every method, one answer shape, against the channel sandbox
// through the hospital's configured merchants; a retried request answers the same attempt.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ChannelSandbox } from '../../src/simulation/channels/sandbox.ts';
import { type Harness, ids, key, registration, startHarness, TOKENS } from './harness.ts';

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
