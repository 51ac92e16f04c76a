import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { HisJsonClient } from '../../src/adapters/his/index.ts';
import { createLogger } from '../../src/adapters/log.ts';
import { retryHisWriteback } from '../../src/bus/his-writeback.ts';
import { type Harness, HOSPITAL, ids, key, outpatient, payment, startHarness, TOKENS } from './harness.ts';

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
  await h.app.reactions.drain();
  return o;
}

const order = async (orderId: string) => (await h.kiosk('GET', `/v1/orders/${orderId}`)).body;
const retry = () =>
  retryHisWriteback(
    {
      store: h.store,
      db: h.db.database.db,
      // Under the bus's 1 s wait for the HIS, with room for a loaded CI machine.
      his: new HisJsonClient({ baseUrl: h.his.url, timeoutMs: 800 }),
      logger: createLogger({ level: 'silent' }),
      now: () => new Date(),
    },
    { hospitalId: HOSPITAL },
  );

describe('HIS writeback after a payment', () => {
  it('a slow HIS (within the deadline) still confirms', async () => {
    h.his.setMode({ kind: 'slow', ms: 120 });
    const o = await payOrder();
    expect(await order(o.orderId)).toMatchObject({ his: 'synced', paidNotInHis: false, hisAttempts: 0 });
  });

  it('a HIS that refuses leaves the order paid-not-in-HIS, visible in his-sync; the retry job syncs it later', async () => {
    h.his.setMode({ kind: 'fail', code: 'E_BUSY' });
    const o = await payOrder();
    expect(await order(o.orderId)).toMatchObject({
      status: 'paid',
      his: 'failed',
      paidNotInHis: true,
      hisAttempts: 1,
    });
    expect((await order(o.orderId)).hisLastError).toContain('HIS_REJECTED');
    await h.settle();
    const list = await h.staff(TOKENS.clerk)('GET', '/v1/his-sync?status=failed');
    expect(list.body.orders).toEqual(
      expect.arrayContaining([
        expect.objectContaining({ orderId: o.orderId, status: 'failed', attempts: 1 }),
      ]),
    );

    h.his.setMode({ kind: 'normal' });
    const outcome = await retry();
    expect(outcome.synced).toBeGreaterThanOrEqual(1);
    expect(await order(o.orderId)).toMatchObject({ his: 'synced', paidNotInHis: false });
    await h.settle();
    const after = await h.staff(TOKENS.clerk)('GET', '/v1/his-sync?status=synced');
    expect(after.body.orders.map((x: { orderId: string }) => x.orderId)).toContain(o.orderId);
  });

  it('a HIS that never answers times out: failed with HIS_TIMEOUT, and the HTTP answer did not wait for it', async () => {
    h.his.setMode({ kind: 'timeout' });
    // payOrder asserts the 200: the answer came although the HIS never did (the bus waits for it at most 1 s).
    const o = await payOrder();
    expect(await order(o.orderId)).toMatchObject({ his: 'failed', paidNotInHis: true });
    expect((await order(o.orderId)).hisLastError).toContain('HIS_TIMEOUT');
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
