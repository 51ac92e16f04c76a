// Replay guard for the embedded single-process mode. Bounded: when full of unexpired nonces it
// refuses to answer (the verifier turns that into AUTH_UNAVAILABLE) instead of evicting live
// entries, because forgetting a live nonce would let that request be replayed.

/** Live nonces held at once; at ~1,000 requests/s with a 10-minute window this is 600k. */
export const MEMORY_NONCE_STORE_MAX_ENTRIES = 1_000_000;
export const MAX_NONCE_TTL_MS = 60 * 60 * 1000;

export class NonceStoreFullError extends Error {
  constructor() {
    super('in-memory nonce store is full of live nonces');
    this.name = 'NonceStoreFullError';
  }
}

export class MemoryNonceStore {
  // Insertion order; entries are swept from the front while expired. TTLs are near-constant
  // (derived from the skew), so the front is (nearly) always the oldest expiry.
  readonly #expiries = new Map<string, number>();
  readonly #maxEntries: number;
  readonly #now: () => number;

  constructor(options: { maxEntries?: number; now?: () => number } = {}) {
    this.#maxEntries = options.maxEntries ?? MEMORY_NONCE_STORE_MAX_ENTRIES;
    this.#now = options.now ?? Date.now;
    if (!(this.#maxEntries >= 1 && this.#maxEntries <= MEMORY_NONCE_STORE_MAX_ENTRIES))
      throw new RangeError(`maxEntries must be 1..${MEMORY_NONCE_STORE_MAX_ENTRIES}`);
  }

  get size(): number {
    return this.#expiries.size;
  }

  async claim(clientId: string, nonce: string, ttlMs: number): Promise<boolean> {
    if (!Number.isInteger(ttlMs) || ttlMs < 1 || ttlMs > MAX_NONCE_TTL_MS)
      throw new RangeError(`nonce ttl must be 1..${MAX_NONCE_TTL_MS} ms`);
    const now = this.#now();
    const key = `${clientId.length}:${clientId}:${nonce}`;
    const expiry = this.#expiries.get(key);
    if (expiry !== undefined && expiry > now) return false;
    if (expiry !== undefined) this.#expiries.delete(key);
    this.#sweep(now);
    if (this.#expiries.size >= this.#maxEntries) {
      this.#sweepAll(now);
      if (this.#expiries.size >= this.#maxEntries) throw new NonceStoreFullError();
    }
    this.#expiries.set(key, now + ttlMs);
    return true;
  }

  #sweep(now: number): void {
    for (const [key, expiry] of this.#expiries) {
      if (expiry > now) return;
      this.#expiries.delete(key);
    }
  }

  // Only when full: TTLs that differ can leave expired entries behind a live one at the front.
  #sweepAll(now: number): void {
    for (const [key, expiry] of this.#expiries) if (expiry <= now) this.#expiries.delete(key);
  }
}
