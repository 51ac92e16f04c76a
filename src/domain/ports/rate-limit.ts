/** Per-channel admission rate limit (token bucket), in memory or shared through Redis (src/adapters/rate-limit). */
export interface RateLimiter {
  take(key: string, perSecond: number, burst: number): Promise<boolean>;
}
