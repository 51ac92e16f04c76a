import { spawn } from 'node:child_process';
import { join } from 'node:path';
import { sql } from 'kysely';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { openDatabase, type Database } from '../../src/adapters/db/database.ts';
import { SqlEventStore } from '../../src/adapters/event-store/sql-event-store.ts';
import {
  allProjections,
  buildProjection,
  readCheckpoint,
  type Projection,
  ProjectionRunner,
} from '../../src/projections/index.ts';
import { BALANCES, JOURNAL, ORDERS } from '../../src/projections/queries.ts';
import { generateHistory } from '../generators/index.ts';
import { createPostgresDatabase, type TestDatabase } from '../support/databases.ts';
import { appendHistory } from '../support/history.ts';

const named = (name: string) => allProjections().find((p) => p.name === name)!;

async function table(db: Database, schema: string, t: string): Promise<unknown[]> {
  const { rows } = await sql`SELECT * FROM ${sql.raw(`${schema}.${t}`)} ORDER BY 1, 2`.execute(db.db);
  return rows;
}

/** Builds a reference copy from scratch and compares it with the live schema. */
async function expectSameAsFreshBuild(
  t: TestDatabase,
  store: SqlEventStore,
  projection: Projection,
  live: string,
  tableName: string,
) {
  const schema = `asof_${projection.name}_ref`;
  await buildProjection({ db: t.database.db, store, projection, schema, fresh: true });
  expect(await table(t.database, live, tableName)).toEqual(await table(t.database, schema, tableName));
}

describe('projection runner robustness (real PostgreSQL)', () => {
  let t: TestDatabase;
  let store: SqlEventStore;
  beforeAll(async () => {
    t = await createPostgresDatabase('runner');
    store = new SqlEventStore(t.database, { pollIntervalMs: 20 });
    await appendHistory(store, generateHistory(11, 2_500, { hospitals: 2 }));
  });
  afterAll(async () => {
    await store?.close();
    await t?.dispose();
  });

  it('a runner killed (SIGKILL) at random moments and restarted neither loses nor double-applies an event', async () => {
    const script = join(import.meta.dirname, 'fixtures/run-projection.ts');
    const head = await store.headPosition();
    let midwayKills = 0;
    // Kill as soon as the child has applied something in this round (so every kill lands mid-way), four
    // times; the fifth run must finish on its own.
    for (let round = 0; ; round++) {
      expect(round).toBeLessThan(12);
      const before = (await readCheckpoint(t.database.db, BALANCES.schema)) ?? 0n;
      const child = spawn(process.execPath, ['--import', 'tsx', script], {
        env: { ...process.env, DATABASE_URL: t.url },
        stdio: ['ignore', 'pipe', 'inherit'],
      });
      let out = '';
      child.stdout.on('data', (d) => (out += d));
      let exitCode: number | null | undefined;
      const exited = new Promise<void>((resolve) =>
        child.on('exit', (code) => resolve(void (exitCode = code))),
      );
      if (midwayKills >= 4) {
        await exited;
        expect(exitCode).toBe(0);
        expect(out).toContain('caught-up');
        break;
      }
      for (;;) {
        await new Promise((r) => setTimeout(r, 25));
        if (exitCode !== undefined) break;
        const now = (await readCheckpoint(t.database.db, BALANCES.schema)) ?? 0n;
        if (now > before + 20n && now < head) {
          child.kill('SIGKILL');
          await exited;
          midwayKills++;
          break;
        }
      }
    }
    expect(midwayKills).toBe(4);
    await expectSameAsFreshBuild(t, store, named('balances'), BALANCES.schema, 'account_balances');
    await expectSameAsFreshBuild(t, store, named('journal'), JOURNAL.schema, 'journal_lines');
    await expectSameAsFreshBuild(t, store, named('orders'), ORDERS.schema, 'orders');
  }, 180_000);

  it('a batch that fails half-way is rolled back whole and applied once on retry', async () => {
    const balances = named('balances');
    let calls = 0;
    const flaky: Projection = {
      ...balances,
      async apply(trx, schema, events) {
        await balances.apply(trx, schema, events);
        if (++calls % 3 === 1) throw new Error('crash after writing, before the checkpoint');
      },
    };
    const runner = new ProjectionRunner({
      db: t.database.db,
      store,
      leases: t.database,
      projection: flaky,
      schema: 'flaky_balances',
      batchSize: 100,
      onError: () => {},
    }).start();
    await runner.caughtUp();
    await runner.stop();
    expect(calls).toBeGreaterThan(10);
    await expectSameAsFreshBuild(t, store, balances, 'flaky_balances', 'account_balances');
  });

  it('a standby in this process takes over when the leading process is killed', async () => {
    const script = join(import.meta.dirname, 'fixtures/hold-lease.ts');
    const schema = 'takeover_balances';
    const child = spawn(process.execPath, ['--import', 'tsx', script], {
      env: { ...process.env, DATABASE_URL: t.url, SCHEMA: schema },
      stdio: ['ignore', 'pipe', 'inherit'],
    });
    const exited = new Promise<void>((resolve) => child.on('exit', () => resolve()));
    try {
      await new Promise<void>((resolve, reject) => {
        child.stdout.on('data', (d) => String(d).includes('leader') && resolve());
        child.on('exit', () => reject(new Error('the leading process exited early')));
      });
      const standby = new ProjectionRunner({
        db: t.database.db,
        store,
        leases: t.database,
        projection: named('balances'),
        schema,
        standbyPollMs: 30,
      }).start();
      try {
        await new Promise((r) => setTimeout(r, 300));
        expect(standby.isLeader()).toBe(false);
        child.kill('SIGKILL');
        await exited;
        const started = Date.now();
        while (!standby.isLeader() && Date.now() - started < 10_000)
          await new Promise((r) => setTimeout(r, 20));
        expect(standby.isLeader()).toBe(true);
        await standby.caughtUp();
      } finally {
        await standby.stop();
      }
    } finally {
      child.kill('SIGKILL');
    }
    await expectSameAsFreshBuild(t, store, named('balances'), schema, 'account_balances');
  });

  it('two runners started at once: only one is ever leader, the other takes over when it stops', async () => {
    const other = await openDatabase({ url: t.url!, poolSize: 4 });
    const otherStore = new SqlEventStore(other, { pollIntervalMs: 20 });
    const projection = named('balances');
    const make = (db: Database, s: SqlEventStore) =>
      new ProjectionRunner({
        db: db.db,
        store: s,
        leases: db,
        projection,
        schema: 'duo_balances',
        batchSize: 50,
        standbyPollMs: 30,
      }).start();
    const a = make(t.database, store);
    const b = make(other, otherStore);
    let bothLeaders = 0;
    let sawLeader = false;
    const watch = setInterval(() => {
      if (a.isLeader() && b.isLeader()) bothLeaders++;
      if (a.isLeader() || b.isLeader()) sawLeader = true;
    }, 2);
    try {
      await a.caughtUp();
      expect(sawLeader).toBe(true);
      const [leader, standby] = a.isLeader() ? [a, b] : [b, a];
      expect(standby.isLeader()).toBe(false);
      await leader.stop();
      // New events arrive; the standby must take over and apply them.
      await appendHistory(
        store,
        generateHistory(12, 300, { hospitals: 1 }).map((e) => ({
          ...e,
          streamId: e.streamId.replace('/', 'b/'),
          hospitalId: `${e.hospitalId}b`,
        })),
      );
      await standby.caughtUp();
      expect(standby.isLeader()).toBe(true);
      await standby.stop();
    } finally {
      clearInterval(watch);
      await a.stop();
      await b.stop();
      await otherStore.close();
      await other.close();
    }
    expect(bothLeaders).toBe(0);
    await expectSameAsFreshBuild(t, store, projection, 'duo_balances', 'account_balances');
  });
});
