// One contract for every NonceStore adapter: the in-memory one and Redis (real, 127.0.0.1:6379).
import { randomUUID } from 'node:crypto';
import { Redis } from 'ioredis';
import { afterAll, describe, expect, it } from 'vitest';
import { MemoryNonceStore, NonceStoreFullError } from '../../../src/adapters/nonce/memory.ts';
import { RedisNonceStore } from '../../../src/adapters/nonce/redis.ts';
import type { NonceStore } from '../../../src/bus/auth/nonce-store.ts';

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
