// Token buckets in Redis, shared by every bus instance: N instances behind a load balancer together allow
// the channel's rate, not N times it. One Lua script refills and takes atomically, on the Redis server's
// clock (instances' clocks may differ); an idle bucket expires once it would be full again.
import type { Redis } from 'ioredis';
import { checkRate } from './bounds.ts';

export const DEFAULT_RATE_KEY_PREFIX = 'ledger:rate:';
const MAX_KEY_LENGTH = 256;

const TAKE = `
local rate = tonumber(ARGV[1])
local burst = tonumber(ARGV[2])
local t = redis.call('TIME')
local now = tonumber(t[1]) * 1000 + math.floor(tonumber(t[2]) / 1000)
local b = redis.call('HMGET', KEYS[1], 'tokens', 'at')
local tokens = tonumber(b[1])
local at = tonumber(b[2])
if tokens == nil or at == nil then
  tokens = burst
  at = now
end
tokens = math.min(burst, tokens + math.max(0, now - at) / 1000 * rate)
local ok = 0
if tokens >= 1 then
  tokens = tokens - 1
  ok = 1
end
redis.call('HSET', KEYS[1], 'tokens', tostring(tokens), 'at', tostring(now))
redis.call('PEXPIRE', KEYS[1], math.ceil(burst / rate * 1000) + 1000)
return ok`;

type WithTake = Redis & { ledgerRateTake(key: string, rate: string, burst: string): Promise<number> };

export class RedisRateLimiter {
  readonly #redis: WithTake;
  readonly #prefix: string;

  constructor(redis: Redis, options: { keyPrefix?: string } = {}) {
    if (!('ledgerRateTake' in redis)) redis.defineCommand('ledgerRateTake', { numberOfKeys: 1, lua: TAKE });
    this.#redis = redis as WithTake;
    this.#prefix = options.keyPrefix ?? DEFAULT_RATE_KEY_PREFIX;
  }

  async take(key: string, perSecond: number, burst: number): Promise<boolean> {
    checkRate(perSecond, burst);
    if (key.length > MAX_KEY_LENGTH) throw new RangeError('rate limit key too long');
    const ok = await this.#redis.ledgerRateTake(`${this.#prefix}${key}`, String(perSecond), String(burst));
    return ok === 1;
  }
}
