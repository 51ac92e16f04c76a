import pg from 'pg';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { isDatabaseUnavailable } from '../../../src/adapters/db/faults.ts';
import { createPostgresDatabase, type TestDatabase } from '../../support/databases.ts';

const ADMIN_URL = process.env.TEST_POSTGRES_URL ?? 'postgres://postgres@127.0.0.1:5432/postgres';

async function terminate(database: string, applicationName?: string): Promise<number> {
  const c = new pg.Client({ connectionString: ADMIN_URL });
  await c.connect();
  try {
    const { rows } = await c.query<{ n: number }>(
      `SELECT count(pg_terminate_backend(pid))::int AS n FROM pg_stat_activity
       WHERE datname = $1 AND pid <> pg_backend_pid() AND ($2::text IS NULL OR application_name = $2)`,
      [database, applicationName ?? null],
    );
    return rows[0]!.n;
  } finally {
    await c.end();
  }
}

async function until(condition: () => boolean | Promise<boolean>, what: string): Promise<void> {
  const deadline = Date.now() + 30_000;
  while (!(await condition())) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 50));
  }
}

describe('PostgreSQL connections ended by the server', () => {
  let t: TestDatabase;
  let name: string;
  beforeAll(async () => {
    t = await createPostgresDatabase('conn_faults', 4);
    name = new URL(t.url!).pathname.slice(1);
  });
  afterAll(async () => {
    await t?.dispose();
  });

  it('a connection terminated inside a transaction fails that transaction, not the process, and the pool recovers', async () => {
    const { db } = t.database;
    const failed = db.transaction().execute(async (trx) => {
      await trx.selectNoFrom((eb) => eb.val(1).as('one')).execute();
      await terminate(name); // the client is checked out and idle between two statements
      await new Promise((r) => setTimeout(r, 200));
      await trx.selectNoFrom((eb) => eb.val(2).as('two')).execute();
    });
    const error = await failed.then(
      () => undefined,
      (e: unknown) => e,
    );
    expect(error).toBeDefined();
    expect(isDatabaseUnavailable(error)).toBe(true);
    await until(async () => {
      try {
        await db.selectNoFrom((eb) => eb.val(3).as('three')).execute();
        return true;
      } catch {
        return false;
      }
    }, 'the pool to answer again');
  });

  it('LISTEN connects again after its connection is terminated, and wakes its listener', async () => {
    const heard: string[] = [];
    const unlisten = await t.database.listen('faults_channel', (p) => heard.push(p));
    try {
      await t.database.notify('faults_channel', 'before');
      await until(() => heard.includes('before'), 'the first notification');
      await until(async () => (await terminate(name, 'ledger-listen')) > 0, 'the listener to be terminated');
      await until(() => heard.includes(''), 'the wake-up after reconnecting');
      await until(async () => {
        await t.database.notify('faults_channel', 'after');
        await new Promise((r) => setTimeout(r, 100));
        return heard.includes('after');
      }, 'a notification on the new connection');
    } finally {
      await unlisten();
    }
  });

  it('tells connection failures from other errors', () => {
    expect(isDatabaseUnavailable(Object.assign(new Error('terminating connection'), { code: '57P01' }))).toBe(
      true,
    );
    expect(isDatabaseUnavailable(Object.assign(new Error('x'), { code: '08006' }))).toBe(true);
    expect(isDatabaseUnavailable(Object.assign(new Error('read ECONNRESET'), { code: 'ECONNRESET' }))).toBe(
      true,
    );
    expect(isDatabaseUnavailable(new Error('Connection terminated unexpectedly'))).toBe(true);
    expect(isDatabaseUnavailable(new Error('wrapped', { cause: { code: '57P03' } }))).toBe(true);
    expect(isDatabaseUnavailable(Object.assign(new Error('dup'), { code: '23505' }))).toBe(false);
    expect(isDatabaseUnavailable(new Error('boom'))).toBe(false);
    expect(isDatabaseUnavailable(undefined)).toBe(false);
  });
});
