// Per-channel rate limit: a token bucket per (hospital, channel) in this process's memory. With N bus
// instances behind a load balancer each enforces the limit on its own share (the effective limit is up to
// N× the setting); a shared limit would need Redis. Bounded: at most MAX_RATE_BUCKETS buckets are kept.

export const MAX_RATE_BUCKETS = 10_000;

interface Bucket {
  tokens: number;
  at: number;
}

export class RateLimiter {
  readonly #buckets = new Map<string, Bucket>();

  constructor(private readonly now: () => number = Date.now) {}

  /** Takes one token; false when the bucket is empty (the caller answers 429). */
  take(key: string, perSecond: number, burst: number): boolean {
    const t = this.now();
    let b = this.#buckets.get(key);
    if (!b) {
      if (this.#buckets.size >= MAX_RATE_BUCKETS) {
        const oldest = this.#buckets.keys().next().value;
        if (oldest !== undefined) this.#buckets.delete(oldest);
      }
      b = { tokens: burst, at: t };
      this.#buckets.set(key, b);
    }
    b.tokens = Math.min(burst, b.tokens + ((t - b.at) / 1000) * perSecond);
    b.at = t;
    if (b.tokens < 1) return false;
    b.tokens -= 1;
    return true;
  }
}
