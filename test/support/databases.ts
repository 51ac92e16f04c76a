import { readFileSync } from 'node:fs';
import pg from 'pg';
import { inject } from 'vitest';
import { type Database, openDatabase } from '../../src/adapters/db/database.ts';

const ADMIN_URL = process.env.TEST_POSTGRES_URL ?? 'postgres://postgres@127.0.0.1:5432/postgres';

export interface TestDatabase {
  database: Database;
  url?: string;
  /** Closes the handle and drops what the test created. */
  dispose(): Promise<void>;
}

/** A fresh, migrated PostgreSQL database of this test file's own (cloned from the run's template). */
export async function createPostgresDatabase(label: string, poolSize = 10): Promise<TestDatabase> {
  const name = `t_${label.replace(/[^a-z0-9_]/gi, '_').toLowerCase()}_${process.pid}_${Math.random().toString(36).slice(2, 8)}`;
  const admin = new pg.Client({ connectionString: ADMIN_URL });
  await admin.connect();
  try {
    await admin.query(`CREATE DATABASE ${name} TEMPLATE ${inject('postgresTemplate')}`);
  } finally {
    await admin.end();
  }
  const url = new URL(ADMIN_URL);
  url.pathname = `/${name}`;
  const database = await openDatabase({ url: url.toString(), poolSize });
  return {
    database,
    url: url.toString(),
    async dispose() {
      await database.close();
      const a = new pg.Client({ connectionString: ADMIN_URL });
      await a.connect();
      try {
        await a.query(`DROP DATABASE IF EXISTS ${name} WITH (FORCE)`);
      } finally {
        await a.end();
      }
    },
  };
}

/** A migrated in-memory PGlite, loaded from the run's dump rather than initdb + migrations. */
export async function createPgliteDatabase(): Promise<TestDatabase> {
  const dump = new Blob([readFileSync(inject('pgliteDump'))]);
  const database = await openDatabase({ dataDir: 'memory://', loadDataDir: dump });
  return { database, dispose: () => database.close() };
}
