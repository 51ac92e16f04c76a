import { generateClientSecret } from '../../../src/app/clients.ts';
import { describe, expect, it } from 'vitest';
import { MemoryNonceStore } from '../../../src/adapters/nonce/memory.ts';
import {
  type BusClientCredential,
  busClientSecretContext,
  canonicalString,
  type RequestParts,
  signRequest,
  verifyRequest,
} from '../../../src/bus/auth/index.ts';
import { generateMasterKey, parseMasterKeys, sealSecret } from '../../../src/adapters/secrets/keyring.ts';
import { keyringSealer } from '../../../src/adapters/secrets/sealer.ts';

const NOW = Date.UTC(2025, 0, 15, 2, 0, 0);
const keyring = parseMasterKeys(generateMasterKey('k1'));

function client(id: string, secret: string, disabled = false): BusClientCredential {
  return { clientId: id, sealedSecret: sealSecret(keyring, secret, busClientSecretContext(id)), disabled };
}

function setup() {
  const secret = generateClientSecret();
  const clients = new Map([
    ['kiosk-fleet-1', client('kiosk-fleet-1', secret)],
    ['old-app', client('old-app', generateClientSecret(), true)],
  ]);
  const nonceStore = new MemoryNonceStore({ now: () => NOW });
  const options = {
    lookupClient: async (id: string) => clients.get(id),
    secrets: keyringSealer(keyring),
    nonceStore,
    now: () => NOW,
  };
  const body = JSON.stringify({ orderId: 'o-1', amount: '12.50', note: '挂号费' });
  const signed = (over: Partial<Parameters<typeof signRequest>[0]> = {}): RequestParts => {
    const input = {
      clientId: 'kiosk-fleet-1',
      secret,
      method: 'POST',
      path: '/v1/orders/o-1/payments?src=kiosk',
      body,
      timestamp: NOW,
      ...over,
    };
    return { method: input.method, path: input.path, body: input.body, headers: lower(signRequest(input)) };
  };
  return { secret, options, body, signed };
}

function lower(h: object): Record<string, string> {
  return Object.fromEntries(Object.entries(h).map(([k, v]) => [k.toLowerCase(), String(v)]));
}

describe('bus request signing', () => {
  it('the canonical string is METHOD, path with query, timestamp, nonce and body hash on separate lines', () => {
    expect(canonicalString({ method: 'post', path: '/v1/x?a=1', timestamp: '1', nonce: 'n', body: '' })).toBe(
      'POST\n/v1/x?a=1\n1\nn\ne3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855',
    );
  });

  it('accepts a correctly signed request and returns the client', async () => {
    const { options, signed } = setup();
    const result = await verifyRequest(signed(), options);
    expect(result).toMatchObject({ ok: true, client: { clientId: 'kiosk-fleet-1' } });
  });

  it('accepts a signed request with no body and a Buffer body', async () => {
    const { options, signed } = setup();
    expect((await verifyRequest(signed({ method: 'GET', body: undefined }), options)).ok).toBe(true);
    const buf = Buffer.from('{"a":1}');
    const r = signed({ body: buf });
    expect((await verifyRequest({ ...r, body: '{"a":1}' }, options)).ok).toBe(true);
  });

  it('refuses a stale or far-future timestamp', async () => {
    const { options, signed } = setup();
    expect(await verifyRequest(signed({ timestamp: NOW - 5 * 60 * 1000 - 1 }), options)).toMatchObject({
      ok: false,
      code: 'AUTH_STALE_TIMESTAMP',
    });
    expect(await verifyRequest(signed({ timestamp: NOW + 6 * 60 * 1000 }), options)).toMatchObject({
      code: 'AUTH_STALE_TIMESTAMP',
    });
    expect((await verifyRequest(signed({ timestamp: NOW - 4 * 60 * 1000 }), options)).ok).toBe(true);
  });

  it('refuses a reused nonce, even with a fresh timestamp and a valid signature', async () => {
    const { options, signed } = setup();
    const nonce = 'n0nce-0000000000001';
    expect((await verifyRequest(signed({ nonce }), options)).ok).toBe(true);
    expect(await verifyRequest(signed({ nonce, timestamp: NOW + 1000 }), options)).toMatchObject({
      code: 'AUTH_NONCE_REUSED',
    });
  });

  it('does not burn a nonce on a forged request', async () => {
    const { options, signed } = setup();
    const nonce = 'n0nce-0000000000002';
    const forged = signed({ nonce, secret: generateClientSecret() });
    expect(await verifyRequest(forged, options)).toMatchObject({ code: 'AUTH_BAD_SIGNATURE' });
    expect((await verifyRequest(signed({ nonce }), options)).ok).toBe(true);
  });

  it('refuses a signature made with the wrong secret', async () => {
    const { options, signed } = setup();
    expect(await verifyRequest(signed({ secret: generateClientSecret() }), options)).toMatchObject({
      code: 'AUTH_BAD_SIGNATURE',
    });
  });

  it('refuses a tampered body, path, query or method', async () => {
    const { options, signed } = setup();
    const r = signed();
    expect(
      await verifyRequest({ ...r, body: r.body!.toString().replace('12.50', '125.0') }, options),
    ).toMatchObject({
      code: 'AUTH_BAD_SIGNATURE',
    });
    expect(
      await verifyRequest({ ...signed(), path: '/v1/orders/o-2/payments?src=kiosk' }, options),
    ).toMatchObject({
      code: 'AUTH_BAD_SIGNATURE',
    });
    expect(
      await verifyRequest({ ...signed(), path: '/v1/orders/o-1/payments?src=window' }, options),
    ).toMatchObject({
      code: 'AUTH_BAD_SIGNATURE',
    });
    expect(await verifyRequest({ ...signed(), method: 'PUT' }, options)).toMatchObject({
      code: 'AUTH_BAD_SIGNATURE',
    });
  });

  it('refuses missing, repeated or malformed auth headers', async () => {
    const { options, signed } = setup();
    for (const h of ['x-client-id', 'x-timestamp', 'x-nonce', 'x-signature']) {
      const r = signed();
      const headers = { ...r.headers };
      delete headers[h];
      expect(await verifyRequest({ ...r, headers }, options)).toMatchObject({
        ok: false,
        code: 'AUTH_MISSING',
      });
    }
    const r = signed();
    expect(
      await verifyRequest(
        { ...r, headers: { ...r.headers, 'x-nonce': ['a'.repeat(16), 'b'.repeat(16)] } },
        options,
      ),
    ).toMatchObject({ code: 'AUTH_MISSING' });
    expect(
      await verifyRequest(
        { ...r, headers: { ...r.headers, 'x-timestamp': '2025-01-15T02:00:00Z' } },
        options,
      ),
    ).toMatchObject({ code: 'AUTH_MISSING' });
  });

  it('refuses an unknown client and a disabled one (the latter only once its signature holds)', async () => {
    const { options, signed } = setup();
    expect(await verifyRequest(signed({ clientId: 'nobody' }), options)).toMatchObject({
      code: 'AUTH_UNKNOWN_CLIENT',
    });
    expect(await verifyRequest(signed({ clientId: 'old-app' }), options)).toMatchObject({
      code: 'AUTH_BAD_SIGNATURE',
    });
  });

  it('refuses a disabled client that signs correctly', async () => {
    const secret = generateClientSecret();
    const { options, signed } = setup();
    const disabled = client('old-app', secret, true);
    const opts = { ...options, lookupClient: async () => disabled };
    expect(await verifyRequest(signed({ clientId: 'old-app', secret }), opts)).toMatchObject({
      code: 'AUTH_CLIENT_DISABLED',
    });
  });

  it('refuses (503-style) rather than skipping the replay check when the nonce store fails', async () => {
    const { options, signed } = setup();
    const broken = { claim: async () => Promise.reject(new Error('redis down')) };
    expect(await verifyRequest(signed(), { ...options, nonceStore: broken })).toMatchObject({
      code: 'AUTH_UNAVAILABLE',
    });
  });

  it('a secret sealed for one client cannot be moved to another', async () => {
    const { options, signed, secret } = setup();
    const swapped = { clientId: 'intruder', sealedSecret: client('kiosk-fleet-1', secret).sealedSecret };
    const opts = { ...options, lookupClient: async () => swapped };
    expect(await verifyRequest(signed({ clientId: 'intruder' }), opts)).toMatchObject({
      code: 'AUTH_UNAVAILABLE',
    });
  });
});
