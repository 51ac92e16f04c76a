// Input built to break the bus: text PostgreSQL cannot store, bodies too deep or numbers too large to hash,
// path tricks against the docs' static files, ids at the length limit, bodies in other content types. Every
// answer is a 4xx in the standard shape — never a 500, never an unsigned body accepted.
import { request } from 'node:http';
import type { AddressInfo } from 'node:net';
import { sql } from 'kysely';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { signRequest } from '../../src/bus/auth/index.ts';
import {
  type Answer,
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
  h = await startHarness('hostile_input');
});
afterAll(async () => {
  await h?.close();
});

function expectStandardRefusal(a: Answer, status?: number): void {
  expect(a.status, a.text).toBeGreaterThanOrEqual(400);
  expect(a.status, a.text).toBeLessThan(500);
  if (status !== undefined) expect(a.status, a.text).toBe(status);
  expect(a.body, a.text).toMatchObject({
    code: expect.any(String),
    message: { zh: expect.any(String), en: expect.any(String) },
    details: expect.any(Object),
  });
}

describe('text PostgreSQL cannot store', () => {
  const TEXTS = {
    nul: 'x\u0000y',
    'lone surrogate': 'x\ud800y',
    'trailing lone surrogate': 'x\udfff',
  };

  for (const [label, text] of Object.entries(TEXTS)) {
    it(`${label} in an item name, a payer reference or a reason is refused with INVALID_COMMAND and its field`, async () => {
      const o = ids('N');
      const order = outpatient(o.orderId, o.patient);
      order.business.chargeItems[0]!.name = text;
      const created = await h.kiosk('POST', '/v1/orders', order, { idem: key() });
      expectStandardRefusal(created);
      expect(created.body.code).toBe('INVALID_COMMAND');
      expect(created.body.details.field).toBe('body.business.chargeItems.0.name');

      expect(
        (await h.kiosk('POST', '/v1/orders', registration(o.orderId, o.patient), { idem: key() })).status,
      ).toBe(201);
      const paid = await h.kiosk(
        'POST',
        `/v1/orders/${o.orderId}/payments`,
        { ...payment(o.txn, '25.00'), payerRef: text },
        { idem: key() },
      );
      expectStandardRefusal(paid);
      expect(paid.body.details.field).toBe('body.payerRef');

      const cancelled = await h.kiosk(
        'POST',
        `/v1/orders/${o.orderId}/cancel`,
        { reason: `patient left ${text}` },
        { idem: key() },
      );
      expectStandardRefusal(cancelled);
      expect(cancelled.body.details.field).toBe('body.reason');
    });
  }

  it('text that only looks like an escaped NUL (a backslash, then u0000) is ordinary text, stored as sent', async () => {
    for (const name of ['C:\\u0000\\path', '\\\\u0000', '血常规 \\\\\\u0000x']) {
      const o = ids('N');
      const order = outpatient(o.orderId, o.patient);
      order.business.chargeItems[0]!.name = name;
      const created = await h.kiosk('POST', '/v1/orders', order, { idem: key() });
      expect(created.status, created.text).toBe(201);
      const { rows } = await sql<{ name: string }>`
        SELECT data->'business'->'chargeItems'->0->>'name' AS name FROM events
        WHERE data->>'orderId' = ${o.orderId} ORDER BY position LIMIT 1`.execute(h.db.database.db);
      expect(rows[0]?.name).toBe(name);
    }
  });
});

describe('bodies that cannot be hashed', () => {
  it('a signed body nested deeper than 64 levels is refused with 400', async () => {
    const o = ids('D');
    let deep: unknown = 'x';
    for (let i = 0; i < 200; i++) deep = { a: deep };
    const a = await h.kiosk(
      'POST',
      '/v1/orders',
      { ...registration(o.orderId, o.patient), deep },
      { idem: key() },
    );
    expectStandardRefusal(a, 400);
  });

  it('"amount": 1e999 and other numbers JSON cannot carry are refused with 400', async () => {
    const o = ids('D');
    for (const amount of ['1e999', '-1e999', '1e400']) {
      const raw = JSON.stringify(registration(o.orderId, o.patient)).replace('"25.00"', amount);
      const a = await h.kiosk('POST', '/v1/orders', undefined, { idem: key(), rawBody: raw });
      expectStandardRefusal(a, 400);
    }
  });
});

describe('paths', () => {
  // Over a real socket: inject() and fetch() would resolve the dot segments before the server sees them.
  async function rawGet(path: string): Promise<Answer> {
    const address = h.app.server.listening
      ? h.app.server.address()
      : await h.app.listen({ host: '127.0.0.1', port: 0 });
    const port = typeof address === 'string' ? Number(new URL(address).port) : (address as AddressInfo).port;
    return new Promise((resolve, reject) => {
      const req = request({ host: '127.0.0.1', port, path, method: 'GET' }, (res) => {
        let text = '';
        res.setEncoding('utf8');
        res.on('data', (c) => (text += c));
        res.on('end', () => {
          let body: unknown;
          try {
            body = JSON.parse(text);
          } catch {
            body = undefined;
          }
          resolve({ status: res.statusCode ?? 0, body, headers: res.headers, text });
        });
      });
      req.on('error', reject);
      req.end();
    });
  }

  it('dot segments against the docs’ static files answer 4xx in the standard shape', async () => {
    for (const url of [
      '/docs/static/%2e%2e/%2e%2e/package.json',
      '/docs/static/..%2f..%2fpackage.json',
      '/docs/static/%2e%2e%2f%2e%2e%2fpackage.json',
    ]) {
      const a = await rawGet(url);
      expect(a.text).not.toMatch(/hospital-ledger/);
      expectStandardRefusal(a);
    }
  });

  it('ids up to the longest the schema accepts work in paths; longer ones are refused in the standard shape', async () => {
    const o = ids('L');
    const orderId = `${o.orderId}${'x'.repeat(128)}`.slice(0, 128);
    const order = registration(orderId, o.patient);
    order.business.slotId = 'S-1';
    const created = await h.kiosk('POST', '/v1/orders', order, { idem: key() });
    expect(created.status, created.text).toBe(201);
    const read = await h.kiosk('GET', `/v1/orders/${orderId}`);
    expect(read.status, read.text).toBe(200);
    const paid = await h.kiosk('POST', `/v1/orders/${orderId}/payments`, payment(o.txn, '25.00'), {
      idem: key(),
    });
    expect(paid.status, paid.text).toBe(200);

    const tooLong = await h.kiosk('GET', `/v1/orders/${'y'.repeat(129)}`);
    expectStandardRefusal(tooLong);
    const wayTooLong = await h.kiosk('GET', `/v1/orders/${'y'.repeat(5_000)}`);
    expectStandardRefusal(wayTooLong);
  });
});

describe('content types', () => {
  it('a text/plain body on a signed route is refused with 415 and never reaches the route unsigned', async () => {
    const o = ids('C');
    const body = JSON.stringify(registration(o.orderId, o.patient));
    const client = await h.staff(TOKENS.admin)('POST', '/v1/admin/clients', {
      clientId: 'hostile-client',
      kind: 'kiosk-fleet',
      channelId: 'kiosk',
    });
    expect(client.status).toBe(201);
    for (const contentType of [
      'text/plain',
      'text/plain; charset=utf-8',
      'application/x-www-form-urlencoded',
      'application/octet-stream',
      'application/jsonx',
      undefined,
    ]) {
      // Signed as if the body were empty: the signature must not vouch for bytes it did not cover.
      const headers = signRequest({
        clientId: 'hostile-client',
        secret: client.body.secret,
        method: 'POST',
        path: '/v1/orders',
        timestamp: h.clock.ms,
      });
      const res = await h.app.inject({
        method: 'POST',
        url: '/v1/orders',
        headers: {
          ...headers,
          ...(contentType ? { 'content-type': contentType } : {}),
          'idempotency-key': key(),
        },
        payload: body,
      });
      expect(res.statusCode, `${contentType}: ${res.body}`).toBe(415);
      expect(JSON.parse(res.body)).toMatchObject({
        code: 'UNSUPPORTED_MEDIA_TYPE',
        message: { en: expect.any(String) },
      });
    }
    const read = await h.kiosk('GET', `/v1/orders/${o.orderId}`);
    expect(read.status).toBe(404);
  });
});
