import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type Harness, ids, key, payment, registration, startHarness, TOKENS } from './harness.ts';

let h: Harness;
beforeAll(async () => {
  h = await startHarness('bus_audit');
});
afterAll(async () => h?.close());

describe('GET /v1/audit/trace/:id', () => {
  it('an auditor traces a payment to its order, with the journal entry it posts; bus clients and clerks may not', async () => {
    const o = ids();
    expect(
      (await h.kiosk('POST', '/v1/orders', registration(o.orderId, o.patient), { idem: key() })).status,
    ).toBe(201);
    const paid = await h.kiosk('POST', `/v1/orders/${o.orderId}/payments`, payment(o.txn, '25.00', 'cash'), {
      idem: key(),
    });
    expect(paid.status).toBe(200);

    const r = await h.staff(TOKENS.auditor)('GET', `/v1/audit/trace/${o.txn}`);
    expect(r.status).toBe(200);
    expect(r.body.query).toBe(o.txn);
    const types = r.body.events.map((e: { type: string }) => e.type);
    expect(types[0]).toBe('OrderCreated');
    const succeeded = r.body.events.find((e: { type: string }) => e.type === 'PaymentSucceeded');
    expect(typeof succeeded.position).toBe('string');
    expect(succeeded.journal.lines).toEqual([
      { account: 'channel:cash:clearing', side: 'debit', amount: '25.00' },
      { account: 'revenue:registration', side: 'credit', amount: '25.00' },
    ]);

    for (const caller of [h.kiosk, h.staff(TOKENS.clerk)]) {
      const refused = await caller('GET', `/v1/audit/trace/${o.txn}`);
      expect(refused.status).toBe(403);
      expect(refused.body.code).toBe('FORBIDDEN_ROLE');
    }
    expect((await h.staff(TOKENS.auditor)('GET', '/v1/audit/trace/bad%20id')).status).toBe(400);
  });
});

describe('GET /v1/audit/verify and /v1/audit/replay', () => {
  it('an auditor verifies the log and replays the hospital as of an instant; others may not', async () => {
    const auditor = h.staff(TOKENS.auditor);
    const verified = await auditor('GET', '/v1/audit/verify');
    expect(verified.status, JSON.stringify(verified.body)).toBe(200);
    expect(verified.body).toMatchObject({ ok: true });
    expect(verified.body.eventsChecked).toBeGreaterThan(0);

    const before = new Date(Date.now() - 1).toISOString();
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
    const after = new Date().toISOString();
    const then = await auditor('GET', `/v1/audit/replay?asOf=${encodeURIComponent(before)}`);
    expect(then.status).toBe(200);
    expect(then.body.orders.map((x: { orderId: string }) => x.orderId)).not.toContain(o.orderId);
    const now = await auditor('GET', `/v1/audit/replay?asOf=${encodeURIComponent(after)}`);
    expect(now.body.orders.find((x: { orderId: string }) => x.orderId === o.orderId)).toMatchObject({
      status: 'paid',
      paid: '25.00',
    });
    expect(BigInt(now.body.position)).toBeGreaterThan(BigInt(then.body.position));

    expect((await auditor('GET', '/v1/audit/replay?asOf=2999-01-01T00:00:00Z')).status).toBe(400);
    for (const caller of [h.kiosk, h.staff(TOKENS.clerk)]) {
      expect((await caller('GET', '/v1/audit/verify')).status).toBe(403);
      expect((await caller('GET', `/v1/audit/replay?asOf=${encodeURIComponent(after)}`)).status).toBe(403);
    }
  });
});
