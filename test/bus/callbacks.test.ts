import { generateKeyPairSync } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { simulateAlipayNotification } from '../../src/adapters/channels/alipay/index.ts';
import { simulateWechatNotification } from '../../src/adapters/channels/wechat/index.ts';
import { ALIPAY_APP_ID, type Harness, ids, key, outpatient, startHarness, WECHAT } from './harness.ts';

let h: Harness;
beforeAll(async () => {
  h = await startHarness('bus_callbacks');
});
afterAll(async () => h?.close());

function wechatPaid(orderId: string, txn: string, fen: number, privateKey = h.wechatKey) {
  return simulateWechatNotification({
    privateKey,
    serial: WECHAT.serial,
    apiV3Key: WECHAT.apiV3Key,
    originalType: 'transaction',
    timestamp: Math.floor(h.clock.ms / 1000),
    resource: {
      mchid: WECHAT.mchId,
      appid: 'wxd678efh567hg6787',
      out_trade_no: orderId,
      transaction_id: txn,
      trade_state: 'SUCCESS',
      success_time: '2025-01-15T09:58:31+08:00',
      payer: { openid: 'oUpF8uMuAJO_M2pxb1Q9zNjWeS6o' },
      amount: { total: fen, payer_total: fen, currency: 'CNY' },
    },
  });
}

function wechatRefund(orderId: string, txn: string, refundNo: string, fen: number) {
  return simulateWechatNotification({
    privateKey: h.wechatKey,
    serial: WECHAT.serial,
    apiV3Key: WECHAT.apiV3Key,
    originalType: 'refund',
    timestamp: Math.floor(h.clock.ms / 1000),
    resource: {
      mchid: WECHAT.mchId,
      out_trade_no: orderId,
      transaction_id: txn,
      out_refund_no: refundNo,
      refund_id: `5000${refundNo}`,
      refund_status: 'SUCCESS',
      success_time: '2025-01-15T10:01:02+08:00',
      amount: { total: 8050, refund: fen, payer_total: 8050, payer_refund: fen },
    },
  });
}

const post = (
  url: string,
  n: { headers: Record<string, string>; body: string },
  contentType = 'application/json',
) =>
  h.app.inject({
    method: 'POST',
    url,
    headers: { ...n.headers, 'content-type': contentType },
    payload: n.body,
  });

async function paidByWechat() {
  const o = ids();
  await h.kiosk('POST', '/v1/orders', outpatient(o.orderId, o.patient), { idem: key() });
  const r = await post('/v1/callbacks/wechat', wechatPaid(o.orderId, o.txn, 8050));
  expect(r.statusCode).toBe(204);
  return o;
}

describe('WeChat Pay notifications', () => {
  it('a genuine payment notification records the payment; a duplicate is a no-op answered 204', async () => {
    const o = await paidByWechat();
    const again = await post('/v1/callbacks/wechat', wechatPaid(o.orderId, o.txn, 8050));
    expect(again.statusCode).toBe(204);
    const read = await h.store.readStream(`H001/order/${o.orderId}`);
    expect(read.events.filter((e) => e.type === 'PaymentSucceeded')).toHaveLength(1);
    expect(read.events.find((e) => e.type === 'PaymentSucceeded')?.data).toMatchObject({
      channel: 'wechat',
      amount: '80.50',
      payerRef: 'oUpF****eS6o',
    });
  });

  it('a forged notification (signed with another key) is refused with 401 FAIL and logged without the body', async () => {
    const o = ids();
    await h.kiosk('POST', '/v1/orders', outpatient(o.orderId, o.patient), { idem: key() });
    const impostor = generateKeyPairSync('rsa', { modulusLength: 2048 }).privateKey;
    const r = await post('/v1/callbacks/wechat', wechatPaid(o.orderId, o.txn, 8050, impostor));
    expect(r.statusCode).toBe(401);
    expect(r.json()).toEqual({ code: 'FAIL', message: 'CALLBACK_BAD_SIGNATURE' });
    expect((await h.store.readStream(`H001/order/${o.orderId}`)).version).toBe(1);
    const logs = h.logs.join('');
    expect(logs).toContain('CALLBACK_BAD_SIGNATURE');
    expect(logs).not.toContain('oUpF8uMuAJO_M2pxb1Q9zNjWeS6o');
  });

  it('a notification with a wrong amount is not applied and WeChat is told to retry', async () => {
    const o = ids();
    await h.kiosk('POST', '/v1/orders', outpatient(o.orderId, o.patient), { idem: key() });
    const r = await post('/v1/callbacks/wechat', wechatPaid(o.orderId, o.txn, 100));
    expect(r.statusCode).toBe(409);
    expect(r.json()).toEqual({ code: 'FAIL', message: 'AMOUNT_MISMATCH' });
  });

  it('refund notifications record the refund once; out-of-order (refund before its verification) is retried', async () => {
    const o = await paidByWechat();
    await h.kiosk(
      'POST',
      `/v1/orders/${o.orderId}/refunds`,
      { refundId: o.refund, amount: '30.50', reason: '退药' },
      { idem: key() },
    );
    const early = await post('/v1/callbacks/wechat', wechatRefund(o.orderId, o.txn, o.refund, 3050));
    expect(early.statusCode).toBe(409);
    expect(early.json().message).toBe('IDENTITY_NOT_VERIFIED');
    await h.kiosk(
      'POST',
      `/v1/orders/${o.orderId}/refunds`,
      {
        refundId: o.refund,
        amount: '30.50',
        reason: '退药',
        identity: { method: 'app-login', verifiedBy: 'wechat-app' },
      },
      { idem: key() },
    );
    expect(
      (await post('/v1/callbacks/wechat', wechatRefund(o.orderId, o.txn, o.refund, 3050))).statusCode,
    ).toBe(204);
    expect(
      (await post('/v1/callbacks/wechat', wechatRefund(o.orderId, o.txn, o.refund, 3050))).statusCode,
    ).toBe(204);
    const order = await h.kiosk('GET', `/v1/orders/${o.orderId}`);
    expect(order.body).toMatchObject({ refunded: '30.50', status: 'partially-refunded' });
    const read = await h.store.readStream(`H001/order/${o.orderId}`);
    expect(read.events.filter((e) => e.type === 'RefundSucceeded')).toHaveLength(1);
  });

  it('a stale notification is refused', async () => {
    const o = ids();
    const n = wechatPaid(o.orderId, o.txn, 8050);
    h.clock.ms += 10 * 60 * 1000;
    try {
      const r = await post('/v1/callbacks/wechat', n);
      expect(r.statusCode).toBe(400);
      expect(r.json().message).toBe('CALLBACK_STALE');
    } finally {
      h.clock.ms = Date.now();
    }
  });
});

describe('Alipay notifications', () => {
  const params = (orderId: string, txn: string, over: Record<string, string> = {}) => ({
    notify_time: '2025-01-15 09:58:32',
    notify_type: 'trade_status_sync',
    notify_id: `N${txn}`,
    charset: 'utf-8',
    app_id: ALIPAY_APP_ID,
    trade_no: txn,
    out_trade_no: orderId,
    trade_status: 'TRADE_SUCCESS',
    total_amount: '80.50',
    buyer_id: '2088102122524333',
    gmt_payment: '2025-01-15 09:58:31',
    ...over,
  });
  const alipay = (p: Record<string, string>, key = h.alipayKey) =>
    post(
      '/v1/callbacks/alipay',
      { headers: {}, body: simulateAlipayNotification(p, key).body },
      'application/x-www-form-urlencoded; charset=utf-8',
    );

  it('records a payment, answers `success`, and a duplicate changes nothing', async () => {
    const o = ids();
    await h.kiosk('POST', '/v1/orders', outpatient(o.orderId, o.patient), { idem: key() });
    const r = await alipay(params(o.orderId, o.txn));
    expect(r.statusCode).toBe(200);
    expect(r.body).toBe('success');
    expect((await alipay(params(o.orderId, o.txn))).body).toBe('success');
    const read = await h.store.readStream(`H001/order/${o.orderId}`);
    expect(read.events.filter((e) => e.type === 'PaymentSucceeded')).toHaveLength(1);
  });

  it('derives each refund from the cumulative refund_fee and refuses one that does not add up', async () => {
    const o = ids();
    await h.kiosk('POST', '/v1/orders', outpatient(o.orderId, o.patient), { idem: key() });
    await alipay(params(o.orderId, o.txn));
    const identity = { method: 'id-card', verifiedBy: 'window-1' };
    for (const [n, amount] of [
      ['1', '30.50'],
      ['2', '20.00'],
    ] as const)
      await h.kiosk(
        'POST',
        `/v1/orders/${o.orderId}/refunds`,
        { refundId: `${o.refund}-${n}`, amount, reason: '退费', identity },
        { idem: key() },
      );
    const refund = (n: string, cumulative: string) =>
      alipay(
        params(o.orderId, o.txn, {
          refund_fee: cumulative,
          gmt_refund: '2025-01-15 10:00:00',
          out_biz_no: `${o.refund}-${n}`,
        }),
      );
    expect((await refund('1', '99.00')).body).toBe('failure');
    expect((await refund('1', '30.50')).body).toBe('success');
    expect((await refund('2', '50.50')).body).toBe('success');
    const order = await h.kiosk('GET', `/v1/orders/${o.orderId}`);
    expect(order.body.refunded).toBe('50.50');
  });

  it('a forged notification is refused', async () => {
    const o = ids();
    const impostor = generateKeyPairSync('rsa', { modulusLength: 2048 }).privateKey;
    const r = await alipay(params(o.orderId, o.txn), impostor);
    expect(r.statusCode).toBe(401);
    expect(r.body).not.toBe('success');
  });
});
