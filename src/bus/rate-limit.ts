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
