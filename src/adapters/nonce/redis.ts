// Replay guard shared by every bus instance: one Redis key per (client, nonce), SET NX PX so the
// first claim wins atomically and the key expires on its own after the replay window.
import type { Redis } from 'ioredis';

export const DEFAULT_NONCE_KEY_PREFIX = 'ledger:nonce:';
/** Bounds on the TTL a caller may ask for (a bug must not pin keys forever or expire them at once). */
export const MAX_NONCE_TTL_MS = 60 * 60 * 1000;
const MAX_PART_LENGTH = 128;

export class RedisNonceStore {
  readonly #redis: Redis;
  readonly #prefix: string;

  constructor(redis: Redis, options: { keyPrefix?: string } = {}) {
    this.#redis = redis;
    this.#prefix = options.keyPrefix ?? DEFAULT_NONCE_KEY_PREFIX;
  }

  async claim(clientId: string, nonce: string, ttlMs: number): Promise<boolean> {
    if (!Number.isInteger(ttlMs) || ttlMs < 1 || ttlMs > MAX_NONCE_TTL_MS)
      throw new RangeError(`nonce ttl must be 1..${MAX_NONCE_TTL_MS} ms`);
    if (clientId.length > MAX_PART_LENGTH || nonce.length > MAX_PART_LENGTH)
      throw new RangeError('client id or nonce too long');
    // Length-prefix the client id so `a:b` + `c` and `a` + `b:c` can never collide.
    const key = `${this.#prefix}${clientId.length}:${clientId}:${nonce}`;
    const reply = await this.#redis.set(key, '1', 'PX', ttlMs, 'NX');
    return reply === 'OK';
  }
}
