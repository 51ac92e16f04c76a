// The typed queries answer exactly what the raw SQL they replaced answered, on a simulated history.
import { sql } from 'kysely';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { SqlEventStore } from '../../src/adapters/event-store/sql-event-store.ts';
import { UPCASTERS } from '../../src/domain/events.ts';
import { Money } from '../../src/domain/money.ts';
import { allProjections, catchUpProjection, liveSchema } from '../../src/projections/index.ts';
import {
  accountBalanceAsOf,
  accountBalances,
  dailyTotals,
  depositStatement,
  HIS_SYNC_STATUSES,
  hisSyncList,
  hisWritebackDue,
  patientDeposits,
  patientOrders,
  type ReadDb,
  readModelFreshness,
} from '../../src/projections/queries.ts';
import { type GeneratedEvent, generateHistory } from '../generators/index.ts';
import { createPostgresDatabase, type TestDatabase } from '../support/databases.ts';
import { appendHistory } from '../support/history.ts';

const LEDGER_READ_MODELS = ['balances', 'journal', 'orders', 'his_sync', 'deposits', 'daily_totals'];
const LIMIT = 500;
const iso = (v: unknown) => (v === null ? null : new Date(v as string).toISOString());
const money = (v: Money) => v.toString();

describe('typed read-model queries equal the raw SQL they replaced (real PostgreSQL)', () => {
  let t: TestDatabase;
  let db: ReadDb;
  let store: SqlEventStore;
  let history: GeneratedEvent[];
  const patients = new Map<string, Set<string>>(); // hospital → patients
  const admissions = new Map<string, Set<string>>(); // hospital → admissions

  beforeAll(async () => {
    t = await createPostgresDatabase('queries');
    db = t.database.db;
    store = new SqlEventStore(t.database, { upcasters: UPCASTERS });
    history = generateHistory(21, 2_500, { hospitals: 2 });
    await appendHistory(store, history);
    for (const p of allProjections().filter((x) => LEDGER_READ_MODELS.includes(x.name)))
      await catchUpProjection({ db, store, projection: p, schema: liveSchema(p) });
    for (const e of history) {
      const d = e.data as Record<string, unknown>;
      if (typeof d.patientId === 'string') {
        if (!patients.has(e.hospitalId)) patients.set(e.hospitalId, new Set());
        patients.get(e.hospitalId)!.add(d.patientId);
      }
      if (typeof d.admissionId === 'string') {
        if (!admissions.has(e.hospitalId)) admissions.set(e.hospitalId, new Set());
        admissions.get(e.hospitalId)!.add(d.admissionId);
      }
    }
  }, 300_000);
  afterAll(async () => {
    await store?.close();
    await t?.dispose();
  });

  it('the history covers what the queries read', () => {
    expect(patients.size).toBe(2);
    expect([...patients.values()].every((s) => s.size > 10)).toBe(true);
    expect([...admissions.values()].some((s) => s.size > 2)).toBe(true);
  });

  it("a patient's orders page", async () => {
    let compared = 0;
    for (const [hospitalId, ids] of patients)
      for (const patientId of ids) {
        const { rows } = await sql<
          Record<string, unknown>
        >`SELECT order_id, kind, admission_id, amount::text AS amount,
            paid::text AS paid, surplus::text AS surplus, refund_requested::text AS refund_requested,
            refunded::text AS refunded, status, channel, channel_txn_id, his_synced, created_at, paid_at
          FROM rm_orders.orders WHERE hospital_id = ${hospitalId} AND patient_id = ${patientId}
          ORDER BY created_at DESC, order_id LIMIT ${LIMIT}`.execute(db);
        const typed = await patientOrders(db, { hospitalId, patientId, limit: LIMIT });
        expect(
          typed.map((r) => ({
            ...r,
            amount: money(r.amount),
            paid: money(r.paid),
            surplus: money(r.surplus),
            refundRequested: money(r.refundRequested),
            refunded: money(r.refunded),
            createdAt: r.createdAt.toISOString(),
            paidAt: r.paidAt?.toISOString() ?? null,
          })),
        ).toEqual(
          rows.map((r) => ({
            orderId: r.order_id,
            kind: r.kind,
            admissionId: r.admission_id,
            amount: r.amount,
            paid: r.paid,
            surplus: r.surplus,
            refundRequested: r.refund_requested,
            refunded: r.refunded,
            status: r.status,
            channel: r.channel,
            channelTxnId: r.channel_txn_id,
            hisSynced: r.his_synced,
            createdAt: iso(r.created_at),
            paidAt: iso(r.paid_at),
          })),
        );
        compared += rows.length;
      }
    expect(compared).toBeGreaterThan(100);
    // The page size holds.
    const [hospitalId, ids] = [...patients][0]!;
    expect(await patientOrders(db, { hospitalId, patientId: [...ids][0]!, limit: 1 })).toHaveLength(1);
  });

  it("a patient's deposits page", async () => {
    let compared = 0;
    for (const [hospitalId, ids] of patients)
      for (const patientId of ids) {
        const { rows } = await sql<Record<string, unknown>>`SELECT admission_id, topped_up::text AS topped_up,
            applied::text AS applied, refunded::text AS refunded, balance::text AS balance, top_ups, status
          FROM rm_deposits.deposit_balances WHERE hospital_id = ${hospitalId} AND patient_id = ${patientId}
          ORDER BY admission_id LIMIT ${LIMIT}`.execute(db);
        const typed = await patientDeposits(db, { hospitalId, patientId, limit: LIMIT });
        expect(
          typed.map((r) => ({
            ...r,
            toppedUp: money(r.toppedUp),
            applied: money(r.applied),
            refunded: money(r.refunded),
            balance: money(r.balance),
          })),
        ).toEqual(
          rows.map((r) => ({
            admissionId: r.admission_id,
            toppedUp: r.topped_up,
            applied: r.applied,
            refunded: r.refunded,
            balance: r.balance,
            topUps: Number(r.top_ups),
            status: r.status,
          })),
        );
        compared += rows.length;
      }
    expect(compared).toBeGreaterThan(2);
  });

  // The old query said ORDER BY position, which named its own text output column: positions sorted as text
  // ('127' before '43'), so running balances went wrong once an account spanned positions of different
  // lengths. The reference below orders by the column; the typed query does.
  it('a deposit statement, with the running balance', async () => {
    let compared = 0;
    for (const [hospitalId, ids] of admissions)
      for (const admissionId of ids) {
        const account = `patient:${admissionId}:deposit`;
        const { rows } = await sql<{
          position: string;
          event_type: string;
          side: string;
          amount: string;
          memo: string;
          occurred_at: Date;
        }>`SELECT position::text AS position, event_type, side, amount::text AS amount, memo, occurred_at
           FROM rm_journal.journal_lines WHERE hospital_id = ${hospitalId} AND account = ${account}
           ORDER BY journal_lines.position, line_no LIMIT ${LIMIT}`.execute(db);
        let balance = Money.ZERO;
        const expected = rows.map((r) => {
          const amount = Money.parse(r.amount);
          balance = r.side === 'credit' ? balance.add(amount) : balance.sub(amount);
          return {
            position: r.position,
            eventType: r.event_type,
            side: r.side,
            amount: amount.toString(),
            balanceAfter: balance.toString(),
            memo: r.memo,
            occurredAt: new Date(r.occurred_at).toISOString(),
          };
        });
        const typed = await depositStatement(db, { hospitalId, admissionId, limit: LIMIT });
        expect(typed.account).toBe(account);
        expect(
          typed.lines.map((l) => ({
            ...l,
            position: l.position.toString(),
            amount: money(l.amount),
            balanceAfter: money(l.balanceAfter),
            occurredAt: l.occurredAt.toISOString(),
          })),
        ).toEqual(expected);
        compared += rows.length;
      }
    expect(compared).toBeGreaterThan(2);
  });

  it('the HIS sync list, per status and paid-not-in-HIS by default, oldest payment first', async () => {
    let compared = 0;
    for (const hospitalId of patients.keys())
      for (const statuses of [['pending', 'failed', 'needs-refund'], ...HIS_SYNC_STATUSES.map((s) => [s])]) {
        // The old query ordered by paid_at alone; order_id now breaks ties.
        const { rows } = await sql<Record<string, unknown>>`SELECT order_id, channel, channel_txn_id,
            amount::text AS amount, status, attempts, last_error, his_receipt_id, paid_at
          FROM rm_his_sync.his_sync_status WHERE hospital_id = ${hospitalId} AND status = ANY(${statuses})
          ORDER BY paid_at, order_id LIMIT ${LIMIT}`.execute(db);
        const typed = await hisSyncList(db, {
          hospitalId,
          ...(statuses.length === 1 ? { statuses: statuses as never } : {}),
          limit: LIMIT,
        });
        expect(typed.map((r) => ({ ...r, amount: money(r.amount), paidAt: r.paidAt.toISOString() }))).toEqual(
          rows.map((r) => ({
            orderId: r.order_id,
            channel: r.channel,
            channelTxnId: r.channel_txn_id,
            amount: r.amount,
            status: r.status,
            attempts: Number(r.attempts),
            lastError: r.last_error,
            hisReceiptId: r.his_receipt_id,
            paidAt: iso(r.paid_at),
          })),
        );
        compared += rows.length;
      }
    expect(compared).toBeGreaterThan(50);
  });

  it('the writeback retry list: pending and failed, least recently changed first', async () => {
    let compared = 0;
    for (const hospitalId of patients.keys()) {
      const { rows } = await sql<{ order_id: string }>`SELECT order_id FROM rm_his_sync.his_sync_status
        WHERE hospital_id = ${hospitalId} AND status IN ('pending', 'failed')
        ORDER BY updated_at, order_id LIMIT ${LIMIT}`.execute(db);
      expect(await hisWritebackDue(db, { hospitalId, limit: LIMIT })).toEqual(rows.map((r) => r.order_id));
      compared += rows.length;
    }
    expect(compared).toBeGreaterThan(0);
  });

  it('balances per account, and one account as of an instant', async () => {
    for (const hospitalId of patients.keys()) {
      const { rows } = await sql<Record<string, string>>`SELECT account, kind, debit_total::text AS d,
          credit_total::text AS c, balance::text AS b, entries FROM rm_balances.account_balances
        WHERE hospital_id = ${hospitalId} ORDER BY account`.execute(db);
      const typed = await accountBalances(db, { hospitalId });
      expect(typed.length).toBeGreaterThan(5);
      expect(
        typed.map((r) => [
          r.account,
          r.kind,
          money(r.debitTotal),
          money(r.creditTotal),
          money(r.balance),
          r.entries,
        ]),
      ).toEqual(rows.map((r) => [r.account, r.kind, r.d, r.c, r.b, Number(r.entries)]));

      const times = history.filter((e) => e.hospitalId === hospitalId).map((e) => e.occurredAt);
      const instants = [times[0]!, times[Math.floor(times.length / 2)]!, new Date(Date.now() + 60_000)];
      for (const { account } of typed.slice(0, 8))
        for (const at of instants)
          for (const basis of ['recorded', 'occurred'] as const) {
            const column = basis === 'occurred' ? sql.raw('occurred_at') : sql.raw('recorded_at');
            const { rows: sums } = await sql<{ debits: string; credits: string }>`
              SELECT coalesce(sum(amount) FILTER (WHERE side = 'debit'), 0)::text AS debits,
                     coalesce(sum(amount) FILTER (WHERE side = 'credit'), 0)::text AS credits
              FROM rm_journal.journal_lines
              WHERE hospital_id = ${hospitalId} AND account = ${account} AND ${column} <= ${at}`.execute(db);
            const [d, c] = [Money.parse(sums[0]!.debits), Money.parse(sums[0]!.credits)];
            const debitNormal = ['asset', 'expense'].includes(typed.find((x) => x.account === account)!.kind);
            const expected = debitNormal ? d.sub(c) : c.sub(d);
            const got = await accountBalanceAsOf(db, { hospitalId, account, at, basis });
            expect(got.toString(), `${account} ${basis} ${at.toISOString()}`).toBe(expected.toString());
          }
    }
  });

  it('daily totals per date and channel', async () => {
    const { rows: days } = await sql<{ hospital_id: string; business_date: string; channel: string }>`
      SELECT DISTINCT hospital_id, business_date, channel FROM rm_daily_totals.daily_totals`.execute(db);
    expect(days.length).toBeGreaterThan(3);
    for (const day of days.slice(0, 12))
      for (const channel of [day.channel, undefined]) {
        const { rows } = await sql<Record<string, unknown>>`SELECT business_date, channel, business_type,
            payments_count, payments_amount::text AS pa, refunds_count, refunds_amount::text AS ra,
            fees_amount::text AS fa, net_amount::text AS na
          FROM rm_daily_totals.daily_totals
          WHERE hospital_id = ${day.hospital_id} AND business_date = ${day.business_date}
            AND (${channel ?? null}::text IS NULL OR channel = ${channel ?? null})
          ORDER BY channel, business_type`.execute(db);
        const typed = await dailyTotals(db, {
          hospitalId: day.hospital_id,
          businessDate: day.business_date,
          ...(channel ? { channel } : {}),
        });
        expect(
          typed.map((r) => ({
            ...r,
            paymentsAmount: money(r.paymentsAmount),
            refundsAmount: money(r.refundsAmount),
            feesAmount: money(r.feesAmount),
            netAmount: money(r.netAmount),
          })),
        ).toEqual(
          rows.map((r) => ({
            businessDate: r.business_date,
            channel: r.channel,
            businessType: r.business_type,
            paymentsCount: Number(r.payments_count),
            paymentsAmount: r.pa,
            refundsCount: Number(r.refunds_count),
            refundsAmount: r.ra,
            feesAmount: r.fa,
            netAmount: r.na,
          })),
        );
      }
  });

  it('freshness: the checkpoint position, the lag behind the head and the version', async () => {
    const head = await store.headPosition();
    for (const p of allProjections().filter((x) => LEDGER_READ_MODELS.includes(x.name)))
      expect(await readModelFreshness(db, liveSchema(p), head)).toEqual({
        position: head,
        lag: 0n,
        version: p.version,
      });
    const reconciliation = allProjections().find((p) => p.name === 'reconciliation')!;
    expect(await readModelFreshness(db, liveSchema(reconciliation), head)).toEqual({
      position: 0n,
      lag: head,
      version: reconciliation.version,
    });
    expect(await readModelFreshness(db, 'no_such_schema', head)).toEqual({
      position: 0n,
      lag: head,
      version: undefined,
    });
  });
});
