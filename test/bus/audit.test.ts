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
