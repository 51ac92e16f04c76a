// Read-model versions: stored with the checkpoint; a runner meeting another version rebuilds before following.
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { Writable } from 'node:stream';
import { sql } from 'kysely';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { SqlEventStore } from '../../src/adapters/event-store/sql-event-store.ts';
import { projectionsCommand } from '../../src/cli/projections.ts';
import { UPCASTERS } from '../../src/domain/events.ts';
import {
  allProjections,
  buildProjection,
  ensureReadModels,
  LEGACY_VERSION,
  liveSchema,
  type Projection,
  ProjectionRunner,
  readCheckpointRow,
} from '../../src/projections/index.ts';
import { generateHistory } from '../generators/index.ts';
import { createPostgresDatabase, type TestDatabase } from '../support/databases.ts';
import { appendHistory } from '../support/history.ts';

const named = (name: string) => allProjections().find((p) => p.name === name)!;

describe('read-model versions (real PostgreSQL)', () => {
  let t: TestDatabase;
  let store: SqlEventStore;
  beforeAll(async () => {
    t = await createPostgresDatabase('versions');
    store = new SqlEventStore(t.database, { upcasters: UPCASTERS, pollIntervalMs: 20 });
    await appendHistory(store, generateHistory(31, 1_500, { hospitals: 2 }));
  }, 120_000);
  afterAll(async () => {
    await store?.close();
    await t?.dispose();
  });

  const dump = async (schema: string) =>
    (
      await sql<
        Record<string, unknown>
      >`SELECT * FROM ${sql.table(`${schema}.account_balances`)} ORDER BY hospital_id, account`.execute(
        t.database.db,
      )
    ).rows;

  const runUntilCaughtUp = async (projection: Projection) => {
    const errors: unknown[] = [];
    const runner = new ProjectionRunner({
      db: t.database.db,
      store,
      leases: t.database,
      projection,
      onError: (e) => errors.push(e),
    }).start();
    await runner.caughtUp();
    const status = await runner.status();
    await runner.stop();
    expect(errors).toEqual([]);
    return status;
  };

  it('a runner started with another code version rebuilds the read model, then its rows equal a fresh build', async () => {
    const v1 = named('balances');
    const schema = liveSchema(v1);
    expect((await runUntilCaughtUp(v1)).storedVersion).toBe(v1.version);
    // Mark the live copy: a runner that merely continued would keep the mark, a rebuild cannot.
    await sql`UPDATE ${sql.table(`${schema}.account_balances`)} SET balance = 999999.99`.execute(
      t.database.db,
    );

    const v2: Projection = { ...v1, version: v1.version + 1 };
    // Schema creation leaves a copy of another version as it is, and says so.
    const [state] = await ensureReadModels(t.database.db, [v2]);
    expect(state).toMatchObject({
      name: 'balances',
      storedVersion: v1.version,
      version: v2.version,
      state: 'stale',
    });
    expect((await dump(schema)).every((r) => r.balance === '999999.99')).toBe(true);

    const status = await runUntilCaughtUp(v2);
    expect(status).toMatchObject({ version: v2.version, storedVersion: v2.version, lag: 0n });
    await buildProjection({
      db: t.database.db,
      store,
      projection: v2,
      schema: 'asof_balances_fresh',
      fresh: true,
    });
    const rows = await dump(schema);
    expect(rows.length).toBeGreaterThan(10);
    expect(rows.some((r) => r.balance === '999999.99')).toBe(false);
    expect(rows).toEqual(await dump('asof_balances_fresh'));
    expect((await readCheckpointRow(t.database.db, 'asof_balances_fresh'))?.version).toBe(v2.version);

    // The same version again: no rebuild, the runner just follows.
    await sql`UPDATE ${sql.table(`${schema}.account_balances`)} SET entries = entries`.execute(t.database.db);
    expect((await runUntilCaughtUp(v2)).storedVersion).toBe(v2.version);
    expect((await ensureReadModels(t.database.db, [v2]))[0]?.state).toBe('current');
  }, 180_000);

  it('`ledger projections status` shows each version, and a due rebuild as stored→code', async () => {
    let out = '';
    const stdout = new Writable({
      write(chunk, _enc, done) {
        out += String(chunk);
        done();
      },
    });
    const stderr = new Writable({ write: (_c, _e, done) => done() });
    const code = await projectionsCommand(['status'], { stdout, stderr, env: { DATABASE_URL: t.url } });
    expect(code).toBe(0);
    const lines = out.trim().split('\n');
    expect(lines[0]).toMatch(/projection\s+version\s+position\s+head\s+lag/);
    // The previous test left balances at a version above the code's.
    const v = named('balances').version;
    expect(lines.find((l) => l.startsWith('balances '))).toMatch(new RegExp(`\\s${v + 1}→${v}\\s`));
    expect(lines.find((l) => l.startsWith('orders '))).toMatch(
      new RegExp(`\\s${named('orders').version}\\s`),
    );
  });

  it('a schema made before versions were recorded counts as version 1 and is not rebuilt', async () => {
    const deposits = named('deposits');
    const schema = liveSchema(deposits);
    await sql`ALTER TABLE ${sql.table(`${schema}.projection_checkpoint`)} DROP COLUMN version`.execute(
      t.database.db,
    );
    const [state] = await ensureReadModels(t.database.db, [deposits]);
    expect(LEGACY_VERSION).toBe(1);
    expect(state).toMatchObject({
      storedVersion: LEGACY_VERSION,
      state: deposits.version === 1 ? 'current' : 'stale',
    });
  });

  it('ensureReadModels creates every missing live schema, also when several processes start at once', async () => {
    const fresh = await createPostgresDatabase('versions_fresh');
    try {
      for (const p of allProjections())
        await sql`DROP SCHEMA ${sql.raw(liveSchema(p))} CASCADE`.execute(fresh.database.db);
      const states = await Promise.all([
        ensureReadModels(fresh.database.db),
        ensureReadModels(fresh.database.db),
      ]);
      const created = states.map((s) => s.filter((x) => x.state === 'created').map((x) => x.name));
      // Exactly one of the two made them (the other waited on the lock and found them current).
      expect(created.flat().sort()).toEqual(
        allProjections()
          .map((p) => p.name)
          .sort(),
      );
      for (const p of allProjections())
        expect(await readCheckpointRow(fresh.database.db, liveSchema(p))).toMatchObject({
          position: 0n,
          version: p.version,
        });
    } finally {
      await fresh.dispose();
    }
  });
});

describe('migrations', () => {
  it('import no project code: read models are created by the projection code', () => {
    const dir = join(import.meta.dirname, '../../migrations');
    for (const f of readdirSync(dir).filter((x) => x.endsWith('.ts')))
      expect(readFileSync(join(dir, f), 'utf8'), f).not.toMatch(/from '\.\.\/src\//);
  });
});
