// Token buckets in this process's memory (the embedded, single-process mode). Bounded: at most
// MAX_RATE_BUCKETS buckets are kept; the least recently created goes first.
import { checkRate } from './bounds.ts';

export const MAX_RATE_BUCKETS = 10_000;

interface Bucket {
  tokens: number;
  at: number;
}

export class MemoryRateLimiter {
  readonly #buckets = new Map<string, Bucket>();

  constructor(private readonly now: () => number = Date.now) {}

  async take(key: string, perSecond: number, burst: number): Promise<boolean> {
    checkRate(perSecond, burst);
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
    b.tokens = Math.min(burst, b.tokens + (Math.max(0, t - b.at) / 1000) * perSecond);
    b.at = t;
    if (b.tokens < 1) return false;
    b.tokens -= 1;
    return true;
  }
}
