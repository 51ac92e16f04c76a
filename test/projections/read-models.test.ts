import fc from 'fast-check';
import { FC_SEED } from '../support/property.ts';
import { sql } from 'kysely';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { SqlEventStore } from '../../src/adapters/event-store/sql-event-store.ts';
import { type DomainEvent, UPCASTERS } from '../../src/domain/events.ts';
import { applyEntry, type Balances, postingsFor } from '../../src/domain/ledger/index.ts';
import { Money } from '../../src/domain/money.ts';
import { isPaidNotInHis, orderDecider, orderView } from '../../src/domain/order/index.ts';
import { depositDecider } from '../../src/domain/deposit/index.ts';
import {
  accountBalanceAsOf,
  allProjections,
  buildProjection,
  liveSchema,
  ProjectionRunner,
  rebuildProjection,
} from '../../src/projections/index.ts';
import {
  BALANCES,
  DAILY_TOTALS,
  DEPOSITS,
  HIS_SYNC,
  JOURNAL,
  ORDERS,
} from '../../src/projections/queries.ts';
import { handle } from '../../src/domain/command-handler.ts';
import { arbOrderHistory, cmd, type GeneratedEvent, generateHistory } from '../generators/index.ts';
import { createPostgresDatabase, type TestDatabase } from '../support/databases.ts';
import { appendHistory } from '../support/history.ts';

/** Ledger balances by a straight fold of the events: what account_balances must equal. */
function foldBalances(
  events: readonly { hospitalId: string; type: string; data: unknown }[],
): Map<string, string> {
  const perHospital = new Map<string, Balances>();
  for (const e of events) {
    const entry = postingsFor({ type: e.type, data: e.data } as DomainEvent);
    if (!entry) continue;
    let b = perHospital.get(e.hospitalId);
    if (!b) perHospital.set(e.hospitalId, (b = new Map()));
    applyEntry(b, entry);
  }
  const out = new Map<string, string>();
  for (const [h, b] of perHospital) for (const [account, m] of b) out.set(`${h}|${account}`, m.toString());
  return out;
}

async function balancesTable(t: TestDatabase, schema = BALANCES.schema): Promise<Map<string, string>> {
  const { rows } = await sql<{ hospital_id: string; account: string; balance: string }>`
    SELECT hospital_id, account, balance::text FROM ${sql.raw(schema)}.account_balances`.execute(
    t.database.db,
  );
  return new Map(
    rows.map((r) => [
      `${r.hospital_id}|${r.account}`,
      Money.parse(r.balance, { allowNegative: true }).toString(),
    ]),
  );
}

async function dump(t: TestDatabase, schema: string, table: string): Promise<unknown[]> {
  const { rows } = await sql`SELECT * FROM ${sql.raw(`${schema}.${table}`)} ORDER BY 1, 2`.execute(
    t.database.db,
  );
  return rows;
}

const TABLES: Record<string, string> = {
  balances: 'account_balances',
  journal: 'journal_lines',
  orders: 'orders',
  his_sync: 'his_sync_status',
  deposits: 'deposit_balances',
  daily_totals: 'daily_totals',
};

describe('read models from generated histories (real PostgreSQL)', () => {
  let t: TestDatabase;
  let store: SqlEventStore;
  let history: GeneratedEvent[];
  const runners: ProjectionRunner[] = [];

  beforeAll(async () => {
    t = await createPostgresDatabase('projections');
    store = new SqlEventStore(t.database, { upcasters: UPCASTERS, pollIntervalMs: 20 });
    history = generateHistory(7, 4_000, { hospitals: 2 });
    await appendHistory(store, history);
    for (const projection of allProjections())
      runners.push(
        new ProjectionRunner({
          db: t.database.db,
          store,
          leases: t.database,
          projection,
          standbyPollMs: 50,
          onError: (e) => console.error(projection.name, e),
        }).start(),
      );
    await Promise.all(runners.map((r) => r.caughtUp()));
  });
  afterAll(async () => {
    await Promise.all(runners.map((r) => r.stop()));
    await store?.close();
    await t?.dispose();
  });

  it('account balances equal a straight fold of the events, and the trial balance is zero', async () => {
    const expected = foldBalances(history);
    expect(expected.size).toBeGreaterThan(10);
    expect(await balancesTable(t)).toEqual(expected);
    const { rows } = await sql<{ debits: string; credits: string }>`
      SELECT sum(debit_total)::text AS debits, sum(credit_total)::text AS credits FROM ${sql.table(`${BALANCES.schema}.account_balances`)}`.execute(
      t.database.db,
    );
    expect(rows[0]!.debits).toBe(rows[0]!.credits);
  });

  it('the journal has one balanced entry per money event', async () => {
    const { rows } = await sql<{ position: string; d: string; c: string }>`
      SELECT position::text, sum(amount) FILTER (WHERE side = 'debit')::text AS d,
             sum(amount) FILTER (WHERE side = 'credit')::text AS c
      FROM ${sql.table(`${JOURNAL.schema}.journal_lines`)} GROUP BY position`.execute(t.database.db);
    const posting = history.filter(
      (e) => postingsFor({ type: e.type, data: e.data } as DomainEvent) !== null,
    );
    expect(rows).toHaveLength(posting.length);
    for (const r of rows) expect(r.d).toBe(r.c);
  });

  it('orders show what the order aggregate says was paid and refunded', async () => {
    const byStream = new Map<string, GeneratedEvent[]>();
    for (const e of history)
      if (e.category === 'order') byStream.set(e.streamId, [...(byStream.get(e.streamId) ?? []), e]);
    const { rows } = await sql<{
      hospital_id: string;
      order_id: string;
      paid: string;
      refunded: string;
      amount: string;
      status: string;
    }>`
      SELECT hospital_id, order_id, paid::text, refunded::text, amount::text, status FROM ${sql.table(`${ORDERS.schema}.orders`)}`.execute(
      t.database.db,
    );
    expect(rows).toHaveLength(byStream.size);
    const table = new Map(rows.map((r) => [`${r.hospital_id}/order/${r.order_id}`, r]));
    for (const [stream, events] of byStream) {
      let state = orderDecider.initialState();
      for (const e of events) state = orderDecider.evolve(state, e as never);
      const row = table.get(stream)!;
      expect(row, stream).toBeDefined();
      expect(Money.parse(row.amount).equals(state.amount)).toBe(true);
      const refunded = [...state.refunds.values()]
        .filter((r) => r.status === 'succeeded' && r.of === 'payment')
        .reduce((s, r) => s.add(r.amount), Money.ZERO);
      expect(Money.parse(row.refunded).toString(), stream).toBe(refunded.toString());
      expect(Money.parse(row.paid).toString(), stream).toBe((state.payment?.amount ?? Money.ZERO).toString());
      // The read model shows a requested attempt as still awaiting payment (its column comment lists no other).
      const shown = orderView(state).status;
      expect(row.status, stream).toBe(shown === 'payment-requested' ? 'awaiting-payment' : shown);
    }
  });

  it('deposit balances equal the deposit aggregates, never negative', async () => {
    const byStream = new Map<string, GeneratedEvent[]>();
    for (const e of history)
      if (e.category === 'deposit') byStream.set(e.streamId, [...(byStream.get(e.streamId) ?? []), e]);
    expect(byStream.size).toBeGreaterThan(0);
    const { rows } = await sql<{ hospital_id: string; admission_id: string; balance: string }>`
      SELECT hospital_id, admission_id, balance::text FROM ${sql.table(`${DEPOSITS.schema}.deposit_balances`)}`.execute(
      t.database.db,
    );
    const table = new Map(rows.map((r) => [`${r.hospital_id}/deposit/${r.admission_id}`, r.balance]));
    for (const [stream, events] of byStream) {
      let state = depositDecider.initialState();
      for (const e of events) state = depositDecider.evolve(state, e as never);
      expect(Money.parse(table.get(stream)!).toString(), stream).toBe(state.balance.toString());
      expect(Money.parse(table.get(stream)!).isNegative()).toBe(false);
    }
  });

  it('daily totals: net of each channel equals the movement of its clearing account before fees and settlements', async () => {
    const { rows } = await sql<{ hospital_id: string; channel: string; net: string; fees: string }>`
      SELECT hospital_id, channel, sum(payments_amount - refunds_amount)::text AS net, sum(fees_amount)::text AS fees
      FROM ${sql.table(`${DAILY_TOTALS.schema}.daily_totals`)} GROUP BY 1, 2`.execute(t.database.db);
    const clearing = foldBalances(
      history.filter((e) => e.type !== 'ChannelSettlementReceived' && e.type !== 'ChannelFeeRecorded'),
    );
    for (const r of rows)
      expect(Money.parse(r.net, { allowNegative: true }).toString()).toBe(
        clearing.get(`${r.hospital_id}|channel:${r.channel}:clearing`) ?? '0.00',
      );
  });

  it('HIS sync status: every paid order is tracked, synced ones carry a receipt', async () => {
    const { rows } = await sql<{ status: string; n: number; receipts: number }>`
      SELECT status, count(*)::int AS n, count(his_receipt_id)::int AS receipts FROM ${sql.table(`${HIS_SYNC.schema}.his_sync_status`)} GROUP BY 1`.execute(
      t.database.db,
    );
    const by = Object.fromEntries(rows.map((r) => [r.status, r]));
    expect(by.synced?.n).toBeGreaterThan(0);
    expect(by.synced?.receipts).toBe(by.synced?.n);
    const paid = new Set(
      history
        .filter((e) => e.type === 'PaymentSucceeded' || e.type === 'PaymentConfirmed')
        .map((e) => e.streamId),
    );
    expect(rows.reduce((s, r) => s + r.n, 0)).toBe(paid.size);
    // "Paid, not in HIS" (pending, failed, needs-refund) exactly where the order aggregate says so.
    const { rows: open } = await sql<{ hospital_id: string; order_id: string }>`
      SELECT hospital_id, order_id FROM ${sql.table(`${HIS_SYNC.schema}.his_sync_status`)}
      WHERE status IN ('pending', 'failed', 'needs-refund')`.execute(t.database.db);
    const openStreams = new Set(open.map((r) => `${r.hospital_id}/order/${r.order_id}`));
    const byStream = new Map<string, GeneratedEvent[]>();
    for (const e of history)
      if (e.category === 'order') byStream.set(e.streamId, [...(byStream.get(e.streamId) ?? []), e]);
    for (const [stream, events] of byStream) {
      let state = orderDecider.initialState();
      for (const e of events) state = orderDecider.evolve(state, e as never);
      expect(openStreams.has(stream), stream).toBe(isPaidNotInHis(state));
    }
  });

  it('a partial refund of an order the HIS lacks leaves it paid, not in HIS; the full refund ends that', async () => {
    const orderId = `PARTIAL-${Date.now()}`;
    const at = { orderId, hospitalId: 'H001' };
    await handle(store, orderDecider, cmd.createOutpatient(at)); // 12.50 + 30.00
    await handle(
      store,
      orderDecider,
      cmd.recordPayment({ ...at, amount: '42.50', channelTxnId: `T-${orderId}`, attemptId: null }),
    );
    await handle(store, orderDecider, cmd.hisWritebackFailure(at));
    const statusNow = async () => {
      await Promise.all(runners.map((r) => r.caughtUp()));
      const { rows } = await sql<{ status: string; refunded: string }>`
        SELECT status, refunded::text FROM ${sql.table(`${HIS_SYNC.schema}.his_sync_status`)} WHERE order_id = ${orderId}`.execute(
        t.database.db,
      );
      return rows[0];
    };
    const refund = async (refundId: string, amount: string) => {
      await handle(store, orderDecider, cmd.requestRefund({ ...at, refundId, amount }));
      await handle(store, orderDecider, cmd.verifyRefundIdentity({ ...at, refundId }));
      await handle(store, orderDecider, cmd.recordRefundSuccess({ ...at, refundId }));
    };
    await refund('R-PART-1', '12.50');
    expect(await statusNow()).toEqual({ status: 'failed', refunded: '12.50' });
    await refund('R-PART-2', '30.00');
    expect(await statusNow()).toEqual({ status: 'refunded', refunded: '42.50' });
  });

  it('events about rows a read model does not have (an unpaid order cancelled) change nothing there', async () => {
    const orderId = `CANCEL-UNPAID-${Date.now()}`;
    await handle(store, orderDecider, cmd.createRegistration({ orderId, hospitalId: 'H001' }));
    await handle(store, orderDecider, cmd.cancelOrder({ orderId, hospitalId: 'H001', refundId: null }));
    await Promise.all(runners.map((r) => r.caughtUp()));
    for (const r of runners) expect((await r.status()).lag).toBe(0n);
    const his =
      await sql`SELECT 1 FROM ${sql.table(`${HIS_SYNC.schema}.his_sync_status`)} WHERE order_id = ${orderId}`.execute(
        t.database.db,
      );
    expect(his.rows).toHaveLength(0);
    const order = await sql<{
      status: string;
    }>`SELECT status FROM ${sql.table(`${ORDERS.schema}.orders`)} WHERE order_id = ${orderId}`.execute(
      t.database.db,
    );
    expect(order.rows[0]?.status).toBe('cancelled');
  });

  it('status reports position, head and lag for each projection', async () => {
    for (const r of runners) {
      const s = await r.status();
      expect(s.position).toBe(await store.headPosition());
      expect(s.lag).toBe(0n);
      expect(s.leader).toBe(true);
    }
  });

  it('a rebuild beside the live copy, while events keep arriving, swaps in the same result', async () => {
    const more = generateHistory(8, 600, { hospitals: 2, start: new Date('2025-01-01T00:00:00Z') }).map(
      (e) => ({
        ...e,
        streamId: e.streamId.replace('/', '/x'),
      }),
    );
    const adding = appendHistory(
      store,
      more.map((e) => ({ ...e, hospitalId: e.hospitalId })),
    );
    const projection = allProjections().find((p) => p.name === 'balances')!;
    const progress: bigint[] = [];
    await rebuildProjection({
      db: t.database.db,
      store,
      projection,
      onProgress: (p) => progress.push(p.position),
    });
    await adding;
    expect(progress.length).toBeGreaterThan(0);
    await Promise.all(runners.map((r) => r.caughtUp()));
    const fresh = await buildProjection({
      db: t.database.db,
      store,
      projection,
      schema: 'asof_balances_check',
      fresh: true,
    });
    expect(fresh.position).toBe(await store.headPosition());
    expect(await balancesTable(t)).toEqual(await balancesTable(t, 'asof_balances_check'));
    expect(await balancesTable(t)).toEqual(foldBalances(await store.readAll({ maxCount: 10_000 })));
  });

  it('as-of builds stop at a position, and one account balance as of an instant matches them', async () => {
    const all = await store.readAll({ maxCount: 10_000 });
    const cut = all[Math.floor(all.length / 2)]!;
    for (const p of allProjections().filter((x) => x.name in TABLES)) {
      const built = await buildProjection({
        db: t.database.db,
        store,
        projection: p,
        schema: `asof_${p.name}`,
        toPosition: cut.position,
        fresh: true,
      });
      expect(built.position).toBe(cut.position);
      expect((await dump(t, `asof_${p.name}`, TABLES[p.name]!)).length).toBeGreaterThan(0);
    }
    const expected = foldBalances(all.filter((e) => e.position <= cut.position));
    expect(await balancesTable(t, 'asof_balances')).toEqual(expected);

    // Every event so far was recorded before `now`; the as-of-instant balance equals today's.
    const now = new Date(Date.now() + 1_000);
    expect(await store.positionAt(now)).toBe(await store.headPosition());
    expect(await store.positionAt(new Date(0))).toBe(0n);
    const [key, value] = [...foldBalances(all)].find(([k]) => k.includes('channel:wechat:clearing'))!;
    const [hospitalId, account] = key.split('|') as [string, string];
    expect((await accountBalanceAsOf(t.database.db, { hospitalId, account, at: now })).toString()).toBe(
      value,
    );
    expect(
      (await accountBalanceAsOf(t.database.db, { hospitalId, account, at: new Date(0) })).toString(),
    ).toBe('0.00');
  });

  it('the live schemas are the ones ensureReadModels creates', async () => {
    // A database as the ledger opens it (migrations, then ensureReadModels), no runner started: its rm_
    // schemas are the projections' live ones.
    const fresh = await createPostgresDatabase('rm_schemas');
    try {
      const { rows } = await sql<{ schema_name: string }>`
        SELECT schema_name FROM information_schema.schemata WHERE schema_name LIKE 'rm\\_%'
        ORDER BY schema_name`.execute(fresh.database.db);
      expect(rows.map((r) => r.schema_name)).toEqual(allProjections().map(liveSchema).sort());
    } finally {
      await fresh.dispose();
    }
  });
});

describe('read models equal a straight fold for random histories (fast-check, real PostgreSQL)', () => {
  let t: TestDatabase;
  beforeAll(async () => {
    t = await createPostgresDatabase('projections_prop');
  });
  afterAll(async () => t?.dispose());

  it('balances from any accepted command sequence equal the fold of its events', async () => {
    let run = 0;
    await fc.assert(
      fc.asyncProperty(arbOrderHistory({ maxOrders: 4, maxSteps: 40 }), async (history) => {
        run++;
        const tagged = history.map((e) => ({
          ...e,
          streamId: `${e.hospitalId}r${run}/${e.streamId.split('/').slice(1).join('/')}`,
          hospitalId: `${e.hospitalId}r${run}`,
        }));
        const store = new SqlEventStore(t.database);
        await appendHistory(store, tagged);
        const projection = allProjections().find((p) => p.name === 'balances')!;
        const schema = `asof_balances_prop_${run}`;
        await buildProjection({ db: t.database.db, store, projection, schema, fresh: true });
        const table = await balancesTable(t, schema);
        const expected = foldBalances(tagged);
        for (const [k, v] of expected) expect(table.get(k), k).toBe(v);
        await sql`DROP SCHEMA ${sql.raw(schema)} CASCADE`.execute(t.database.db);
      }),
      { seed: FC_SEED, numRuns: 25 },
    );
  });
});
