// The per-channel rate limit's port: a token bucket per (hospital, channel). Adapters:
// src/adapters/rate-limit/redis.ts (one bucket shared by every bus instance) and
// src/adapters/rate-limit/memory.ts (embedded single-process mode: with N instances each would allow the
// whole rate, so `ledger serve` uses Redis whenever REDIS_URL is set). They satisfy this shape structurally.

export interface RateLimiter {
  /**
   * Takes one token from the bucket `key` (refilled at `perSecond`, holding at most `burst`). Resolves false
   * when it is empty (the caller answers 429). Rejects when the limiter cannot answer; the caller then refuses
   * the request rather than skip the check.
   */
  take(key: string, perSecond: number, burst: number): Promise<boolean>;
}

/** Bounds on the settings a bucket accepts (a channel's settings are validated; this guards the adapters). */
export function checkRate(perSecond: number, burst: number): void {
  if (!Number.isFinite(perSecond) || perSecond <= 0 || perSecond > 1_000_000)
    throw new RangeError('rate limit perSecond must be in (0, 1e6]');
  if (!Number.isInteger(burst) || burst < 1 || burst > 1_000_000)
    throw new RangeError('rate limit burst must be an integer in [1, 1e6]');
}
