import { createHash } from 'node:crypto';
import { readdirSync, readFileSync, writeFileSync, existsSync, mkdirSync, renameSync } from 'node:fs';
import { join } from 'node:path';
import { tmpdir } from 'node:os';
import type { TestProject } from 'vitest/node';
import pg from 'pg';
import { type Database, openDatabase } from '../../src/adapters/db/database.ts';
import { migrateToLatest } from '../../src/adapters/db/migrate.ts';
import { ensureReadModels } from '../../src/projections/index.ts';

export const ADMIN_URL = process.env.TEST_POSTGRES_URL ?? 'postgres://postgres@127.0.0.1:5432/postgres';

/** What the template holds depends on the migrations and on the read models' code (their schemas). */
function schemaHash(): string {
  const h = createHash('sha256');
  for (const dir of ['../../migrations', '../../src/projections'].map((d) => join(import.meta.dirname, d)))
    for (const f of readdirSync(dir, { recursive: true, encoding: 'utf8' }).sort())
      if (f.endsWith('.ts')) h.update(f).update(readFileSync(join(dir, f)));
  return h.digest('hex').slice(0, 12);
}

/** A database as the ledger opens it for serving: migrated, every read model's live schema present. */
async function prepare(db: Database['db']): Promise<void> {
  await migrateToLatest(db);
  await ensureReadModels(db);
}

/**
 * Builds, once per run, a migrated PostgreSQL template (read models included) database (each test file clones it with
 * CREATE DATABASE … TEMPLATE) and a migrated PGlite data-dir dump (each test loads a copy instead of
 * running initdb and the migrations again).
 */
export default async function setup(project: TestProject): Promise<void> {
  const hash = schemaHash();
  const template = `ledger_template_${hash}`;
  const admin = new pg.Client({ connectionString: ADMIN_URL });
  await admin.connect();
  try {
    const exists = await admin.query('SELECT 1 FROM pg_database WHERE datname = $1', [template]);
    if (exists.rowCount === 0) {
      const building = `${template}_building_${process.pid}`;
      await admin.query(`DROP DATABASE IF EXISTS ${building}`);
      await admin.query(`CREATE DATABASE ${building}`);
      const url = new URL(ADMIN_URL);
      url.pathname = `/${building}`;
      const database = await openDatabase({ url: url.toString(), poolSize: 1 });
      await prepare(database.db);
      await database.close();
      await admin.query(`ALTER DATABASE ${building} RENAME TO ${template}`);
    }
  } finally {
    await admin.end();
  }

  const cacheDir = join(tmpdir(), 'ledger-test-cache');
  mkdirSync(cacheDir, { recursive: true });
  const dump = join(cacheDir, `pglite-${hash}.tar.gz`);
  if (!existsSync(dump)) {
    const database = await openDatabase({ dataDir: 'memory://' });
    await prepare(database.db);
    const blob = await database.dumpDataDir!();
    await database.close();
    writeFileSync(`${dump}.tmp`, Buffer.from(await blob.arrayBuffer()));
    renameSync(`${dump}.tmp`, dump);
  }
  project.provide('postgresTemplate', template);
  project.provide('pgliteDump', dump);
}

declare module 'vitest' {
  export interface ProvidedContext {
    postgresTemplate: string;
    pgliteDump: string;
  }
}
