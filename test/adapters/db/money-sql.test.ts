import fc from 'fast-check';
import { FC_SEED } from '../../support/property.ts';
import { sql } from 'kysely';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { Money } from '../../../src/domain/money.ts';
import { arbMoney } from '../../generators/index.ts';
import { createPgliteDatabase, createPostgresDatabase, type TestDatabase } from '../../support/databases.ts';

describe.each([
  ['PostgreSQL', () => createPostgresDatabase('money_sql')],
  ['PGlite', () => createPgliteDatabase()],
])('money round-trips through SQL numeric on %s', (_name, open) => {
  let t: TestDatabase;
  beforeAll(async () => {
    t = await open();
    await sql`CREATE TABLE amounts (id serial PRIMARY KEY, amount numeric(18,2) NOT NULL)`.execute(
      t.database.db,
    );
  });
  afterAll(async () => t?.dispose());

  it('any amount stored and read back (and summed) is unchanged, never passing through a JS number', async () => {
    await fc.assert(
      fc.asyncProperty(
        fc.array(arbMoney(0, 900_000_000_000), { minLength: 1, maxLength: 20 }),
        async (amounts) => {
          await sql`TRUNCATE amounts`.execute(t.database.db);
          await sql`INSERT INTO amounts (amount) SELECT unnest(${amounts.map((a) => a.toString())}::numeric[])`.execute(
            t.database.db,
          );
          const { rows } = await sql<{ amount: string }>`SELECT amount FROM amounts ORDER BY id`.execute(
            t.database.db,
          );
          expect(typeof rows[0]!.amount).toBe('string');
          expect(rows.map((r) => Money.parse(r.amount).toString())).toEqual(amounts.map((a) => a.toString()));
          const sum = await sql<{ s: string }>`SELECT sum(amount)::text AS s FROM amounts`.execute(
            t.database.db,
          );
          expect(Money.parse(sum.rows[0]!.s).equals(Money.sum(amounts))).toBe(true);
          // and through JSON (event data)
          expect(
            amounts.map((a) => Money.parse(JSON.parse(JSON.stringify(a)) as string).equals(a)),
          ).not.toContain(false);
        },
      ),
      { seed: FC_SEED, numRuns: 200 },
    );
  });
});
