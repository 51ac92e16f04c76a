// PostgreSQL connections cut mid-load (pg_terminate_backend on every backend of the server's database, at
// points of progress; the shared server itself is never restarted): the bus answers 503 with Retry-After
// meanwhile, never a wrong 2xx or a 500, recovers without a restart, and every acknowledged command is in the
// ledger exactly once, with clients retrying under their Idempotency-Keys.
import pg from 'pg';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createPostgresDatabase, type TestDatabase } from '../support/databases.ts';
import {
  afterLoad,
  describeTally,
  type LedgerProcess,
  newTally,
  registerKiosk,
  runWorkload,
  serveOnFreePort,
} from './ledger-process.ts';

const ADMIN_URL = process.env.TEST_POSTGRES_URL ?? 'postgres://postgres@127.0.0.1:5432/postgres';
const WORKERS = 3;
const UNITS_PER_WORKER = 12; // 36 orders, 72 commands
const CUT_AT_ACKS = [8, 20, 32, 44, 56];
const TEST_TIMEOUT_MS = 900_000;

let t: TestDatabase;
let server: LedgerProcess;
let base = '';

async function terminateBackends(): Promise<number> {
  const c = new pg.Client({ connectionString: ADMIN_URL });
  await c.connect();
  try {
    const { rows } = await c.query<{ n: number }>(
      `SELECT count(pg_terminate_backend(pid))::int AS n FROM pg_stat_activity
       WHERE datname = $1 AND pid <> pg_backend_pid()`,
      [new URL(t.url!).pathname.slice(1)],
    );
    return rows[0]!.n;
  } finally {
    await c.end();
  }
}

beforeAll(async () => {
  t = await createPostgresDatabase('fault_db_loss', 1);
  ({ base, server } = await serveOnFreePort(t.url!));
}, 180_000);

afterAll(async () => {
  await server?.stop();
  await t?.dispose();
});

describe('database connections cut under load', () => {
  it(
    '503 with a retry hint meanwhile, recovery without a restart, no acknowledged command lost or doubled',
    async () => {
      const client = { id: 'kiosk-client', secret: await registerKiosk(base) };
      const tally = newTally();
      const cuts = [...CUT_AT_ACKS];
      let terminated = 0;
      let rounds = 0;
      const units = await runWorkload({
        base: () => base,
        client,
        workers: WORKERS,
        units: UNITS_PER_WORKER,
        tally,
        label: 'D',
        onAck: async (acks) => {
          if (cuts.length === 0 || acks < cuts[0]!) return;
          cuts.shift();
          rounds++;
          terminated += await terminateBackends();
        },
      });
      expect(server.exited(), server.output().slice(-4_000)).toBe(false);
      expect(rounds).toBe(CUT_AT_ACKS.length);
      expect(terminated).toBeGreaterThan(0);
      // Only successes and 503s: never a 500, never a refusal of a command that was valid.
      expect(
        [...tally.statuses.keys()].every((s) => [200, 201, 503].includes(s)),
        describeTally(tally),
      ).toBe(true);
      expect(tally.dropped).toBe(0);
      expect(await afterLoad(t.url!, units)).toEqual([]);
      const ready = await fetch(`${base}/ready`);
      expect(ready.status).toBe(200);
      console.info(
        `database loss: ${rounds} rounds, ${terminated} backends terminated; ${units.length * 2} commands acknowledged, each once; answers ${describeTally(tally)}`,
      );
    },
    TEST_TIMEOUT_MS,
  );
});
