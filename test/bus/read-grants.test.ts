// Per-client read grants (reliability finding 8, second half): a kiosk reads back the orders and deposits it
// took part in, never another client's (answered as not found, so ids cannot be probed), and no hospital-wide
// list; patient ids are masked unless granted. An administrator widens a client's grants at run time.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  type Caller,
  type Harness,
  ids,
  key,
  payment,
  registration,
  startHarness,
  TOKENS,
} from './harness.ts';

const OWN = { read: 'own', patientIds: 'masked' };
let h: Harness;
let kioskA: Caller;
let kioskB: Caller;

beforeAll(async () => {
  h = await startHarness('read_grants');
  kioskA = await h.addChannelClient('kiosk-a', {}, 'kiosk-fleet', OWN);
  kioskB = await h.addChannelClient('kiosk-b', {}, 'kiosk-fleet', OWN);
}, 120_000);
afterAll(async () => {
  await h?.close();
});

describe('per-client read grants', () => {
  it('a client registered without grants reads only its own, patient ids masked; the HIS reads its hospital', async () => {
    const admin = h.staff(TOKENS.admin);
    await admin('POST', '/v1/admin/channels', {
      channelId: 'app',
      name: 'app',
      businessTypes: ['registration'],
      rateLimit: { perSecond: 10, burst: 10 },
    });
    const app = await admin('POST', '/v1/admin/clients', {
      clientId: 'app-1',
      kind: 'channel',
      channelId: 'app',
    });
    expect(app.body.grants).toEqual({ read: 'own', patientIds: 'masked' });
    const his = await admin('POST', '/v1/admin/clients', { clientId: 'his-1', kind: 'his' });
    expect(his.body.grants).toEqual({ read: 'hospital', patientIds: 'full' });
  });

  it("another kiosk's order is not found; its own is read with the patient id masked", async () => {
    const o = ids();
    expect(
      (await kioskA('POST', '/v1/orders', registration(o.orderId, o.patient), { idem: key() })).status,
    ).toBe(201);
    expect(
      (await kioskA('POST', `/v1/orders/${o.orderId}/payments`, payment(o.txn, '25.00'), { idem: key() }))
        .status,
    ).toBeLessThan(300);

    const mine = await kioskA('GET', `/v1/orders/${o.orderId}`);
    expect(mine.status).toBe(200);
    expect(mine.body.status).toBe('paid');
    expect(mine.body.patientId).not.toBe(o.patient);
    expect(mine.body.patientId).toContain('****');

    const theirs = await kioskB('GET', `/v1/orders/${o.orderId}`);
    const missing = await kioskB('GET', `/v1/orders/${ids().orderId}`);
    expect(theirs.status).toBe(404);
    expect(theirs.body.code).toBe('ORDER_NOT_FOUND');
    expect(missing.status).toBe(404);
    expect(Object.keys(theirs.body)).toEqual(Object.keys(missing.body));

    const hospitalWide = await h.kiosk('GET', `/v1/orders/${o.orderId}`);
    expect(hospitalWide.status).toBe(200);
    expect(hospitalWide.body.patientId).toBe(o.patient);
    const auditor = await h.staff(TOKENS.auditor)('GET', `/v1/orders/${o.orderId}`);
    expect(auditor.body.patientId).toBe(o.patient);
  });

  it('a deposit is read by the kiosk that paid a top-up, not by another; lists need the hospital grant', async () => {
    const o = ids('D');
    const top = await kioskA(
      'POST',
      `/v1/deposits/${o.admission}/top-ups`,
      { orderId: o.orderId, patientId: o.patient, amount: '300.00' },
      { idem: key() },
    );
    expect(top.status).toBe(201);
    await kioskA('POST', `/v1/orders/${o.orderId}/payments`, payment(o.txn, '300.00'), { idem: key() });
    await h.settle();

    const mine = await kioskA('GET', `/v1/deposits/${o.admission}`);
    expect(mine.status).toBe(200);
    expect(mine.body.balance).toBe('300.00');
    const theirs = await kioskB('GET', `/v1/deposits/${o.admission}`);
    expect(theirs.status).toBe(404);
    expect(theirs.body.code).toBe('DEPOSIT_NOT_FOUND');

    for (const url of [
      `/v1/patients/${o.patient}/orders`,
      `/v1/patients/${o.patient}/deposits`,
      `/v1/deposits/${o.admission}/statement`,
      '/v1/his-sync',
    ]) {
      const refused = await kioskA('GET', url);
      expect(refused.status, url).toBe(403);
      expect(refused.body.code, url).toBe('FORBIDDEN_GRANT');
      expect(refused.body.message.zh, url).toBeTruthy();
      expect((await h.kiosk('GET', url)).status, url).toBe(200);
    }
  });

  it('an administrator widens a client to its hospital; the change applies at once', async () => {
    const o = ids();
    await kioskA('POST', '/v1/orders', registration(o.orderId, o.patient), { idem: key() });
    expect((await kioskB('GET', `/v1/orders/${o.orderId}`)).status).toBe(404);
    const admin = h.staff(TOKENS.admin);
    const bad = await admin('PUT', '/v1/admin/clients/kiosk-b-client/grants', {
      read: 'everything',
      patientIds: 'full',
    });
    expect(bad.status).toBe(400);
    expect((await kioskB('GET', `/v1/orders/${o.orderId}`)).status).toBe(404);
    const changed = await admin('PUT', '/v1/admin/clients/kiosk-b-client/grants', {
      read: 'hospital',
      patientIds: 'full',
    });
    expect(changed.status).toBe(200);
    expect(changed.body).toEqual({
      clientId: 'kiosk-b-client',
      grants: { read: 'hospital', patientIds: 'full' },
    });
    const now = await kioskB('GET', `/v1/orders/${o.orderId}`);
    expect(now.status).toBe(200);
    expect(now.body.patientId).toBe(o.patient);
    expect((await kioskB('GET', `/v1/patients/${o.patient}/orders`)).status).toBe(200);
    const unknown = await admin('PUT', '/v1/admin/clients/nobody/grants', {
      read: 'own',
      patientIds: 'masked',
    });
    expect(unknown.status).toBe(401);
    expect(
      (
        await kioskA('PUT', '/v1/admin/clients/kiosk-a-client/grants', {
          read: 'hospital',
          patientIds: 'full',
        })
      ).status,
    ).toBe(403);
  });
});
