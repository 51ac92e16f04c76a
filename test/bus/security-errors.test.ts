import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { BODY_LIMIT_BYTES } from '../../src/bus/server.ts';
import { type Harness, ids, key, registration, startHarness, TOKENS } from './harness.ts';

let h: Harness;
beforeAll(async () => {
  h = await startHarness('bus_security');
});
afterAll(async () => h?.close());

const shape = {
  code: expect.any(String),
  message: { zh: expect.any(String), en: expect.any(String) },
  details: expect.any(Object),
};

describe('bus-client authentication', () => {
  it('refuses a request without signature headers', async () => {
    const r = await h.app.inject({ method: 'GET', url: '/v1/projections' });
    expect(r.statusCode).toBe(401);
    expect(r.json()).toMatchObject({ ...shape, code: 'AUTH_MISSING' });
  });

  it('refuses a bad signature (wrong secret)', async () => {
    const forger = h.client('kiosk-client', 'not-the-secret');
    const r = await forger('GET', '/v1/projections');
    expect(r.status).toBe(401);
    expect(r.body.code).toBe('AUTH_BAD_SIGNATURE');
  });

  it('refuses a body tampered with after signing', async () => {
    const o = ids();
    const body = registration(o.orderId, o.patient);
    // Signed for one body, sent with another (amount lowered on the way).
    const signedFor = JSON.stringify(body);
    const tampered = await h.app.inject({
      method: 'POST',
      url: '/v1/orders',
      headers: {
        ...(await signedHeaders(signedFor)),
        'content-type': 'application/json',
        'idempotency-key': key(),
      },
      payload: JSON.stringify({ ...body, orderId: `${o.orderId}X`, amount: '0.01' }),
    });
    expect(tampered.statusCode).toBe(401);
    expect(tampered.json().code).toBe('AUTH_BAD_SIGNATURE');
  });

  it('refuses a stale timestamp', async () => {
    const r = await h.kiosk('GET', '/v1/projections', undefined, { timestamp: h.clock.ms - 6 * 60 * 1000 });
    expect(r.status).toBe(401);
    expect(r.body.code).toBe('AUTH_STALE_TIMESTAMP');
  });

  it('refuses a reused nonce', async () => {
    const nonce = `nonce-${Date.now()}-abcdefgh`;
    expect((await h.kiosk('GET', '/v1/projections', undefined, { nonce })).status).toBe(200);
    const again = await h.kiosk('GET', '/v1/projections', undefined, { nonce });
    expect(again.status).toBe(401);
    expect(again.body.code).toBe('AUTH_NONCE_REUSED');
  });

  it('refuses an unknown client', async () => {
    const r = await h.client('nobody', 'whatever')('GET', '/v1/projections');
    expect(r.status).toBe(401);
    expect(r.body.code).toBe('AUTH_UNKNOWN_CLIENT');
  });

  it('refuses a disabled client, and accepts it again once enabled', async () => {
    const c = await h.addChannelClient('app-disable');
    expect((await c('GET', '/v1/projections')).status).toBe(200);
    const admin = h.staff(TOKENS.admin);
    expect((await admin('POST', '/v1/admin/clients/app-disable-client/disable')).status).toBe(200);
    const r = await c('GET', '/v1/projections');
    expect(r.status).toBe(403);
    expect(r.body.code).toBe('AUTH_CLIENT_DISABLED');
    await admin('POST', '/v1/admin/clients/app-disable-client/enable');
    expect((await c('GET', '/v1/projections')).status).toBe(200);
  });

  it('stores client secrets sealed, never in plaintext, and never logs them', async () => {
    const admin = h.staff(TOKENS.admin);
    const r = await admin('POST', '/v1/admin/clients', { clientId: 'his-main', kind: 'his' });
    expect(r.status).toBe(201);
    const rows = await h.db.database.db.selectFrom('bus.clients').selectAll().execute();
    const row = (rows as unknown as Array<{ client_id: string; sealed_secret: string }>).find(
      (x) => x.client_id === 'his-main',
    );
    expect(row?.sealed_secret).toMatch(/^v1\./);
    expect(row?.sealed_secret).not.toContain(r.body.secret);
    expect(h.logs.join('')).not.toContain(r.body.secret);
  });
});

describe('roles', () => {
  it('auditors read but cannot move money or manage channels', async () => {
    const auditor = h.staff(TOKENS.auditor);
    expect((await auditor('GET', '/v1/projections')).status).toBe(200);
    const o = ids();
    const r = await auditor('POST', '/v1/orders', registration(o.orderId, o.patient), { idem: key() });
    expect(r.status).toBe(403);
    expect(r.body.code).toBe('FORBIDDEN_ROLE');
    expect((await auditor('POST', '/v1/admin/channels/kiosk/disable', { reason: 'x' })).body.code).toBe(
      'FORBIDDEN_ROLE',
    );
  });

  it('a bus client cannot manage channels; an unknown bearer token is refused', async () => {
    expect((await h.kiosk('POST', '/v1/admin/channels/kiosk/disable', { reason: 'x' })).status).toBe(403);
    const r = await h.staff('x'.repeat(40))('GET', '/v1/projections');
    expect(r.status).toBe(401);
    expect(r.body.code).toBe('AUTH_BAD_TOKEN');
  });
});

describe('error shapes', () => {
  it('a schema error names the field', async () => {
    const o = ids();
    const body = { ...registration(o.orderId, o.patient), amount: 25 };
    const r = await h.kiosk('POST', '/v1/orders', body, { idem: key() });
    expect(r.status).toBe(400);
    expect(r.body).toMatchObject({ ...shape, code: 'VALIDATION_FAILED', details: { field: 'body.amount' } });
    const missing = await h.kiosk('POST', '/v1/orders', { orderId: o.orderId }, { idem: key() });
    expect(missing.body.details.field).toMatch(/^body\.(patientId|amount|business)$/);
  });

  it('malformed JSON is a 400 MALFORMED_JSON', async () => {
    const r = await h.kiosk('POST', '/v1/orders', undefined, { idem: key(), rawBody: '{"orderId": ' });
    expect(r.status).toBe(400);
    expect(r.body).toMatchObject({ ...shape, code: 'MALFORMED_JSON' });
  });

  it('an oversized body is a 413 PAYLOAD_TOO_LARGE', async () => {
    const r = await h.kiosk('POST', '/v1/orders', undefined, {
      idem: key(),
      rawBody: JSON.stringify({ pad: 'x'.repeat(BODY_LIMIT_BYTES) }),
    });
    expect(r.status).toBe(413);
    expect(r.body).toMatchObject({ ...shape, code: 'PAYLOAD_TOO_LARGE' });
  });

  it('an unknown route is a 404 ROUTE_NOT_FOUND', async () => {
    const r = await h.kiosk('GET', '/v1/nothing-here');
    expect(r.status).toBe(404);
    expect(r.body).toMatchObject({ ...shape, code: 'ROUTE_NOT_FOUND' });
  });

  it('a wrong content type is a 415 UNSUPPORTED_MEDIA_TYPE', async () => {
    const o = ids();
    const r = await h.kiosk('POST', '/v1/orders', undefined, {
      idem: key(),
      rawBody: `orderId=${o.orderId}`,
      headers: { 'content-type': 'text/csv' },
    });
    expect(r.status).toBe(415);
    expect(r.body).toMatchObject({ ...shape, code: 'UNSUPPORTED_MEDIA_TYPE' });
  });

  it('domain rejections carry their code with Chinese and English messages', async () => {
    const r = await h.kiosk('GET', '/v1/orders/NO-SUCH-ORDER');
    expect(r.status).toBe(404);
    expect(r.body).toEqual({
      code: 'ORDER_NOT_FOUND',
      message: { zh: '订单不存在', en: 'The order does not exist' },
      details: { orderId: 'NO-SUCH-ORDER' },
    });
  });

  it('serves the OpenAPI document and the docs page without authentication', async () => {
    const json = await h.app.inject({ method: 'GET', url: '/docs/json' });
    expect(json.statusCode).toBe(200);
    const doc = json.json();
    expect(doc.openapi).toMatch(/^3\./);
    expect(Object.keys(doc.paths)).toEqual(
      expect.arrayContaining(['/v1/orders', '/v1/orders/{orderId}/refunds', '/v1/callbacks/wechat']),
    );
    const page = await h.app.inject({ method: 'GET', url: '/docs/' });
    expect(page.statusCode).toBe(200);
    expect(page.body).toContain('swagger');
  });
});

async function signedHeaders(body: string) {
  const { signRequest } = await import('../../src/bus/auth/index.ts');
  // The kiosk's secret is not exposed by the harness: sign with a fresh client of our own.
  const cl = await h.staff(TOKENS.admin)('POST', '/v1/admin/clients', {
    clientId: `tamper-${Date.now()}`,
    kind: 'kiosk-fleet',
    channelId: 'kiosk',
  });
  return signRequest({
    clientId: cl.body.clientId,
    secret: cl.body.secret,
    method: 'POST',
    path: '/v1/orders',
    body,
    timestamp: h.clock.ms,
  });
}
