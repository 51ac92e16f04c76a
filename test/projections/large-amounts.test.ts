import { sql } from 'kysely';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { SqlEventStore } from '../../src/adapters/event-store/sql-event-store.ts';
import { handle } from '../../src/domain/command-handler.ts';
import { depositDecider } from '../../src/domain/deposit/index.ts';
import { UPCASTERS } from '../../src/domain/events.ts';
import { Money } from '../../src/domain/money.ts';
import { orderDecider } from '../../src/domain/order/index.ts';
import { ProjectionRunner, projectionNamed } from '../../src/projections/index.ts';
import * as totalsMigration from '../../migrations/0040_read_model_totals.ts';
import { cmd } from '../generators/index.ts';
import { createPostgresDatabase, type TestDatabase } from '../support/databases.ts';

/** The largest amount a payment may carry (15 integer digits). */
const MAX = '999999999999999.99';
const BIG_PAYMENTS = 3;
const ORDINARY = 5;

describe('read models keep sums of the largest accepted amounts', () => {
  let t: TestDatabase;
  let store: SqlEventStore;
  beforeAll(async () => {
    t = await createPostgresDatabase('large_amounts');
    store = new SqlEventStore(t.database, { upcasters: UPCASTERS });
  });
  afterAll(async () => {
    await store?.close();
    await t?.dispose();
  });

  it('paying the maximum several times, then ordinary orders: balances and daily totals are exact and not behind', async () => {
    const hospitalId = 'H1';
    const pay = async (orderId: string, amount: string) => {
      await handle(store, orderDecider, cmd.createRegistration({ orderId, hospitalId, amount }));
      await handle(
        store,
        orderDecider,
        cmd.recordPayment({
          orderId,
          hospitalId,
          amount,
          channel: 'cash',
          channelTxnId: `T-${orderId}`,
          attemptId: null,
        }),
      );
    };
    for (let i = 0; i < BIG_PAYMENTS; i++) await pay(`BIG-${i}`, MAX);
    for (let i = 0; i < ORDINARY; i++) await pay(`SMALL-${i}`, '25.00');
    for (let i = 0; i < 2; i++)
      await handle(
        store,
        depositDecider,
        cmd.topUpDeposit({
          hospitalId,
          admissionId: 'ADM-BIG',
          orderId: `D-${i}`,
          channelTxnId: `TD-${i}`,
          amount: MAX,
        }),
      );

    const errors: unknown[] = [];
    const runners = ['balances', 'daily_totals', 'deposits', 'orders'].map((name) =>
      new ProjectionRunner({
        db: t.database.db,
        store,
        leases: t.database,
        projection: projectionNamed(name),
        standbyPollMs: 50,
        onError: (e) => errors.push(e),
      }).start(),
    );
    try {
      const deadline = Date.now() + 60_000;
      for (;;) {
        const statuses = await Promise.all(runners.map((r) => r.status()));
        if (statuses.every((s) => s.lag === 0n) || errors.length > 0 || Date.now() > deadline) break;
        await new Promise((r) => setTimeout(r, 50));
      }
      expect(errors.map(String)).toEqual([]);
      for (const r of runners) expect((await r.status()).lag, r.schema).toBe(0n);
    } finally {
      await Promise.all(runners.map((r) => r.stop()));
    }

    const big = Money.parse(MAX);
    const paid = Money.sum([
      ...Array.from({ length: BIG_PAYMENTS }, () => big),
      ...Array.from({ length: ORDINARY }, () => Money.parse('25.00')),
    ]).toString();
    expect(paid).toBe('3000000000000124.97');
    const db = t.database.db;
    const { rows: balances } = await sql<{ account: string; debit_total: string; balance: string }>`
      SELECT account, debit_total::text, balance::text FROM rm_balances.account_balances
      WHERE hospital_id = ${hospitalId} ORDER BY account`.execute(db);
    const byAccount = new Map(balances.map((r) => [r.account, r]));
    expect(byAccount.get('channel:cash:clearing')).toMatchObject({ debit_total: paid, balance: paid });
    expect(byAccount.get('revenue:registration')?.balance).toBe(paid);

    const { rows: daily } = await sql<{
      payments_count: number;
      payments_amount: string;
      net_amount: string;
    }>`
      SELECT payments_count, payments_amount::text, net_amount::text FROM rm_daily_totals.daily_totals
      WHERE hospital_id = ${hospitalId} AND channel = 'cash' AND business_type = 'registration'`.execute(db);
    expect(daily).toEqual([
      { payments_count: BIG_PAYMENTS + ORDINARY, payments_amount: paid, net_amount: paid },
    ]);
    const { rows: deposits } = await sql<{ topped_up: string; balance: string }>`
      SELECT topped_up::text, balance::text FROM rm_deposits.deposit_balances
      WHERE admission_id = 'ADM-BIG'`.execute(db);
    expect(deposits).toEqual([{ topped_up: big.add(big).toString(), balance: big.add(big).toString() }]);
  });

  it('a database whose read models were created narrow gets its total columns widened', async () => {
    const db = t.database.db;
    await sql`ALTER TABLE rm_daily_totals.daily_totals ALTER COLUMN payments_amount TYPE numeric(18,2)`.execute(
      db,
    );
    await totalsMigration.up(db);
    const { rows } = await sql<{ table_name: string; column_name: string; numeric_precision: number }>`
      SELECT table_name, column_name, numeric_precision FROM information_schema.columns
      WHERE table_schema LIKE 'rm\\_%' AND column_name IN ('payments_amount', 'debit_total', 'balance', 'topped_up')
      ORDER BY 1, 2`.execute(db);
    expect(rows.length).toBeGreaterThanOrEqual(5);
    for (const r of rows) expect(r.numeric_precision, `${r.table_name}.${r.column_name}`).toBe(30);
  });

  it('Money reads totals back beyond one amount, and still refuses such an amount as input', () => {
    expect(Money.parseTotal('-3000000000000124.97').toString()).toBe('-3000000000000124.97');
    expect(Money.parseTotal('9999999999999999999999999999.99').toString()).toBe(
      '9999999999999999999999999999.99',
    );
    expect(() => Money.parseTotal('99999999999999999999999999999.99')).toThrow(/INVALID_AMOUNT/);
    expect(() => Money.parse('1000000000000000.00')).toThrow(/INVALID_AMOUNT/);
  });
});
