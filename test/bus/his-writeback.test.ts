// The HIS writeback as a reaction: the HTTP answer never waits for the HIS; a HIS that is down is retried
// with backoff until it is back; a definite refusal stays visible as paid-not-in-HIS until a supervisor
// re-pushes it; payments and refunds are each written back exactly once.
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { HIS_RETRY_BASE_MS, HIS_RETRY_CAP_MS } from '../../src/domain/reactions/index.ts';
import { type Harness, ids, key, outpatient, payment, startHarness, TOKENS } from './harness.ts';

let h: Harness;
beforeAll(async () => {
  h = await startHarness('bus_his');
});
afterAll(async () => h?.close());
beforeEach(() => h.his.setMode({ kind: 'normal' }));

async function payOrder() {
  const o = ids();
  await h.kiosk('POST', '/v1/orders', outpatient(o.orderId, o.patient), { idem: key() });
  const paid = await h.kiosk(
    'POST',
    `/v1/orders/${o.orderId}/payments`,
    payment(o.txn, '80.50', 'unionpay'),
    { idem: key() },
  );
  expect(paid.status).toBe(200);
  // The answer is the payment's: the HIS is told afterwards, by the reaction.
  expect(paid.body.order.his).toBe('pending');
  await h.reacted();
  return o;
}

const order = async (orderId: string) => (await h.kiosk('GET', `/v1/orders/${orderId}`)).body;
/** Moves the clock past the next retry's backoff and lets the reactions run. */
async function nextRetry() {
  h.clock.ms += HIS_RETRY_CAP_MS + HIS_RETRY_BASE_MS;
  await h.reacted();
}

describe('HIS writeback after a payment', () => {
  it('a slow HIS (within the deadline) still confirms', async () => {
    h.his.setMode({ kind: 'slow', ms: 120 });
    const o = await payOrder();
    expect(await order(o.orderId)).toMatchObject({ his: 'synced', paidNotInHis: false, hisAttempts: 0 });
  });

  it('a HIS that refuses for good leaves the order paid-not-in-HIS, not retried; a supervisor re-pushes it', async () => {
    h.his.setMode({ kind: 'fail', code: 'E_BUSY' });
    const o = await payOrder();
    expect(await order(o.orderId)).toMatchObject({
      status: 'paid',
      his: 'failed',
      paidNotInHis: true,
      hisAttempts: 1,
    });
    expect((await order(o.orderId)).hisLastError).toContain('HIS_REJECTED');
    await nextRetry();
    expect((await order(o.orderId)).hisAttempts).toBe(1); // a business refusal is not retried
    await h.settle();
    const list = await h.staff(TOKENS.clerk)('GET', '/v1/his-sync?status=failed');
    expect(list.body.orders).toEqual(
      expect.arrayContaining([
        expect.objectContaining({ orderId: o.orderId, status: 'failed', attempts: 1 }),
      ]),
    );
    h.his.setMode({ kind: 'normal' });
    const r = await h.staff(TOKENS.supervisor)('POST', `/v1/orders/${o.orderId}/his-writeback`);
    expect(r.body).toMatchObject({ outcome: 'synced', order: { his: 'synced', paidNotInHis: false } });
  });

  it('a HIS that never answers times out: failed with HIS_TIMEOUT, retried after its backoff, then synced', async () => {
    h.his.setMode({ kind: 'timeout' });
    const o = await payOrder();
    expect(await order(o.orderId)).toMatchObject({ his: 'failed', paidNotInHis: true });
    expect((await order(o.orderId)).hisLastError).toContain('HIS_TIMEOUT');
    h.his.setMode({ kind: 'normal' });
    await nextRetry();
    expect(await order(o.orderId)).toMatchObject({ his: 'synced', paidNotInHis: false, hisAttempts: 1 });
  });

  it('a HIS down for a while, then back: every payment and refund is written back exactly once', async () => {
    h.his.setMode({ kind: 'fail', code: 'DOWN', httpStatus: 503 });
    const orders: ReturnType<typeof ids>[] = [];
    for (let i = 0; i < 4; i++) orders.push(await payOrder());
    // A refund of one of them while the HIS is still down.
    const refunded = orders[0]!;
    const refundId = `R${refunded.orderId}`;
    const req = await h.kiosk(
      'POST',
      `/v1/orders/${refunded.orderId}/refunds`,
      {
        refundId,
        amount: '30.50',
        reason: 'item not done',
        identity: { method: 'id-card', verifiedBy: 'window-7' },
      },
      { idem: key() },
    );
    expect(req.status).toBe(201);
    const done = await h.kiosk(
      'POST',
      `/v1/orders/${refunded.orderId}/refunds/${refundId}/result`,
      { outcome: 'succeeded', channelRefundId: `CR${refundId}` },
      { idem: key() },
    );
    expect(done.status).toBe(200);
    await h.reacted();
    await nextRetry();
    await nextRetry();
    for (const o of orders) expect((await order(o.orderId)).his).toBe('failed');
    h.his.setMode({ kind: 'normal' });
    await nextRetry();
    await nextRetry(); // nothing left to do: a second round writes nothing again
    for (const o of orders)
      expect(await order(o.orderId)).toMatchObject({ his: 'synced', paidNotInHis: false });
    const records = h.his.records().filter((r) => orders.some((o) => o.orderId === r.orderId));
    const confirmed = records.filter((r) => r.outcome === 'confirmed');
    expect(
      confirmed
        .filter((r) => r.operation === 'confirm-payment')
        .map((r) => r.orderId)
        .sort(),
    ).toEqual(orders.map((o) => o.orderId).sort());
    expect(confirmed.filter((r) => r.operation === 'confirm-refund').map((r) => r.refundNo)).toEqual([
      refundId,
    ]);
    const read = await h.store.readStream(`H001/order/${refunded.orderId}`);
    expect(read.events.filter((e) => e.type === 'HisWritebackSucceeded')).toHaveLength(1);
    expect(read.events.filter((e) => e.type === 'HisRefundWritebackSucceeded')).toHaveLength(1);
  });

  it('a HIS that applies twice answers already-confirmed: synced once', async () => {
    h.his.setMode({ kind: 'twice' });
    const o = await payOrder();
    expect(await order(o.orderId)).toMatchObject({ his: 'synced' });
    const read = await h.store.readStream(`H001/order/${o.orderId}`);
    expect(read.events.filter((e) => e.type === 'HisWritebackSucceeded')).toHaveLength(1);
    expect(
      h.his
        .records()
        .filter((r) => r.orderId === o.orderId)
        .map((r) => r.outcome),
    ).toEqual(['confirmed', 'already-confirmed']);
  });

  it('a lost answer is retried safely: the HIS says already-confirmed and the order syncs', async () => {
    h.his.setMode({ kind: 'lost-answer' });
    const o = await payOrder();
    expect(await order(o.orderId)).toMatchObject({ his: 'failed' });
    h.his.setMode({ kind: 'normal' });
    const r = await h.staff(TOKENS.supervisor)('POST', `/v1/orders/${o.orderId}/his-writeback`);
    expect(r.status).toBe(200);
    expect(r.body).toMatchObject({ outcome: 'synced', order: { his: 'synced' } });
    expect(h.his.charges().find((c) => c.orderId === o.orderId)?.status).toBe('paid');
  });

  it('only supervisors and administrators may force a writeback', async () => {
    const o = await payOrder();
    const r = await h.staff(TOKENS.clerk)('POST', `/v1/orders/${o.orderId}/his-writeback`);
    expect(r.status).toBe(403);
    expect(r.body.code).toBe('FORBIDDEN_ROLE');
  });
});
