// One contract for every RateLimiter adapter: in memory, and Redis (real, 127.0.0.1:6379), where several bus
// instances share one bucket per channel.
import { randomUUID } from 'node:crypto';
import { Redis } from 'ioredis';
import { afterAll, describe, expect, it } from 'vitest';
import { MemoryRateLimiter } from '../../src/adapters/rate-limit/memory.ts';
import { RedisRateLimiter } from '../../src/adapters/rate-limit/redis.ts';
import type { RateLimiter } from '../../src/domain/ports/rate-limit.ts';

const redis = new Redis({ host: '127.0.0.1', port: 6379, lazyConnect: true, maxRetriesPerRequest: 1 });
const prefix = `test:rate-limit:${randomUUID()}:`;

afterAll(async () => {
  const keys = await redis.keys(`${prefix}*`);
  if (keys.length > 0) await redis.del(...keys);
  redis.disconnect();
});

const adapters: Array<[string, () => RateLimiter]> = [
  ['memory', () => new MemoryRateLimiter()],
  ['redis', () => new RedisRateLimiter(redis, { keyPrefix: `${prefix}${randomUUID()}:` })],
];

const takeN = async (l: RateLimiter, key: string, n: number, perSecond: number, burst: number) => {
  const out: boolean[] = [];
  for (let i = 0; i < n; i++) out.push(await l.take(key, perSecond, burst));
  return out;
};

describe.each(adapters)('RateLimiter contract: %s', (_name, make) => {
  it('allows the burst, then refuses until tokens refill', async () => {
    const l = make();
    // 0.5/s: the four takes would have to stall two seconds for a token to come back in between.
    expect(await takeN(l, 'H001/kiosk', 4, 0.5, 3)).toEqual([true, true, true, false]);
  });

  it('refills at the configured rate', async () => {
    const l = make();
    expect(await takeN(l, 'H001/app', 2, 4, 2)).toEqual([true, true]);
    expect(await l.take('H001/app', 4, 2)).toBe(false);
    await new Promise((r) => setTimeout(r, 700)); // 4/s: at least two tokens back, never more than the burst
    expect(await takeN(l, 'H001/app', 3, 4, 2)).toEqual([true, true, false]);
  });

  it('keeps one bucket per key', async () => {
    const l = make();
    expect(await takeN(l, 'H001/a', 2, 1, 1)).toEqual([true, false]);
    expect(await l.take('H001/b', 1, 1)).toBe(true);
    expect(await l.take('H002/a', 1, 1)).toBe(true);
  });

  it('refuses settings it cannot honour', async () => {
    const l = make();
    await expect(l.take('k', 0, 1)).rejects.toThrow(RangeError);
    await expect(l.take('k', 1, 0)).rejects.toThrow(RangeError);
    await expect(l.take('k', 1, 1.5)).rejects.toThrow(RangeError);
  });
});

describe('Redis rate limits across bus instances', () => {
  it('two instances share one bucket: together they allow the burst once, not twice', async () => {
    const keyPrefix = `${prefix}${randomUUID()}:`;
    const other = new Redis({ host: '127.0.0.1', port: 6379, maxRetriesPerRequest: 1 });
    try {
      const a = new RedisRateLimiter(redis, { keyPrefix });
      const b = new RedisRateLimiter(other, { keyPrefix });
      const results = await Promise.all(
        Array.from({ length: 10 }, (_, i) => (i % 2 ? a : b).take('H001/wechat', 0.1, 5)),
      );
      expect(results.filter(Boolean)).toHaveLength(5);
    } finally {
      other.disconnect();
    }
  });

  it('an idle bucket expires from Redis once it would be full again', async () => {
    const keyPrefix = `${prefix}${randomUUID()}:`;
    const l = new RedisRateLimiter(redis, { keyPrefix });
    await l.take('H001/pos', 100, 2);
    const ttl = await redis.pttl(`${keyPrefix}H001/pos`);
    expect(ttl).toBeGreaterThan(0);
    expect(ttl).toBeLessThanOrEqual((2 / 100) * 1000 + 1000);
  });
});
