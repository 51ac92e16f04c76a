import { existsSync, mkdtempSync, readdirSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Migrator, sql } from 'kysely';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { migrations } from '../../../migrations/index.ts';
import { migrationsFingerprint, pendingMigrations } from '../../../src/adapters/db/migrate.ts';
import { STAMP_TABLE } from '../../../src/adapters/db/schema-stamp.ts';
import { type Ledger, openLedger } from '../../../src/adapters/event-store/open.ts';
import {
  allProjections,
  type Projection,
  projectionNamed,
  readModelPreparation,
  readModelsFingerprint,
} from '../../../src/projections/index.ts';

// A start skips the migrations and the read models' schema work when the database's stamp says this code did
// them already; anything else (no stamp, another fingerprint, a schema gone) does the work again.
let root: string;
beforeAll(() => {
  root = mkdtempSync(join(tmpdir(), 'ledger-stamp-'));
  process.env.LEDGER_PGLITE_TEMPLATE_DIR = join(root, 'templates');
});
afterAll(() => {
  rmSync(root, { recursive: true, force: true });
  delete process.env.LEDGER_PGLITE_TEMPLATE_DIR;
});

const open = (dataDir: string): Promise<Ledger> =>
  openLedger({ dataDir }, { migrate: true, prepare: readModelPreparation });

async function stamps(ledger: Ledger): Promise<Record<string, string>> {
  const { rows } = await sql<{ part: string; fingerprint: string }>`
    SELECT part, fingerprint FROM ${sql.table(STAMP_TABLE)}`.execute(ledger.database.db);
  return Object.fromEntries(rows.map((r) => [r.part, r.fingerprint]));
}

async function tableExists(ledger: Ledger, name: string): Promise<boolean> {
  const { rows } = await sql<{ ok: boolean }>`SELECT to_regclass(${name}) IS NOT NULL AS ok`.execute(
    ledger.database.db,
  );
  return rows[0]!.ok;
}

describe('schema stamps', () => {
  it('a new folder starts from a prepared copy that is migrated, holds the read models and is stamped', async () => {
    const dataDir = join(root, 'first');
    const ledger = await open(dataDir);
    try {
      expect(await stamps(ledger)).toEqual({
        migrations: migrationsFingerprint(),
        'read-models': await readModelPreparation.fingerprint(),
      });
      expect(await tableExists(ledger, 'rm_orders.orders')).toBe(true);
      expect(await tableExists(ledger, 'demo_runs')).toBe(true);
    } finally {
      await ledger.close();
    }
    // The prepared folder is kept beside the plain one, for the next new folder.
    expect(readdirSync(join(root, 'templates')).filter((n) => /-s[0-9a-f]{16}$/.test(n))).toHaveLength(1);
    const second = await open(join(root, 'second'));
    try {
      expect(await tableExists(second, 'rm_orders.orders')).toBe(true);
    } finally {
      await second.close();
    }
  });

  it('skips the work while the stamp matches, and does it again when a fingerprint differs or a schema is gone', async () => {
    const dataDir = join(root, 'skip');
    let ledger = await open(dataDir);
    await sql`DROP TABLE rm_orders.orders`.execute(ledger.database.db);
    await ledger.close();

    // Same code, same stamp: nothing is run, so the dropped table stays dropped.
    ledger = await open(dataDir);
    expect(await tableExists(ledger, 'rm_orders.orders')).toBe(false);
    // A stamp from other code: the read models' work runs again and restores the table.
    await sql`UPDATE ${sql.table(STAMP_TABLE)} SET fingerprint = 'older' WHERE part = 'read-models'`.execute(
      ledger.database.db,
    );
    await ledger.close();
    ledger = await open(dataDir);
    expect(await tableExists(ledger, 'rm_orders.orders')).toBe(true);
    expect((await stamps(ledger))['read-models']).toBe(await readModelPreparation.fingerprint());

    // A read model's schema dropped: the stamp alone does not hide it.
    await sql`DROP SCHEMA rm_deposits CASCADE`.execute(ledger.database.db);
    await ledger.close();
    ledger = await open(dataDir);
    expect(await tableExists(ledger, 'rm_deposits.deposit_balances')).toBe(true);
    await ledger.close();
  });

  it('a folder from a version before stamps (or before a migration) is migrated as before', async () => {
    const dataDir = join(root, 'older');
    let ledger = await open(dataDir);
    const { db } = ledger.database;
    await sql`DROP TABLE ${sql.table(STAMP_TABLE)}`.execute(db);
    // The newest migration undone, as a folder of the version before it holds.
    const last = Object.keys(migrations).at(-1)!;
    const down = await new Migrator({
      db,
      provider: { getMigrations: async () => migrations },
    }).migrateDown();
    expect(down.error).toBeUndefined();
    expect(await pendingMigrations(db)).toEqual([last]);
    await ledger.close();
    ledger = await open(dataDir);
    try {
      expect(await pendingMigrations(ledger.database.db)).toEqual([]);
      expect((await stamps(ledger)).migrations).toBe(migrationsFingerprint());
    } finally {
      await ledger.close();
    }
    expect(existsSync(join(dataDir, 'PG_VERSION'))).toBe(true);
  });

  it("the read models' fingerprint changes with any of their DDL", async () => {
    const orders = projectionNamed('orders');
    const withIndex: Projection = {
      ...orders,
      async createTables(db, schema) {
        await orders.createTables(db, schema);
        await sql`CREATE INDEX IF NOT EXISTS orders_extra ON ${sql.table(`${schema}.orders`)} (patient_id)`.execute(
          db,
        );
      },
    };
    const bumped: Projection = { ...orders, version: orders.version + 1 };
    const base = await readModelsFingerprint(allProjections());
    expect(await readModelsFingerprint(allProjections())).toBe(base);
    const replaced = (by: Projection) => allProjections().map((p) => (p.name === 'orders' ? by : p));
    expect(await readModelsFingerprint(replaced(orders))).toBe(base);
    expect(await readModelsFingerprint(replaced(withIndex))).not.toBe(base);
    expect(await readModelsFingerprint(replaced(bumped))).not.toBe(base);
  });
});
