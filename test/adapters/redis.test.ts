// Redis away: the process logs its faults as structured lines (few of them), never as plain text on stderr,
// and closing the connection does not wait for the server to come back.
import { Writable } from 'node:stream';
import { describe, expect, it } from 'vitest';
import { createLogger } from '../../src/adapters/log.ts';
import { closeRedis, openRedis } from '../../src/adapters/redis.ts';

describe('a Redis that cannot be reached', () => {
  it('is logged as JSON lines, throttled, and closed without waiting for it', async () => {
    const lines: string[] = [];
    const logger = createLogger({
      level: 'info',
      destination: new Writable({
        write(chunk, _e, cb) {
          lines.push(
            ...String(chunk)
              .split('\n')
              .filter((l) => l !== ''),
          );
          cb();
        },
      }),
    });
    const stderr: string[] = [];
    const original = process.stderr.write.bind(process.stderr);
    process.stderr.write = ((chunk: string | Uint8Array) => {
      stderr.push(String(chunk));
      return true;
    }) as typeof process.stderr.write;
    try {
      // Nothing listens on port 1: every connection attempt fails.
      const redis = openRedis('redis://127.0.0.1:1', logger);
      // Several reconnects fail meanwhile (every 200–400 ms); one line says so.
      for (let i = 0; i < 200 && lines.length === 0; i++) await new Promise((r) => setTimeout(r, 50));
      await new Promise((r) => setTimeout(r, 1_000));
      await closeRedis(redis);
      // Closed for good: no more connection attempts (each would fail with an error) after it.
      let attempts = 0;
      redis.on('error', () => attempts++);
      redis.on('connect', () => attempts++);
      await new Promise((r) => setTimeout(r, 1_500));
      expect(attempts).toBe(0);
    } finally {
      process.stderr.write = original;
    }
    expect(lines.length).toBeGreaterThanOrEqual(1);
    expect(lines.length).toBeLessThanOrEqual(2); // several failed reconnects, one line (throttled)
    for (const l of lines) expect(JSON.parse(l)).toMatchObject({ msg: 'Redis unavailable' });
    expect(stderr.join('')).not.toMatch(/ioredis/);
  });
});
