// The replay guard's port. Adapters: src/adapters/nonce/redis.ts (shared by every bus instance) and
// src/adapters/nonce/memory.ts (embedded single-process mode). They satisfy this shape structurally,
// so adapters need not import from the bus layer.

export interface NonceStore {
  /**
   * Records `nonce` for `clientId` for `ttlMs`. Resolves true when it was not seen within its TTL
   * (the request may proceed), false when it was (a replay). Rejects when the store cannot answer;
   * the caller must then refuse the request rather than skip the check.
   */
  claim(clientId: string, nonce: string, ttlMs: number): Promise<boolean>;
}
