// Reactions survive a crash: what must follow a payment is recorded with the reaction's checkpoint and
// carried out by whichever process runs next, exactly once; a re-run from position 0 appends nothing.
import { spawn } from 'node:child_process';
import { join } from 'node:path';
import { sql } from 'kysely';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { SqlEventStore } from '../../src/adapters/event-store/sql-event-store.ts';
import { createLogger } from '../../src/adapters/log.ts';
import { loadDeposit } from '../../src/app/load.ts';
import type { AppPorts } from '../../src/app/ports.ts';
import { drainReactions, reactionStatuses } from '../../src/app/reactions/runtime.ts';
import { UPCASTERS } from '../../src/domain/events.ts';
import { REACTIONS } from '../../src/domain/reactions/index.ts';
import { reactionSchema } from '../../src/projections/reactions.ts';
import { ScriptedHis } from '../../src/simulation/his/scripted.ts';
import { createPostgresDatabase, type TestDatabase } from '../support/databases.ts';

let tdb: TestDatabase;
let store: SqlEventStore;
let ports: AppPorts;
beforeAll(async () => {
  tdb = await createPostgresDatabase('reactions');
  store = new SqlEventStore(tdb.database, { upcasters: UPCASTERS });
  ports = {
    store,
    db: tdb.database.db,
    now: () => new Date(),
    logger: createLogger({ level: 'silent' }),
    his: new ScriptedHis({}),
  };
});
afterAll(async () => {
  await store?.close();
  await tdb?.dispose();
});

/** Runs the fixture until it says its payments are committed, then kills it with SIGKILL. */
async function payThenKill(orders: string[]): Promise<void> {
  const child = spawn(
    process.execPath,
    ['--import', 'tsx', join(import.meta.dirname, 'fixtures/pay-top-ups.ts')],
    {
      env: { ...process.env, DATABASE_URL: tdb.url!, ORDERS: orders.join(',') },
      stdio: ['ignore', 'pipe', 'inherit'],
    },
  );
  const exited = new Promise((resolve) => child.once('exit', resolve));
  await new Promise<void>((resolve, reject) => {
    child.stdout.on('data', (chunk: Buffer) => {
      if (chunk.toString().includes('paid')) {
        child.kill('SIGKILL');
        resolve();
      }
    });
    child.once('exit', (code) => reject(new Error(`fixture exited early (${code})`)));
  });
  await exited;
}

describe('reactions', () => {
  it('SIGKILL between paid top-ups and their credit, then a restart: each credited exactly once', async () => {
    await payThenKill(['1', '2', '3']);
    // The process died after the payments: nothing credited the admission yet.
    expect((await loadDeposit(store, 'H1', 'ZY-1')).state.exists).toBe(false);

    // The next process (any bus or worker) picks the work up.
    await drainReactions(ports);
    const { state } = await loadDeposit(store, 'H1', 'ZY-1');
    expect(state.balance.toString()).toBe('417.15');
    expect([...state.topUps.keys()].sort()).toEqual(['TOPUP-1', 'TOPUP-2', 'TOPUP-3']);
    const read = await store.readStream('H1/deposit/ZY-1');
    expect(read.events.filter((e) => e.type === 'DepositToppedUp')).toHaveLength(3);
    // …and each payment written back to the HIS once.
    for (const n of ['1', '2', '3']) {
      const order = await store.readStream(`H1/order/TOPUP-${n}`);
      expect(order.events.filter((e) => e.type === 'HisWritebackSucceeded')).toHaveLength(1);
    }

    // Another crash and restart with the same payments answered from their keys changes nothing.
    await payThenKill(['1', '2', '3']);
    await drainReactions(ports);
    expect((await store.readStream('H1/deposit/ZY-1')).version).toBe(3);
    const statuses = await reactionStatuses(ports);
    expect(statuses.every((s) => s.lag === 0n && s.work.pending === 0 && s.work.parked === 0)).toBe(true);
  });

  it('reactions re-run from position 0 append nothing', async () => {
    await drainReactions(ports);
    const head = await store.headPosition();
    // Forget every reaction's checkpoint and queue (their own schemas), as a version change would.
    for (const r of REACTIONS)
      await sql`DROP SCHEMA ${sql.id(reactionSchema(r))} CASCADE`.execute(tdb.database.db);
    const { done } = await drainReactions(ports);
    expect(done).toBeGreaterThan(0); // the work was found again…
    expect(await store.headPosition()).toBe(head); // …and every piece of it was already done
  });
});
