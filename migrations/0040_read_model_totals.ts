import type { Kysely } from 'kysely';
import { sql } from 'kysely';

// Running totals in read models outgrow numeric(18,2): two payments of the largest accepted amount
// (999999999999999.99) already sum past it, and the projection then failed on every batch. Sums become
// numeric(30,2); widening a numeric keeps every value and rewrites nothing. Tables created by a newer
// projection are already wide, and a read model that does not exist here is left alone.
const TOTALS: ReadonlyArray<readonly [schema: string, table: string, columns: readonly string[]]> = [
  ['rm_balances', 'account_balances', ['debit_total', 'credit_total', 'balance']],
  ['rm_daily_totals', 'daily_totals', ['payments_amount', 'refunds_amount', 'fees_amount', 'net_amount']],
  ['rm_deposits', 'deposit_balances', ['topped_up', 'applied', 'refunded', 'balance']],
  ['rm_orders', 'orders', ['surplus']],
  ['rm_reconciliation', 'recon_days', ['matched_amount', 'timing_amount']],
  ['rm_reconciliation', 'discrepancies', ['amount']],
];

async function retype(db: Kysely<unknown>, type: 'numeric(30,2)' | 'numeric(18,2)'): Promise<void> {
  for (const [schema, table, columns] of TOTALS) {
    const { rows } = await sql<{ column_name: string }>`
      SELECT column_name FROM information_schema.columns
      WHERE table_schema = ${schema} AND table_name = ${table} AND column_name IN (${sql.join(columns)})`.execute(
      db,
    );
    for (const { column_name } of rows)
      await sql`ALTER TABLE ${sql.id(schema, table)} ALTER COLUMN ${sql.id(column_name)} TYPE ${sql.raw(type)}`.execute(
        db,
      );
  }
}

export async function up(db: Kysely<unknown>): Promise<void> {
  await retype(db, 'numeric(30,2)');
}

export async function down(db: Kysely<unknown>): Promise<void> {
  // Fails (numeric field overflow) when a total no longer fits: narrowing must not lose money silently.
  await retype(db, 'numeric(18,2)');
}
