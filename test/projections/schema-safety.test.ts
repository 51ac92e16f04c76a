import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { PassThrough } from 'node:stream';
import { PGlite } from '@electric-sql/pglite';
import { sql } from 'kysely';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import { openDatabase } from '../../src/adapters/db/database.ts';
import { SqlEventStore } from '../../src/adapters/event-store/sql-event-store.ts';
import { main } from '../../src/cli/main.ts';
import {
  type AnyDb,
  allProjections,
  buildProjection,
  projectionNamed,
  rebuildProjection,
  UnsafeSchemaError,
} from '../../src/projections/index.ts';
import { generateHistory } from '../generators/index.ts';
import { createPostgresDatabase, type TestDatabase } from '../support/databases.ts';
import { appendHistory } from '../support/history.ts';

/** Names no build may ever drop or write into, whatever the flag says. */
const HOSTILE = [
  'public',
  'pg_catalog',
  'information_schema',
  'bus',
  'x; drop table events',
  'public CASCADE; DROP SCHEMA bus',
  '"public"',
  'rm_orders',
  'rm_balances',
  'rm_balances__old',
  'asof_orders',
];

async function run(argv: string[], env: NodeJS.ProcessEnv): Promise<{ code: number; err: string }> {
  const stdout = new PassThrough();
  const stderr = new PassThrough();
  let err = '';
  stdout.resume();
  stderr.on('data', (c) => (err += c));
  const code = await main(argv, { stdout, stderr, env });
  return { code, err };
}

/** What must survive any refused build: the events, the bus schema and another projection's live tables. */
async function precious(db: AnyDb): Promise<string> {
  const { rows } = await sql<{ events: string; orders: string; bus: boolean }>`
    SELECT (SELECT count(*) FROM public.events)::text AS events,
      (SELECT count(*) FROM rm_orders.orders)::text AS orders,
      to_regclass('bus.clients') IS NOT NULL AS bus`.execute(db);
  return JSON.stringify(rows[0]);
}

const balances = projectionNamed('balances');

describe('builds never drop what they did not create (PostgreSQL)', () => {
  let t: TestDatabase;
  let store: SqlEventStore;
  let before: string;

  beforeAll(async () => {
    t = await createPostgresDatabase('schema_safety');
    store = new SqlEventStore(t.database);
    await appendHistory(store, generateHistory(11, 300, { hospitals: 1 }));
    await buildProjection({
      db: t.database.db,
      store,
      projection: projectionNamed('orders'),
      schema: 'asof_orders',
    });
    await sql`INSERT INTO rm_orders.orders SELECT * FROM asof_orders.orders`.execute(t.database.db);
    before = await precious(t.database.db);
    expect(JSON.parse(before).events).not.toBe('0');
    expect(JSON.parse(before).orders).not.toBe('0');
  });
  afterAll(async () => {
    await t?.dispose();
  });

  it('the CLI refuses --schema public and every other name that is not the projection’s own, with a usage error', async () => {
    const now = new Date().toISOString();
    for (const schema of HOSTILE) {
      const r = await run(['projections', 'build', 'balances', '--as-of', now, '--schema', schema], {
        DATABASE_URL: t.url,
      });
      expect(r.code, schema).toBe(64);
      expect(r.err, schema).toMatch(/refusing schema/);
    }
    expect(await precious(t.database.db)).toBe(before);
    const ok = await run(['projections', 'build', 'balances', '--as-of', now], { DATABASE_URL: t.url });
    expect(ok.err).not.toMatch(/refusing/);
    expect(ok.code).toBe(0);
  });

  it('buildProjection and rebuildProjection refuse the same names, fresh or not', async () => {
    const db = t.database.db;
    for (const schema of HOSTILE) {
      for (const fresh of [true, false])
        await expect(
          buildProjection({ db, store, projection: balances, schema, fresh }),
          schema,
        ).rejects.toThrow(UnsafeSchemaError);
      // The live schema is the one a rebuild may replace; a build may not drop it.
      if (schema !== 'rm_balances')
        await expect(rebuildProjection({ db, store, projection: balances, schema }), schema).rejects.toThrow(
          UnsafeSchemaError,
        );
    }
    expect(await precious(db)).toBe(before);
  });

  it('a schema with the right name that holds anything else is refused, and what it holds survives', async () => {
    const db = t.database.db;
    await sql`CREATE SCHEMA asof_balances_trap`.execute(db);
    await sql`CREATE TABLE asof_balances_trap.precious (id int)`.execute(db);
    await sql`INSERT INTO asof_balances_trap.precious VALUES (1)`.execute(db);
    await expect(
      buildProjection({ db, store, projection: balances, schema: 'asof_balances_trap', fresh: true }),
    ).rejects.toThrow(/precious/);

    await sql`CREATE SCHEMA asof_balances_fn`.execute(db);
    await sql`CREATE FUNCTION asof_balances_fn.keep() RETURNS int LANGUAGE sql AS 'SELECT 1'`.execute(db);
    await expect(
      buildProjection({ db, store, projection: balances, schema: 'asof_balances_fn', fresh: true }),
    ).rejects.toThrow(/function keep/);

    // Another projection's checkpoint in a schema named like ours.
    await buildProjection({ db, store, projection: balances, schema: 'asof_balances_other' });
    await sql`UPDATE asof_balances_other.projection_checkpoint SET projection = 'orders'`.execute(db);
    await expect(
      buildProjection({ db, store, projection: balances, schema: 'asof_balances_other', fresh: true }),
    ).rejects.toThrow(/checkpoint of projection orders/);

    // A view elsewhere that reads a built copy would go with DROP … CASCADE.
    await buildProjection({ db, store, projection: balances, schema: 'asof_balances_viewed' });
    await sql`CREATE VIEW public.balances_report AS SELECT * FROM asof_balances_viewed.account_balances`.execute(
      db,
    );
    await expect(
      buildProjection({ db, store, projection: balances, schema: 'asof_balances_viewed', fresh: true }),
    ).rejects.toThrow(UnsafeSchemaError);

    const { rows } = await sql<{ kept: number; fn: number; view: boolean }>`
      SELECT (SELECT count(*) FROM asof_balances_trap.precious)::int AS kept, asof_balances_fn.keep() AS fn,
        to_regclass('public.balances_report') IS NOT NULL AS view`.execute(db);
    expect(rows[0]).toEqual({ kept: 1, fn: 1, view: true });
    expect(await precious(db)).toBe(before);
  });

  it('its own copies are still rebuilt fresh, and a rebuild swaps the live schema in', async () => {
    const db = t.database.db;
    const first = await buildProjection({
      db,
      store,
      projection: balances,
      schema: 'asof_balances_own',
      fresh: true,
    });
    const again = await buildProjection({
      db,
      store,
      projection: balances,
      schema: 'asof_balances_own',
      fresh: true,
    });
    expect(again).toEqual(first);
    const rebuilt = await rebuildProjection({ db, store, projection: balances });
    expect(rebuilt.position).toBe(await store.headPosition());
    expect(await precious(db)).toBe(before);
  });
  it('every projection rebuilds twice over its own live schema (its CHECK constraints are its own)', async () => {
    const db = t.database.db;
    for (const projection of allProjections()) {
      await rebuildProjection({ db, store, projection });
      const again = await rebuildProjection({ db, store, projection });
      expect(again.position, projection.name).toBe(await store.headPosition());
    }
    // A foreign key from outside into a built copy is still something a DROP … CASCADE would take.
    await buildProjection({ db, store, projection: balances, schema: 'asof_balances_referenced' });
    const { rows } = await sql<{ column_name: string }>`
      SELECT a.attname AS column_name FROM pg_index i
      JOIN pg_attribute a ON a.attrelid = i.indrelid AND a.attnum = ANY(i.indkey)
      WHERE i.indrelid = 'asof_balances_referenced.account_balances'::regclass AND i.indisprimary`.execute(
      db,
    );
    const cols = rows.map((r) => sql.id(r.column_name));
    await sql`CREATE TABLE public.balance_notes AS SELECT ${sql.join(cols)} FROM asof_balances_referenced.account_balances LIMIT 0`.execute(
      db,
    );
    await sql`ALTER TABLE public.balance_notes ADD FOREIGN KEY (${sql.join(cols)}) REFERENCES asof_balances_referenced.account_balances (${sql.join(cols)})`.execute(
      db,
    );
    await expect(
      buildProjection({ db, store, projection: balances, schema: 'asof_balances_referenced', fresh: true }),
    ).rejects.toThrow(UnsafeSchemaError);
    expect(await precious(db)).toBe(before);
  });
});

describe('builds never drop what they did not create (PGlite)', () => {
  let dir: string;
  beforeAll(async () => {
    dir = await mkdtemp(join(tmpdir(), 'schema-safety-'));
    const pglite = await PGlite.create({
      dataDir: dir,
      loadDataDir: new Blob([await readFile(inject('pgliteDump'))]),
    });
    await pglite.close();
  });
  afterAll(async () => {
    await rm(dir, { recursive: true, force: true });
  });

  it('neither the CLI nor buildProjection drops public on the embedded database', async () => {
    const database = await openDatabase({ dataDir: dir });
    try {
      const store = new SqlEventStore(database);
      await appendHistory(store, generateHistory(12, 60, { hospitals: 1 }));
      for (const schema of ['public', 'x; drop table events', 'rm_orders'])
        await expect(
          buildProjection({ db: database.db, store, projection: balances, schema, fresh: true }),
        ).rejects.toThrow(UnsafeSchemaError);
      expect(await precious(database.db)).toMatch(/"events":"[1-9]/);
    } finally {
      await database.close();
    }
    const r = await run(
      ['projections', 'build', 'balances', '--as-of', new Date().toISOString(), '--schema', 'public'],
      { LEDGER_DATA_DIR: dir },
    );
    expect(r.code).toBe(64);
    const database2 = await openDatabase({ dataDir: dir });
    try {
      expect(await precious(database2.db)).toMatch(/"events":"[1-9]/);
    } finally {
      await database2.close();
    }
  });
});
