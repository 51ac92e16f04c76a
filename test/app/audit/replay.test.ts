import { sql } from 'kysely';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { SqlEventStore } from '../../../src/adapters/event-store/sql-event-store.ts';
import { replayAsOf } from '../../../src/app/audit/replay.ts';
import { handle } from '../../../src/domain/command-handler.ts';
import { UPCASTERS } from '../../../src/domain/events.ts';
import { orderDecider } from '../../../src/domain/order/index.ts';
import { catchUpProjection, liveSchema, projectionNamed, qualified } from '../../../src/projections/index.ts';
import { cmd } from '../../generators/index.ts';
import { runCli } from '../../support/audit.ts';
import { createPostgresDatabase, type TestDatabase } from '../../support/databases.ts';

let t: TestDatabase;
let store: SqlEventStore;
beforeAll(async () => {
  t = await createPostgresDatabase('audit_replay');
  store = new SqlEventStore(t.database, { upcasters: UPCASTERS });
});
afterAll(async () => {
  await store.close();
  await t.dispose();
});

async function payOrder(orderId: string, channel: string, amount: string): Promise<void> {
  await handle(store, orderDecider, cmd.createRegistration({ orderId, amount }));
  await handle(store, orderDecider, cmd.requestPayment({ orderId, channel }));
  await handle(
    store,
    orderDecider,
    cmd.recordPayment({ orderId, channel, channelTxnId: `TX-${orderId}`, amount }),
  );
}

async function refund(orderId: string, refundId: string, amount: string): Promise<void> {
  await handle(store, orderDecider, cmd.requestRefund({ orderId, refundId, amount }));
  await handle(store, orderDecider, cmd.verifyRefundIdentity({ orderId, refundId }));
  await handle(store, orderDecider, cmd.recordRefundSuccess({ orderId, refundId }));
}

/** The live read models brought up to the head, as a runner keeps them. */
async function liveRows() {
  const db = t.database.db;
  for (const name of ['balances', 'orders', 'reconciliation']) {
    const projection = projectionNamed(name);
    await catchUpProjection({ db, store, projection, schema: liveSchema(projection) });
  }
  const balances = await sql<Record<string, unknown>>`
    SELECT hospital_id AS "hospitalId", account, kind, debit_total::text AS "debitTotal",
           credit_total::text AS "creditTotal", balance::text AS balance, entries
    FROM ${qualified(liveSchema(projectionNamed('balances')), 'account_balances')} ORDER BY hospital_id, account`.execute(
    db,
  );
  const orders = await sql<Record<string, unknown>>`
    SELECT order_id AS "orderId", status, paid::text AS paid, refunded::text AS refunded
    FROM ${qualified(liveSchema(projectionNamed('orders')), 'orders')} ORDER BY hospital_id, order_id`.execute(
    db,
  );
  const recon = liveSchema(projectionNamed('reconciliation'));
  const days = await sql<Record<string, unknown>>`
    SELECT business_date AS "businessDate", channel, state, discrepancies_open AS "discrepanciesOpen",
           discrepancies_resolved AS "discrepanciesResolved"
    FROM ${qualified(recon, 'recon_days')} ORDER BY hospital_id, business_date, channel`.execute(db);
  const discrepancies = await sql<Record<string, unknown>>`
    SELECT discrepancy_id AS "discrepancyId", status, action
    FROM ${qualified(recon, 'discrepancies')} ORDER BY hospital_id, business_date, discrepancy_id`.execute(
    db,
  );
  return { balances: balances.rows, orders: orders.rows, days: days.rows, discrepancies: discrepancies.rows };
}

/** A discrepancy as reconciliation raises it (the fields the read model keeps). */
async function raise(discrepancyId: string, subject: string): Promise<void> {
  await store.appendToStream(
    `H1/discrepancy/${discrepancyId}`,
    [
      {
        type: 'DiscrepancyRaised',
        occurredAt: new Date(),
        metadata: { actor: 'system:reconciliation' },
        data: {
          discrepancyId,
          type: 'MISSING_IN_CHANNEL',
          channel: 'wechat',
          businessDate: '2026-11-20',
          subject,
          amount: '25.00',
          finding: { subject, reason: 'not on the statement', sources: [] },
        },
      },
    ],
    { expectedVersion: 'no_stream' },
  );
}

async function resolve(discrepancyId: string): Promise<void> {
  await store.appendToStream(
    `H1/discrepancy/${discrepancyId}`,
    [
      {
        type: 'DiscrepancyResolved',
        occurredAt: new Date(),
        metadata: { actor: 'staff:wang' },
        data: { discrepancyId, action: 'accept', reason: 'timing', by: 'wang', approvedBy: null },
      },
    ],
    { expectedVersion: 1 },
  );
}

/** The database's clock: recorded_at is its now(), so the instant is taken from the same clock. */
async function dbNow(): Promise<Date> {
  const { rows } = await sql<{ now: Date }>`SELECT clock_timestamp() AS now`.execute(t.database.db);
  return rows[0]!.now;
}

describe('ledger audit replay', () => {
  it('balances, orders and reconciliation as of an instant equal the live ones captured then, whatever came after', async () => {
    await payOrder('O-1', 'wechat', '25.00');
    await payOrder('O-2', 'alipay', '40.00');
    await refund('O-1', 'R-1', '5.00');
    await raise('D-1', 'O-1');
    const captured = await liveRows();
    expect(captured.discrepancies).toEqual([{ discrepancyId: 'D-1', status: 'open', action: null }]);
    const instant = await dbNow();
    // Later facts on the same accounts and orders, recorded strictly after the instant.
    while ((await dbNow()) <= instant) await new Promise((r) => setTimeout(r, 5));
    await refund('O-2', 'R-2', '40.00');
    await payOrder('O-3', 'wechat', '12.00');
    await resolve('D-1');
    await raise('D-2', 'O-3');
    const now = await liveRows();
    expect(now.balances).not.toEqual(captured.balances);
    expect(now.discrepancies).not.toEqual(captured.discrepancies);

    const replay = await replayAsOf({ db: t.database.db, store, asOf: instant });
    expect(replay.balances).toEqual(captured.balances);
    expect(
      replay.orders.map(({ orderId, status, paid, refunded }) => ({ orderId, status, paid, refunded })),
    ).toEqual(captured.orders);
    expect(
      replay.reconciliation.discrepancies.map(({ discrepancyId, status, action }) => ({
        discrepancyId,
        status,
        action,
      })),
    ).toEqual(captured.discrepancies);
    expect(
      replay.reconciliation.days.map(
        ({ businessDate, channel, state, discrepanciesOpen, discrepanciesResolved }) => ({
          businessDate,
          channel,
          state,
          discrepanciesOpen,
          discrepanciesResolved,
        }),
      ),
    ).toEqual(captured.days);
    expect(replay.schemas.balances).toMatch(/^asof_balances_\d{14}$/);

    const cli = await runCli(['audit', 'replay', '--as-of', instant.toISOString(), '--json'], {
      DATABASE_URL: t.url,
    });
    expect(cli.code).toBe(0);
    expect(JSON.parse(cli.out).balances).toEqual(captured.balances);
    const text = await runCli(['audit', 'replay', '--as-of', instant.toISOString()], { DATABASE_URL: t.url });
    expect(text.out).toMatch(/channel:wechat:clearing\s+asset\s+25\.00\s+5\.00\s+20\.00/);
    expect(text.out).toMatch(/2 orders/);
  });

  it('a date without time, or no instant, is a usage error (64) before any store is opened', async () => {
    const env = { DATABASE_URL: 'postgres://nobody@127.0.0.1:1/none' };
    expect((await runCli(['audit', 'replay', '--as-of', '2026-11-20'], env)).code).toBe(64);
    expect((await runCli(['audit', 'replay'], env)).code).toBe(64);
    expect(
      (await runCli(['audit', 'replay', '--as-of', '2026-11-20T16:00:00Z', '--orders', '-1'], env)).code,
    ).toBe(64);
  });
});
