// Redis away mid-load (a redis-server of this test's own, on its own port, stopped and started again; the
// shared one is never touched): the bus keeps taking commands — the replay guard and the rate limits fall
// back to the process's memory — and every acknowledged command is in the ledger exactly once.
import { type ChildProcess, spawn } from 'node:child_process';
import { once } from 'node:events';
import { Redis } from 'ioredis';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createPostgresDatabase, type TestDatabase } from '../support/databases.ts';
import {
  afterLoad,
  describeTally,
  freePort,
  type LedgerProcess,
  newTally,
  registerKiosk,
  runWorkload,
  serveOnFreePort,
} from './ledger-process.ts';

const WORKERS = 2;
const UNITS_PER_WORKER = 15; // 30 orders, 60 commands
const STOP_AT_ACKS = 12;
const START_AT_ACKS = 36;
const TEST_TIMEOUT_MS = 900_000;

let t: TestDatabase;
let server: LedgerProcess;
let redis: ChildProcess | undefined;
let redisPort = 0;
let base = '';

async function startRedis(): Promise<void> {
  redis = spawn(
    'redis-server',
    ['--port', String(redisPort), '--bind', '127.0.0.1', '--save', '', '--appendonly', 'no'],
    {
      stdio: 'ignore',
    },
  );
  const probe = new Redis({
    port: redisPort,
    host: '127.0.0.1',
    lazyConnect: true,
    maxRetriesPerRequest: 0,
    retryStrategy: () => null,
  });
  probe.on('error', () => {}); // refused until the server listens: expected while it starts
  for (let i = 0; i < 200; i++) {
    try {
      await probe.connect();
      await probe.ping();
      break;
    } catch {
      await new Promise((r) => setTimeout(r, 100));
    }
  }
  probe.disconnect();
}

async function stopRedis(): Promise<void> {
  if (!redis || redis.exitCode !== null) return;
  const exit = once(redis, 'exit');
  redis.kill('SIGKILL');
  await exit;
}

beforeAll(async () => {
  t = await createPostgresDatabase('fault_redis', 1);
  redisPort = await freePort();
  await startRedis();
  ({ base, server } = await serveOnFreePort(t.url!, { REDIS_URL: `redis://127.0.0.1:${redisPort}` }));
}, 180_000);

afterAll(async () => {
  await server?.stop();
  await stopRedis();
  await t?.dispose();
});

describe('Redis down under load', () => {
  it(
    'the bus keeps taking commands while Redis is away; none lost or doubled',
    async () => {
      const client = { id: 'kiosk-client', secret: await registerKiosk(base) };
      const tally = newTally();
      let phase: 'up' | 'down' | 'back' = 'up';
      let whileDown = 0;
      let readyWhileDown: number | undefined;
      const units = await runWorkload({
        base: () => base,
        client,
        workers: WORKERS,
        units: UNITS_PER_WORKER,
        tally,
        label: 'R',
        onAck: async (acks) => {
          if (phase === 'down') whileDown++;
          if (phase === 'up' && acks >= STOP_AT_ACKS) {
            phase = 'down';
            await stopRedis();
            // The server learns of the lost connection when its socket closes: ask until it has (bounded).
            for (let i = 0; i < 100; i++) {
              readyWhileDown = (await fetch(`${base}/ready`)).status;
              if (readyWhileDown === 503) break;
              await new Promise((r) => setTimeout(r, 100));
            }
          } else if (phase === 'down' && acks >= START_AT_ACKS) {
            phase = 'back';
            await startRedis();
          }
        },
      });
      expect(phase).toBe('back');
      expect(whileDown).toBeGreaterThan(0);
      // /ready says Redis is away (a load balancer may prefer another instance), while commands go on.
      expect(readyWhileDown).toBe(503);
      expect(server.output()).toMatch(/Redis away: replay guard falls back/);
      expect(
        [...tally.statuses.keys()].every((s) => [200, 201, 503].includes(s)),
        describeTally(tally),
      ).toBe(true);
      expect(await afterLoad(t.url!, units)).toEqual([]);
      console.info(
        `Redis down: ${whileDown} commands acknowledged while Redis was away; ${units.length * 2} in all, each once; answers ${describeTally(tally)}`,
      );
    },
    TEST_TIMEOUT_MS,
  );
});
