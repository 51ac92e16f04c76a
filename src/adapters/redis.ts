// One Redis connection for a process (replay guard, shared rate limits): its faults are logged as structured
// lines, at most one per REDIS_ERROR_LOG_MS (ioredis would otherwise print every failed reconnect to stderr
// as plain text), it reconnects with a bounded backoff, and closing it never waits for a server that is away.
import { Redis } from 'ioredis';
import type { Logger } from 'pino';

/** At most one log line per this long while Redis keeps failing. */
export const REDIS_ERROR_LOG_MS = 10_000;
/** Longest wait between two reconnection attempts. */
export const REDIS_MAX_RECONNECT_MS = 5_000;
/** Longest a graceful close waits for QUIT before it drops the connection. */
export const REDIS_QUIT_TIMEOUT_MS = 1_000;

export function openRedis(url: string, logger: Logger): Redis {
  const redis = new Redis(url, {
    maxRetriesPerRequest: 2,
    retryStrategy: (times) => Math.min(times * 200, REDIS_MAX_RECONNECT_MS),
  });
  let lastLogged = 0;
  let suppressed = 0;
  redis.on('error', (error: Error & { code?: string }) => {
    const now = Date.now();
    if (now - lastLogged < REDIS_ERROR_LOG_MS) {
      suppressed++;
      return;
    }
    logger.warn({ code: error.code ?? 'REDIS_ERROR', err: error.message, suppressed }, 'Redis unavailable');
    lastLogged = now;
    suppressed = 0;
  });
  redis.on('ready', () => {
    if (lastLogged > 0) logger.info('Redis available again');
    lastLogged = 0;
  });
  return redis;
}

/** QUIT when connected (bounded), else drop the connection at once. */
export async function closeRedis(redis: Redis): Promise<void> {
  if (redis.status !== 'ready') {
    redis.disconnect();
    return;
  }
  let timer: NodeJS.Timeout | undefined;
  await Promise.race([
    redis.quit().catch(() => undefined),
    new Promise<void>((resolve) => {
      timer = setTimeout(() => {
        redis.disconnect();
        resolve();
      }, REDIS_QUIT_TIMEOUT_MS);
    }),
  ]);
  clearTimeout(timer);
}
