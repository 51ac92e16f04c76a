// While Redis is away the bus keeps taking commands: the replay guard and the channel rate limits fall back
// to this process's memory instead of failing every request. What that costs, said once in the log when it
// starts and ends: a nonce is then refused as a replay only on the instance that saw it (a money command
// replayed to another instance within the window still changes nothing: its Idempotency-Key, kept in the
// database, answers the first result), and a channel's rate limit holds per instance, not across them.
// Decided before each call from the connection's state, so no request waits on ioredis's reconnection; a call
// that fails mid-way because the connection just dropped fails closed (503, AUTH_UNAVAILABLE for the guard).
import type { Redis } from 'ioredis';
import type { Logger } from 'pino';
import type { RateLimiter } from '../domain/ports/rate-limit.ts';
import { MemoryNonceStore } from './nonce/memory.ts';
import { RedisNonceStore } from './nonce/redis.ts';
import { MemoryRateLimiter } from './rate-limit/memory.ts';
import { RedisRateLimiter } from './rate-limit/redis.ts';

interface Switch {
  /** True while Redis answers; logs each change of mode once. */
  up(): boolean;
}

function modeSwitch(redis: Redis, logger: Logger, what: string): Switch {
  let degraded = false;
  return {
    up() {
      const ready = redis.status === 'ready';
      if (ready === degraded) {
        degraded = !ready;
        if (degraded)
          logger.warn({ component: what }, `Redis away: ${what} falls back to this process's memory`);
        else logger.info({ component: what }, `Redis back: ${what} shared again`);
      }
      return ready;
    },
  };
}

/** A store shared in Redis with a stand-in in this process's memory, and the switch between the two. */
abstract class RedisFallback<Shared, Local> {
  protected readonly local: Local;
  protected readonly shared: Shared;
  readonly #mode: Switch;

  constructor(shared: Shared, local: Local, redis: Redis, logger: Logger, what: string) {
    this.shared = shared;
    this.local = local;
    this.#mode = modeSwitch(redis, logger, what);
  }

  /** True while Redis answers. */
  protected up(): boolean {
    return this.#mode.up();
  }
}

/** The replay guard: shared in Redis, this process's memory while Redis is away. */
export class FallbackNonceStore extends RedisFallback<RedisNonceStore, MemoryNonceStore> {
  constructor(redis: Redis, logger: Logger) {
    super(new RedisNonceStore(redis), new MemoryNonceStore(), redis, logger, 'replay guard');
  }

  async claim(clientId: string, nonce: string, ttlMs: number): Promise<boolean> {
    // Recorded locally too, so a replay to this instance is refused even across a Redis outage's edges.
    const fresh = await this.local.claim(clientId, nonce, ttlMs);
    if (!this.up()) return fresh;
    // Redis may go away between the check and the call: the answer is then this process's, as while it is away.
    return this.shared.claim(clientId, nonce, ttlMs).catch(() => fresh);
  }
}

/** Channel rate limits: shared in Redis, per process while Redis is away. */
export class FallbackRateLimiter
  extends RedisFallback<RedisRateLimiter, MemoryRateLimiter>
  implements RateLimiter
{
  constructor(redis: Redis, logger: Logger) {
    super(new RedisRateLimiter(redis), new MemoryRateLimiter(), redis, logger, 'rate limits');
  }

  take(key: string, perSecond: number, burst: number): Promise<boolean> {
    if (!this.up()) return this.local.take(key, perSecond, burst);
    // Redis may go away between the check and the call: the limit is then this process's, as while it is away.
    return this.shared.take(key, perSecond, burst).catch(() => this.local.take(key, perSecond, burst));
  }
}
