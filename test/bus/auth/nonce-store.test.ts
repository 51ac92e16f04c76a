// One contract for every NonceStore adapter: the in-memory one and Redis (real, 127.0.0.1:6379).
import { randomUUID } from 'node:crypto';
import { generateClientSecret } from '../../../src/app/clients.ts';
import { Redis } from 'ioredis';
import { afterAll, describe, expect, it } from 'vitest';
import { MemoryNonceStore, NonceStoreFullError } from '../../../src/adapters/nonce/memory.ts';
import { RedisNonceStore } from '../../../src/adapters/nonce/redis.ts';
import {
  busClientSecretContext,
  type NonceStore,
  signRequest,
  verifyRequest,
} from '../../../src/bus/auth/index.ts';
import { generateMasterKey, parseMasterKeys, sealSecret } from '../../../src/adapters/secrets/keyring.ts';
import { keyringSealer } from '../../../src/adapters/secrets/sealer.ts';

const redis = new Redis({ host: '127.0.0.1', port: 6379, lazyConnect: true, maxRetriesPerRequest: 1 });
const prefix = `test:nonce-store:${randomUUID()}:`;

afterAll(async () => {
  const keys = await redis.keys(`${prefix}*`);
  if (keys.length > 0) await redis.del(...keys);
  redis.disconnect();
});

const adapters: Array<[string, () => NonceStore]> = [
  ['memory', () => new MemoryNonceStore()],
  ['redis', () => new RedisNonceStore(redis, { keyPrefix: `${prefix}${randomUUID()}:` })],
];

describe.each(adapters)('NonceStore contract: %s', (_name, make) => {
  it('the first claim wins, the second is a replay', async () => {
    const store = make();
    expect(await store.claim('c1', 'nonce-aaaaaaaaaaaaaa', 60_000)).toBe(true);
    expect(await store.claim('c1', 'nonce-aaaaaaaaaaaaaa', 60_000)).toBe(false);
  });

  it('nonces are per client', async () => {
    const store = make();
    expect(await store.claim('c1', 'nonce-bbbbbbbbbbbbbb', 60_000)).toBe(true);
    expect(await store.claim('c2', 'nonce-bbbbbbbbbbbbbb', 60_000)).toBe(true);
    // length-prefixing keeps "a:b"+"c" apart from "a"+"b:c"
    expect(await store.claim('a:b', 'c', 60_000)).toBe(true);
    expect(await store.claim('a', 'b:c', 60_000)).toBe(true);
  });

  it('concurrent claims of one nonce: exactly one succeeds', async () => {
    const store = make();
    const results = await Promise.all(
      Array.from({ length: 20 }, () => store.claim('c1', 'nonce-race', 60_000)),
    );
    expect(results.filter(Boolean)).toHaveLength(1);
  });

  it('a nonce can be claimed again once its TTL passed', async () => {
    const store = make();
    expect(await store.claim('c1', 'nonce-short', 50)).toBe(true);
    await new Promise((r) => setTimeout(r, 120));
    expect(await store.claim('c1', 'nonce-short', 50)).toBe(true);
  });

  it('rejects absurd TTLs', async () => {
    await expect(make().claim('c1', 'n', 0)).rejects.toThrow(RangeError);
    await expect(make().claim('c1', 'n', 24 * 3600 * 1000)).rejects.toThrow(RangeError);
  });
});

describe('MemoryNonceStore bounds', () => {
  it('refuses (never evicts a live nonce) when full, and recovers once entries expire', async () => {
    let now = 1_000;
    const store = new MemoryNonceStore({ maxEntries: 3, now: () => now });
    for (const n of ['a', 'b', 'c']) expect(await store.claim('c', n, 100)).toBe(true);
    await expect(store.claim('c', 'd', 100)).rejects.toThrow(NonceStoreFullError);
    expect(await store.claim('c', 'a', 100)).toBe(false);
    now += 101;
    expect(await store.claim('c', 'd', 100)).toBe(true);
    expect(store.size).toBe(1);
  });
});

describe('replay across bus instances sharing Redis', () => {
  it('a request accepted by one instance is refused as a replay by another', async () => {
    const keyring = parseMasterKeys(generateMasterKey());
    const secret = generateClientSecret();
    const client = {
      clientId: 'his-1',
      sealedSecret: sealSecret(keyring, secret, busClientSecretContext('his-1')),
    };
    const keyPrefix = `${prefix}bus:`;
    const instance = () => ({
      lookupClient: async (id: string) => (id === client.clientId ? client : undefined),
      secrets: keyringSealer(keyring),
      nonceStore: new RedisNonceStore(redis, { keyPrefix }),
      now: Date.now,
    });
    const body = '{"orderId":"o-9"}';
    // signRequest's headers go straight in: header names are matched case-insensitively.
    const headers = signRequest({ clientId: 'his-1', secret, method: 'POST', path: '/v1/orders', body });
    const req = { method: 'POST', path: '/v1/orders', headers: { ...headers }, body };
    expect((await verifyRequest(req, instance())).ok).toBe(true);
    expect(await verifyRequest(req, instance())).toMatchObject({ ok: false, code: 'AUTH_NONCE_REUSED' });
  });
});
