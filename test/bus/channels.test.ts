import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type Harness, ids, key, payment, registration, startHarness, TOKENS } from './harness.ts';

let h: Harness;
beforeAll(async () => {
  h = await startHarness('bus_channels');
});
afterAll(async () => h?.close());

const admin = () => h.staff(TOKENS.admin);

describe('channel management', () => {
  it('a disabled channel is refused with CHANNEL_DISABLED; enabling it lets commands through again', async () => {
    const app = await h.addChannelClient('app-a');
    const o = ids();
    expect((await admin()('POST', '/v1/admin/channels/app-a/disable', { reason: '接口升级' })).status).toBe(
      200,
    );
    const r = await app('POST', '/v1/orders', registration(o.orderId, o.patient), { idem: key() });
    expect(r.status).toBe(403);
    expect(r.body).toMatchObject({
      code: 'CHANNEL_DISABLED',
      message: { zh: '渠道已停用', en: 'The channel is disabled' },
    });
    await admin()('POST', '/v1/admin/channels/app-a/enable', { reason: '升级完成' });
    expect(
      (await app('POST', '/v1/orders', registration(o.orderId, o.patient), { idem: key() })).status,
    ).toBe(201);
  });

  it('outside the payment opening hours the channel is CHANNEL_CLOSED', async () => {
    const app = await h.addChannelClient('app-hours', { openingHours: [{ from: '08:00', to: '17:30' }] });
    const o = ids();
    h.clock.ms = Date.parse('2025-01-15T22:00:00+08:00');
    try {
      const closed = await app('POST', '/v1/orders', registration(o.orderId, o.patient), { idem: key() });
      expect(closed.status).toBe(403);
      expect(closed.body.code).toBe('CHANNEL_CLOSED');
      expect(closed.body.details).toMatchObject({ openingHours: '08:00-17:30', timeZone: 'Asia/Shanghai' });
      h.clock.ms = Date.parse('2025-01-15T09:00:00+08:00');
      expect(
        (await app('POST', '/v1/orders', registration(o.orderId, o.patient), { idem: key() })).status,
      ).toBe(201);
    } finally {
      h.clock.ms = Date.now();
    }
  });

  it('a business type the channel may not submit is refused', async () => {
    const app = await h.addChannelClient('booking', { businessTypes: ['registration'] });
    const o = ids();
    const r = await app(
      'POST',
      `/v1/deposits/${o.admission}/top-ups`,
      { orderId: o.orderId, patientId: o.patient, amount: '100.00' },
      { idem: key() },
    );
    expect(r.status).toBe(403);
    expect(r.body).toMatchObject({
      code: 'CHANNEL_BUSINESS_NOT_ALLOWED',
      details: { businessType: 'deposit', allowed: 'registration' },
    });
  });

  it('a blacklisted patient is refused; the blacklist stores hashes, never the raw id', async () => {
    const app = await h.addChannelClient('app-bl');
    const o = ids();
    const patient = '110105199001011234';
    const changed = await admin()('PATCH', '/v1/admin/channels/app-bl', {
      reason: '欺诈风险',
      blacklistAdd: [patient],
    });
    expect(changed.status).toBe(200);
    expect(changed.body.settings.blacklist).toBe(1);
    const r = await app('POST', '/v1/orders', registration(o.orderId, patient), { idem: key() });
    expect(r.status).toBe(403);
    expect(r.body.code).toBe('CHANNEL_PATIENT_BLOCKED');
    const stream = await h.store.readStream('H001/channel/app-bl');
    expect(JSON.stringify(stream.events.map((e) => e.data))).not.toContain(patient);
  });

  it('the rate limit answers 429 CHANNEL_RATE_LIMITED past the burst', async () => {
    const app = await h.addChannelClient('app-rl', { rateLimit: { perSecond: 1, burst: 2 } });
    const statuses: number[] = [];
    for (let i = 0; i < 4; i++) {
      const o = ids();
      statuses.push(
        (await app('POST', '/v1/orders', registration(o.orderId, o.patient), { idem: key() })).status,
      );
    }
    expect(statuses).toEqual([201, 201, 429, 429]);
  });

  it('settings changes are events with who, when and why; invalid settings are refused', async () => {
    await h.addChannelClient('app-hist');
    await admin()('PATCH', '/v1/admin/channels/app-hist', { reason: '调整优先级', priority: 7 });
    await admin()('POST', '/v1/admin/channels/app-hist/disable', { reason: '停机' });
    const ch = await h.kiosk('GET', '/v1/admin/channels/app-hist');
    expect(ch.body).toMatchObject({ enabled: false, settings: { priority: 7 } });
    expect(ch.body.history.map((e: { type: string }) => e.type)).toEqual([
      'ChannelRegistered',
      'ChannelSettingsChanged',
      'ChannelDisabled',
    ]);
    expect(ch.body.history[1]).toMatchObject({
      actor: 'staff:administrator:ops',
      reason: '调整优先级',
      changed: ['priority'],
    });
    const bad = await admin()('PATCH', '/v1/admin/channels/app-hist', {
      reason: 'x',
      timeZone: 'Mars/Olympus',
    });
    expect(bad.status).toBe(422);
    expect(bad.body).toMatchObject({ code: 'CHANNEL_INVALID_SETTINGS', details: { field: 'timeZone' } });
    const dup = await admin()('POST', '/v1/admin/channels', {
      channelId: 'app-hist',
      name: 'x',
      businessTypes: [],
      rateLimit: { perSecond: 1, burst: 1 },
    });
    expect(dup.status).toBe(409);
    expect(dup.body.code).toBe('CHANNEL_ALREADY_EXISTS');
  });

  it('a client whose channel is not registered is refused', async () => {
    const cl = await admin()('POST', '/v1/admin/clients', {
      clientId: 'orphan',
      kind: 'channel',
      channelId: 'ghost',
    });
    const orphan = h.client('orphan', cl.body.secret);
    const o = ids();
    const r = await orphan('POST', '/v1/orders', registration(o.orderId, o.patient), { idem: key() });
    expect(r.status).toBe(403);
    expect(r.body.code).toBe('CHANNEL_NOT_REGISTERED');
  });

  it('a payment on an order of a channel disabled later is refused too, but a replay gets its first answer', async () => {
    const app = await h.addChannelClient('app-late');
    const o = ids();
    await app('POST', '/v1/orders', registration(o.orderId, o.patient), { idem: key() });
    const k = key();
    const first = await app('POST', `/v1/orders/${o.orderId}/payments`, payment(o.txn, '25.00'), { idem: k });
    await admin()('POST', '/v1/admin/channels/app-late/disable', { reason: '停用' });
    const replay = await app('POST', `/v1/orders/${o.orderId}/payments`, payment(o.txn, '25.00'), {
      idem: k,
    });
    expect(replay.status).toBe(200);
    expect(replay.body).toEqual(first.body);
    const fresh = await app(
      'POST',
      `/v1/orders/${o.orderId}/cancel`,
      { reason: 'x', refundId: o.refund },
      { idem: key() },
    );
    expect(fresh.body.code).toBe('CHANNEL_DISABLED');
  });
});
