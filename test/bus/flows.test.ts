import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { allProjections } from '../../src/projections/index.ts';
import {
  type Harness,
  ids,
  key,
  outpatient,
  payment,
  registration,
  startHarness,
  TOKENS,
} from './harness.ts';

let h: Harness;
beforeAll(async () => {
  h = await startHarness('bus_flows');
});
afterAll(async () => h?.close());

describe('orders, payments, refunds and deposits over HTTP', () => {
  it('creates an outpatient order, records a POS payment, writes it back to the HIS and answers the order', async () => {
    const o = ids();
    const created = await h.kiosk('POST', '/v1/orders', outpatient(o.orderId, o.patient), { idem: key() });
    expect(created.status).toBe(201);
    expect(created.body.order).toMatchObject({
      orderId: o.orderId,
      status: 'awaiting-payment',
      amount: '80.50',
      paid: '0.00',
    });
    expect(created.body.events).toEqual(['OrderCreated']);

    const paid = await h.kiosk(
      'POST',
      `/v1/orders/${o.orderId}/payments`,
      payment(o.txn, '80.50', 'unionpay'),
      { idem: key() },
    );
    expect(paid.status).toBe(200);
    expect(paid.body.order).toMatchObject({ status: 'paid', paid: '80.50' });

    await h.reacted();
    const order = await h.kiosk('GET', `/v1/orders/${o.orderId}`);
    expect(order.status).toBe(200);
    expect(order.body).toMatchObject({
      status: 'paid',
      his: 'synced',
      paidNotInHis: false,
      kind: 'outpatient',
    });
    const record = h.his.records().find((r) => r.orderId === o.orderId);
    expect(record).toMatchObject({ outcome: 'confirmed', channelTxnId: o.txn, amount: '80.50' });
  });

  it('registers same-day, pays, cancels: the fee refund is requested, verified at the window and succeeds', async () => {
    const o = ids();
    expect(
      (await h.kiosk('POST', '/v1/orders', registration(o.orderId, o.patient), { idem: key() })).status,
    ).toBe(201);
    await h.kiosk('POST', `/v1/orders/${o.orderId}/payments`, payment(o.txn, '25.00'), { idem: key() });
    const cancelled = await h.kiosk(
      'POST',
      `/v1/orders/${o.orderId}/cancel`,
      { reason: '患者改约', refundId: o.refund },
      { idem: key() },
    );
    expect(cancelled.status).toBe(200);
    expect(cancelled.body.events).toEqual(['OrderCancelled', 'RefundRequested']);
    expect(cancelled.body.order.refundPending).toBe('25.00');

    const done = await h.kiosk(
      'POST',
      `/v1/orders/${o.orderId}/refunds/${o.refund}/result`,
      {
        outcome: 'succeeded',
        channelRefundId: `CR-${o.refund}`,
        identity: { method: 'id-card', verifiedBy: 'window-3' },
      },
      { idem: key() },
    );
    expect(done.status).toBe(200);
    expect(done.body.events).toEqual(['RefundIdentityVerified', 'RefundSucceeded']);
    expect(done.body.order).toMatchObject({ status: 'refunded', refunded: '25.00', refundPending: '0.00' });
  });

  it('a refund without the identity check stays pending and cannot succeed', async () => {
    const o = ids();
    await h.kiosk('POST', '/v1/orders', outpatient(o.orderId, o.patient), { idem: key() });
    await h.kiosk('POST', `/v1/orders/${o.orderId}/payments`, payment(o.txn, '80.50'), { idem: key() });
    const r = await h.kiosk(
      'POST',
      `/v1/orders/${o.orderId}/refunds`,
      { refundId: o.refund, amount: '30.50', reason: '退药' },
      { idem: key() },
    );
    expect(r.status).toBe(201);
    const done = await h.kiosk(
      'POST',
      `/v1/orders/${o.orderId}/refunds/${o.refund}/result`,
      { outcome: 'succeeded', channelRefundId: 'X1' },
      { idem: key() },
    );
    expect(done.status).toBe(403);
    expect(done.body).toMatchObject({
      code: 'IDENTITY_NOT_VERIFIED',
      message: { zh: expect.any(String), en: expect.any(String) },
    });
  });

  it("tops up a deposit: paying the top-up credits the admission; balance, statement and the patient's lists", async () => {
    const o = ids('D');
    const top = await h.kiosk(
      'POST',
      `/v1/deposits/${o.admission}/top-ups`,
      { orderId: o.orderId, patientId: o.patient, amount: '1000.00' },
      { idem: key() },
    );
    expect(top.status).toBe(201);
    await h.kiosk('POST', `/v1/orders/${o.orderId}/payments`, payment(o.txn, '1000.00', 'wechat'), {
      idem: key(),
    });
    const o2 = ids('D');
    await h.kiosk(
      'POST',
      `/v1/deposits/${o.admission}/top-ups`,
      { orderId: o2.orderId, patientId: o.patient, amount: '500.50' },
      { idem: key() },
    );
    await h.kiosk('POST', `/v1/orders/${o2.orderId}/payments`, payment(o2.txn, '500.50', 'alipay'), {
      idem: key(),
    });
    // The credits are the deposit-credit reaction's work, after the payments' answers.
    await h.reacted();

    const balance = await h.kiosk('GET', `/v1/deposits/${o.admission}`);
    expect(balance.status).toBe(200);
    expect(balance.body).toMatchObject({ balance: '1500.50', toppedUp: '1500.50', settled: false });
    expect(balance.body.topUps).toHaveLength(2);

    await h.settle();
    const statement = await h.staff(TOKENS.auditor)('GET', `/v1/deposits/${o.admission}/statement`);
    expect(statement.status).toBe(200);
    expect(statement.body.lines.map((l: { amount: string }) => l.amount)).toEqual(['1000.00', '500.50']);
    expect(statement.body.lines.at(-1).balanceAfter).toBe('1500.50');
    expect(statement.body.lag).toBe('0');

    const orders = await h.kiosk('GET', `/v1/patients/${o.patient}/orders`);
    expect(orders.body.orders).toHaveLength(2);
    expect(orders.body.orders.every((x: { paid: string }) => x.paid !== '0.00')).toBe(true);
    const deposits = await h.kiosk('GET', `/v1/patients/${o.patient}/deposits`);
    expect(deposits.body.deposits).toEqual([
      expect.objectContaining({ admissionId: o.admission, balance: '1500.50' }),
    ]);
    const projections = await h.kiosk('GET', '/v1/projections');
    expect(projections.body.projections.every((p: { lag: string }) => p.lag === '0')).toBe(true);
  });

  it('discharge applies the stay against the deposit; the remainder goes back to a top-up once identity is checked', async () => {
    const o = ids('D');
    await h.kiosk(
      'POST',
      `/v1/deposits/${o.admission}/top-ups`,
      { orderId: o.orderId, patientId: o.patient, amount: '2000.00' },
      { idem: key() },
    );
    await h.kiosk('POST', `/v1/orders/${o.orderId}/payments`, payment(o.txn, '2000.00', 'wechat'), {
      idem: key(),
    });
    await h.reacted();

    // A refund before discharge settlement is refused: the stay may still need the money.
    const early = await h.staff(TOKENS.clerk)(
      'POST',
      `/v1/deposits/${o.admission}/remainder-refunds`,
      {
        refundId: o.refund,
        topUpOrderId: o.orderId,
        amount: '100.00',
        identity: { method: 'id-card', verifiedBy: 'clerk-1' },
      },
      { idem: key() },
    );
    expect(early.status).toBe(409);
    expect(early.body.code).toBe('DEPOSIT_NOT_SETTLED');

    const dischargeKey = key();
    const discharge = await h.kiosk(
      'POST',
      `/v1/deposits/${o.admission}/discharge`,
      { settlementId: `SETTLE-${o.admission}`, amount: '1234.56' },
      { idem: dischargeKey },
    );
    expect(discharge.status).toBe(201);
    expect(discharge.body).toMatchObject({
      deposit: { applied: '1234.56', balance: '765.44', settled: true },
    });
    expect(discharge.body.events).toEqual(['DepositApplied']);
    const again = await h.kiosk(
      'POST',
      `/v1/deposits/${o.admission}/discharge`,
      { settlementId: `SETTLE-${o.admission}`, amount: '1234.56' },
      { idem: dischargeKey },
    );
    expect(again.body).toEqual(discharge.body);

    const unverified = await h.staff(TOKENS.clerk)(
      'POST',
      `/v1/deposits/${o.admission}/remainder-refunds`,
      { refundId: o.refund, topUpOrderId: o.orderId, amount: '765.44' },
      { idem: key() },
    );
    expect(unverified.status).toBe(403);
    expect(unverified.body.code).toBe('IDENTITY_NOT_VERIFIED');

    const tooMuch = await h.staff(TOKENS.clerk)(
      'POST',
      `/v1/deposits/${o.admission}/remainder-refunds`,
      {
        refundId: o.refund,
        topUpOrderId: o.orderId,
        amount: '765.45',
        identity: { method: 'id-card', verifiedBy: 'clerk-1' },
      },
      { idem: key() },
    );
    expect(tooMuch.status).toBe(409);
    expect(tooMuch.body.code).toBe('DEPOSIT_INSUFFICIENT');

    const refund = await h.staff(TOKENS.clerk)(
      'POST',
      `/v1/deposits/${o.admission}/remainder-refunds`,
      {
        refundId: o.refund,
        topUpOrderId: o.orderId,
        amount: '765.44',
        identity: { method: 'id-card', verifiedBy: 'clerk-1' },
      },
      { idem: key() },
    );
    expect(refund.status).toBe(201);
    expect(refund.body).toMatchObject({
      deposit: { balance: '0.00', refunded: '765.44' },
      events: ['DepositRemainderRefunded'],
    });

    await h.settle();
    const statement = await h.staff(TOKENS.auditor)('GET', `/v1/deposits/${o.admission}/statement`);
    expect(
      statement.body.lines.map((l: { amount: string; side: string }) => `${l.side} ${l.amount}`),
    ).toEqual(['credit 2000.00', 'debit 1234.56', 'debit 765.44']);
    expect(statement.body.lines.at(-1).balanceAfter).toBe('0.00');
  });

  it("a patient's payments and refunds list shows paid and refunded amounts per order", async () => {
    const o = ids();
    await h.kiosk('POST', '/v1/orders', outpatient(o.orderId, o.patient), { idem: key() });
    await h.kiosk('POST', `/v1/orders/${o.orderId}/payments`, payment(o.txn, '80.50'), { idem: key() });
    await h.kiosk(
      'POST',
      `/v1/orders/${o.orderId}/refunds`,
      {
        refundId: o.refund,
        amount: '30.50',
        reason: '退药',
        identity: { method: 'face', verifiedBy: 'kiosk-7' },
      },
      { idem: key() },
    );
    await h.kiosk(
      'POST',
      `/v1/orders/${o.orderId}/refunds/${o.refund}/result`,
      { outcome: 'succeeded', channelRefundId: 'CR9' },
      { idem: key() },
    );
    await h.settle();
    const list = await h.kiosk('GET', `/v1/patients/${o.patient}/orders`);
    expect(list.body.orders).toEqual([
      expect.objectContaining({
        orderId: o.orderId,
        paid: '80.50',
        refunded: '30.50',
        status: 'partially-refunded',
      }),
    ]);
  });
});

describe('idempotency', () => {
  it('the same key and body answers the first response again; another body under the key is a 422', async () => {
    const o = ids();
    const k = key();
    const first = await h.kiosk('POST', '/v1/orders', registration(o.orderId, o.patient), { idem: k });
    const again = await h.kiosk('POST', '/v1/orders', registration(o.orderId, o.patient), { idem: k });
    expect(again.status).toBe(first.status);
    expect(again.body).toEqual(first.body);
    expect(again.headers['idempotent-replayed']).toBe('true');
    const reused = await h.kiosk('POST', '/v1/orders', registration(o.orderId, o.patient, '30.00'), {
      idem: k,
    });
    expect(reused.status).toBe(422);
    expect(reused.body.code).toBe('IDEMPOTENCY_KEY_REUSED');
    const events = await h.store.readStream(`H001/order/${o.orderId}`);
    expect(events.version).toBe(1);
  });

  it("an idempotency key is the caller's own: another kiosk's request under the same key is its own request", async () => {
    const other = await h.addChannelClient('kiosk-b');
    const k = key();
    const a = ids();
    const b = ids();
    const first = await h.kiosk('POST', '/v1/orders', registration(a.orderId, a.patient), { idem: k });
    expect(first.status).toBe(201);
    // The same key from another client neither replays the first answer nor is refused as reused.
    const second = await other('POST', '/v1/orders', registration(b.orderId, b.patient), { idem: k });
    expect(second.status).toBe(201);
    expect(second.headers['idempotent-replayed']).toBeUndefined();
    expect(second.body.order.orderId).toBe(b.orderId);
    expect((await h.store.readStream(`H001/order/${b.orderId}`)).version).toBe(1);
  });

  it('a replayed payment answers as first time even after the order moved on, and pays nothing twice', async () => {
    const o = ids();
    await h.kiosk('POST', '/v1/orders', outpatient(o.orderId, o.patient), { idem: key() });
    const k = key();
    const first = await h.kiosk('POST', `/v1/orders/${o.orderId}/payments`, payment(o.txn, '80.50'), {
      idem: k,
    });
    await h.reacted();
    const again = await h.kiosk('POST', `/v1/orders/${o.orderId}/payments`, payment(o.txn, '80.50'), {
      idem: k,
    });
    expect(again.body).toEqual(first.body);
    const read = await h.store.readStream(`H001/order/${o.orderId}`);
    expect(read.events.filter((e) => e.type === 'PaymentSucceeded')).toHaveLength(1);
  });

  it('money-moving requests without an Idempotency-Key are refused', async () => {
    const o = ids();
    const r = await h.kiosk('POST', '/v1/orders', registration(o.orderId, o.patient));
    expect(r.status).toBe(400);
    expect(r.body.code).toBe('IDEMPOTENCY_KEY_MISSING');
  });

  it('concurrent partial refunds over HTTP never exceed the payment', async () => {
    const o = ids();
    await h.kiosk('POST', '/v1/orders', outpatient(o.orderId, o.patient), { idem: key() });
    await h.kiosk('POST', `/v1/orders/${o.orderId}/payments`, payment(o.txn, '80.50'), { idem: key() });
    const attempts = Array.from({ length: 8 }, (_, i) =>
      h.kiosk(
        'POST',
        `/v1/orders/${o.orderId}/refunds`,
        { refundId: `${o.refund}-${i}`, amount: '20.00', reason: '部分退费' },
        { idem: key() },
      ),
    );
    const answers = await Promise.all(attempts);
    const ok = answers.filter((a) => a.status === 201);
    const refused = answers.filter((a) => a.status !== 201);
    expect(ok).toHaveLength(4); // 4 × 20.00 ≤ 80.50 < 5 × 20.00
    expect(refused.every((a) => a.status === 409 && a.body.code === 'REFUND_EXCEEDS_PAYMENT')).toBe(true);
    const order = await h.kiosk('GET', `/v1/orders/${o.orderId}`);
    expect(order.body.refundPending).toBe('80.00');
  });
});

describe('read-model freshness', () => {
  it('GET /v1/projections reports every read model, reconciliation included, with its lag', async () => {
    await h.settle();
    const r = await h.staff(TOKENS.auditor)('GET', '/v1/projections');
    expect(r.status).toBe(200);
    const names = r.body.projections.map((p: { name: string }) => p.name).sort();
    expect(names).toEqual(
      allProjections()
        .map((p) => p.name)
        .sort(),
    );
    expect(names).toContain('reconciliation');
    for (const p of r.body.projections) expect(BigInt(p.lag)).toBeGreaterThanOrEqual(0n);
    // The reactions beside them, caught up, with no work left over.
    expect(r.body.reactions.map((x: { name: string }) => x.name).sort()).toEqual([
      'channel_calls',
      'deposit_credit',
      'his_writeback',
      'payment_follow_up',
      'refund_plans',
    ]);
    for (const x of r.body.reactions) expect(x).toMatchObject({ lag: '0', work: { due: 0, parked: 0 } });
  });
});
