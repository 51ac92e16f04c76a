// The per-channel rate limit's port lives with the use cases that admit commands (src/app/ports.ts); the
// adapters (src/adapters/rate-limit) satisfy it structurally.
export type { RateLimiter } from '../app/ports.ts';
