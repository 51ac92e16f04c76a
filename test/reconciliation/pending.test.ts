// Pending items (未达账项) through the use cases on PostgreSQL: held while the next day's bill is missing,
// counted apart in the day summary, carried across a closed day into the next, raised at the deadline and then
// resolved by rule when the bill arrives; a range reconciled in one call; a re-run after a neighbour changed
// equal to a fresh run of both; the payout check (account statement → bank credit) wired into the run.
import { Decimal } from 'decimal.js';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { SqlEventStore } from '../../src/adapters/event-store/sql-event-store.ts';
import { type BillEntry, bufferSource, writeWechatBill } from '../../src/adapters/statements/index.ts';
import { importStatement } from '../../src/adapters/statements/import.ts';
import {
  closeDay,
  dayStatus,
  listDiscrepancies,
  type ReconciliationReport,
  reconcileDay,
  reconcileRange,
} from '../../src/app/reconciliation/index.ts';
import { UPCASTERS } from '../../src/domain/events.ts';
import { ReconciliationRefusal } from '../../src/domain/reconciliation/refusals.ts';
import { createPostgresDatabase, type TestDatabase } from '../support/databases.ts';
import { FUND_FLOW_DAY, fundFlowBill } from '../adapters/statements/accounts.ts';
import { H, local, platformPayment, platformRefund } from './support.ts';

const D1 = '2024-06-01';
const D2 = '2024-06-02';
const D3 = '2024-06-03';
const MCH = '1900000109';
const config = { feeRates: { wechat: '0.006' } };
const morningOf = (date: string) => new Date(`${date}T10:30:00+08:00`);

const pay = (order: string, txn: string, amount: string, at: string): BillEntry => ({
  kind: 'payment',
  amount,
  occurredAt: at,
  channelTxnId: txn,
  merchantOrderNo: order,
  fee: (Number(amount) * 0.006).toFixed(2),
  merchantId: MCH,
});
const bill = (name: string, entries: BillEntry[]) =>
  bufferSource(name, writeWechatBill(entries, { merchantId: MCH }));
const billD1 = () => bill('wechat-0601.csv', [pay('P1', 'TP1', '20.00', local(D1, '09:00:00'))]);
const billD2 = () =>
  bill('wechat-0602.csv', [
    pay('P9', 'TP9', '50.00', local(D2, '00:00:02')),
    pay('P2', 'TP2', '30.00', local(D2, '10:00:00')),
  ]);

let dbs: TestDatabase[] = [];
async function ledger(label: string) {
  const tdb = await createPostgresDatabase(label);
  dbs.push(tdb);
  const store = new SqlEventStore(tdb.database, { upcasters: UPCASTERS });
  // P9 is paid at 23:59:58 on D1; WeChat books it at 00:00:02 on D2.
  await platformPayment(store, {
    orderId: 'P1',
    txn: 'TP1',
    amount: '20.00',
    at: local(D1, '09:00:00'),
    his: 'synced',
  });
  await platformPayment(store, {
    orderId: 'P9',
    txn: 'TP9',
    amount: '50.00',
    at: local(D1, '23:59:58'),
    his: 'synced',
  });
  await platformPayment(store, {
    orderId: 'P2',
    txn: 'TP2',
    amount: '30.00',
    at: local(D2, '10:00:00'),
    his: 'synced',
  });
  return { store, db: tdb.database.db };
}
type Ports = Awaited<ReturnType<typeof ledger>>;
const imp = (p: Ports, source: ReturnType<typeof bill>) =>
  importStatement({ store: p.store }, source, { hospitalId: H });
const recon = (p: Ports, businessDate: string, at: Date) =>
  reconcileDay(p, { hospitalId: H, channel: 'wechat', businessDate, config, at });

/** What a report says, without what depends on the run's history (raised/auto-resolved counts). */
const outcome = (r: ReconciliationReport) => ({
  runId: r.runId,
  findings: r.findings,
  pending: r.pendingItems,
  matched: r.matched,
  timing: r.timing,
  open: r.discrepancies.open,
  state: r.state,
});

afterAll(async () => {
  for (const d of dbs) await d.dispose();
  dbs = [];
});

describe('pending items (未达账项) through the use cases', () => {
  let p: Ports;
  beforeAll(async () => {
    p = await ledger('recon_pending');
  });

  it('the morning after, a payment at 23:59:58 waits for the next bill: counted apart, nothing open', async () => {
    await imp(p, billD1());
    const r = await recon(p, D1, morningOf(D2));
    expect(r.findings).toEqual([]);
    expect(r.pending).toEqual({ count: 1, amount: '50.00' });
    expect(r.pendingItems.map((i) => [i.awaiting, i.finding.type, i.finding.subject])).toEqual([
      ['next-statement', 'PLATFORM_ONLY', 'P9'],
    ]);
    expect(r.state).toBe('balanced');
    const [row] = await dayStatus(p, { hospitalId: H, businessDate: D1, channel: 'wechat' });
    expect(row).toMatchObject({ pending_count: 1, pending_amount: '50.00', state: 'balanced' });
  });

  it('the day closes with its pending item carried forward; the next day shows it cleared', async () => {
    const closed = await closeDay(p, { hospitalId: H, channel: 'wechat', businessDate: D1, by: 'alice' });
    expect(closed.status).toBe('closed');
    expect(closed.lastRun?.summary.pending).toEqual({ count: 1, amount: '50.00' });
    await imp(p, billD2());
    const next = await recon(p, D2, morningOf(D3));
    expect(next.carriedIn).toEqual({ from: D1, count: 1, cleared: 1, raised: 0, pending: 0 });
    expect(next.timing).toEqual({ count: 1, amount: '50.00' });
    expect([next.findings, next.pendingItems, next.state]).toEqual([[], [], 'balanced']);
  });
});

describe('the deadline', () => {
  it('past it the item is raised with its real type; the bill arriving later resolves it by rule', async () => {
    const p = await ledger('recon_pending_deadline');
    await imp(p, billD1());
    const late = await recon(p, D1, new Date('2024-06-04T12:00:00+08:00'));
    expect(late.findings.map((f) => `${f.type} ${f.subject}`)).toEqual(['PLATFORM_ONLY P9']);
    expect(late.pending.count).toBe(0);
    await imp(p, billD2());
    const after = await recon(p, D1, new Date('2024-06-04T13:00:00+08:00'));
    expect([after.findings, after.discrepancies.autoResolved]).toEqual([[], 1]);
    const rows = await listDiscrepancies(p, { hospitalId: H, businessDate: D1, channel: 'wechat' });
    expect(rows.find((x) => x.subject === 'P9')).toMatchObject({
      status: 'auto-resolved',
      action: 'auto:timing-cleared',
      resolution_reason: 'matched on the neighbouring day within the cut-off window',
    });
  });
});

describe('ranges', () => {
  it('re-running a day after its neighbour’s bill arrived equals a fresh run of both', async () => {
    const a = await ledger('recon_range_a');
    await imp(a, billD1());
    const first = await recon(a, D1, morningOf(D2));
    expect(first.pending.count).toBe(1);
    await imp(a, billD2());
    const rerun = await reconcileRange(a, {
      hospitalId: H,
      channels: ['wechat'],
      from: D1,
      to: D2,
      config,
      at: morningOf(D3),
    });

    const b = await ledger('recon_range_b');
    await imp(b, billD1());
    await imp(b, billD2());
    const fresh = await reconcileRange(b, {
      hospitalId: H,
      channels: ['wechat'],
      from: D1,
      to: D2,
      config,
      at: morningOf(D3),
    });
    expect(rerun.reports.map(outcome)).toEqual(fresh.reports.map(outcome));
    expect(fresh.reports.map((r) => [r.businessDate, r.timing.count, r.pending.count])).toEqual([
      [D1, 1, 0],
      [D2, 1, 0],
    ]);
  });

  it('refuses a reversed or overlong range before any work', async () => {
    const p = await ledger('recon_range_refused');
    for (const [from, to] of [
      [D2, D1],
      ['2024-01-01', '2024-12-31'],
    ] as const) {
      const e = await reconcileRange(p, { hospitalId: H, channels: ['wechat'], from, to }).catch((x) => x);
      expect(e instanceof ReconciliationRefusal ? e.code : e).toBe('DATE_RANGE_INVALID');
    }
  });
});

describe('the payout check in the run', () => {
  const DP = '2024-05-01';
  const T1 = '4200001900000000000000000001';
  const T2 = '4200001900000000000000000002';
  const tradeBill = () =>
    bill('wechat-0501.csv', [
      { ...pay('P0001', T1, '37.13', local(DP, '08:01:37')), fee: '0.22' },
      { ...pay('P0002', T2, '100.00', local(DP, '09:15:00')), fee: '0.60' },
      {
        kind: 'refund',
        amount: '50.00',
        occurredAt: local(DP, '10:00:00'),
        channelTxnId: T2,
        channelRefundId: '50300000000000000000000001',
        merchantOrderNo: 'P0002',
        refundNo: 'R0002',
        fee: '-0.30',
        merchantId: MCH,
      },
    ]);
  /** The fund-flow bill of the day, its payout (提现) of `paid` (the day cleared 86.61). */
  const fundFlow = (paid: string) => {
    const rows = FUND_FLOW_DAY.map((r) =>
      r.name === '提现' ? { ...r, amount: paid, balance: new Decimal('1086.61').minus(paid).toFixed(2) } : r,
    );
    return bufferSource(`fundflow-${paid}.csv`, Buffer.from(fundFlowBill(rows)));
  };
  const day = async (label: string) => {
    const p = await ledger(label);
    await platformPayment(p.store, {
      orderId: 'P0001',
      txn: T1,
      amount: '37.13',
      at: local(DP, '08:01:37'),
      his: 'synced',
    });
    await platformPayment(p.store, {
      orderId: 'P0002',
      txn: T2,
      amount: '100.00',
      at: local(DP, '09:15:00'),
      his: 'synced',
    });
    await platformRefund(p.store, {
      orderId: 'P0002',
      refundId: 'R0002',
      txn: T2,
      amount: '50.00',
      at: local(DP, '10:00:00'),
    });
    await imp(p, tradeBill());
    return p;
  };

  it('a payout of what the day cleared finds nothing; the account statement’s trade lines are not matched again', async () => {
    const p = await day('recon_payout_ok');
    await imp(p, fundFlow('86.61'));
    const r = await recon(p, DP, new Date('2024-05-03T10:30:00+08:00'));
    expect(r.findings).toEqual([]);
    expect(r.matched.count).toBe(3);
    expect(r.statements).toHaveLength(2);
  });

  it('a short payout is a settlement shortfall with the account statement’s line as its source', async () => {
    const p = await day('recon_payout_short');
    await imp(p, fundFlow('80.00'));
    const r = await recon(p, DP, new Date('2024-05-03T10:30:00+08:00'));
    expect(r.findings.map((f) => [f.type, f.subject, f.amount, f.amounts])).toEqual([
      ['SETTLEMENT_SHORTFALL', `payout:${DP}`, '6.61', { expected: '86.61', channel: '80.00' }],
    ]);
    expect(r.findings[0]!.sources[0]!.party).toBe('channel');
    expect(r.byType.SETTLEMENT_SHORTFALL).toEqual({ count: 1, amount: '6.61' });
  });
});
