// `kill -9` of `ledger serve` under a load of money commands whose clients retry with their Idempotency-Keys:
// after each restart every acknowledged command is in the ledger exactly once, nothing is doubled, and the
// deposit credits (a reaction's work, interrupted mid-way) catch up, each done once. Kills strike at points of
// progress (acknowledged commands), not of time.
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
  startLedger,
} from './ledger-process.ts';

const WORKERS = 2;
const UNITS_PER_WORKER = 15; // 30 orders, 60 commands
const KILL_AT_ACKS = [12, 36];
/** Generous: three process starts on a loaded 2-core machine; the outcome never depends on it. */
const TEST_TIMEOUT_MS = 900_000;

let t: TestDatabase;
let server: LedgerProcess;
let env: NodeJS.ProcessEnv;
let base = '';

beforeAll(async () => {
  t = await createPostgresDatabase('fault_kill', 1);
  ({ env, base, server } = await serveOnFreePort(t.url!));
}, 180_000);

afterAll(async () => {
  await server?.stop();
  await t?.dispose();
});

describe('kill -9 of ledger serve under load', () => {
  it(
    'every acknowledged command is in the ledger exactly once after restarts; reactions catch up once',
    async () => {
      const client = { id: 'kiosk-client', secret: await registerKiosk(base) };
      const tally = newTally();
      const kills = [...KILL_AT_ACKS];
      let restarting: Promise<void> | undefined;
      let killed = 0;
      const units = await runWorkload({
        base: () => base,
        client,
        workers: WORKERS,
        units: UNITS_PER_WORKER,
        tally,
        label: 'K',
        onAck: (acks) => {
          if (restarting || kills.length === 0 || acks < kills[0]!) return;
          kills.shift();
          restarting = (async () => {
            await server.stop('SIGKILL');
            killed++;
            console.info(`kill -9 #${killed} at ${acks} acknowledged commands; restarting`);
            server = await startLedger('serve', env);
            console.info(`restarted after kill #${killed}`);
            restarting = undefined;
          })();
        },
      });
      await restarting;
      expect(killed).toBe(KILL_AT_ACKS.length);
      expect(units).toHaveLength(WORKERS * UNITS_PER_WORKER);
      expect(await afterLoad(t.url!, units)).toEqual([]);
      console.info(
        `kill -9: ${killed} kills, ${units.length} orders (${units.length * 2} commands) acknowledged, each once; answers ${describeTally(tally)}`,
      );
    },
    TEST_TIMEOUT_MS,
  );
});
