import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { SqlEventStore } from '../../src/adapters/event-store/sql-event-store.ts';
import {
  type BillEntry,
  bufferSource,
  HIS_CSV,
  UNIONPAY_POS_CSV,
  writeAlipayBillZip,
  writeMappingCsv,
  writeWechatBill,
} from '../../src/adapters/statements/index.ts';
import { importStatement } from '../../src/adapters/statements/import.ts';
import { streamId } from '../../src/domain/event-store.ts';
import { UPCASTERS } from '../../src/domain/events.ts';
import { postingsFor } from '../../src/domain/ledger/index.ts';
import type { AdjustingEntryPosted } from '../../src/domain/reconciliation/events.ts';
import { ReconciliationRefusal } from '../../src/domain/reconciliation/refusals.ts';
import { findingKey } from '../../src/domain/reconciliation/types.ts';
import {
  approveResolution,
  closeDay,
  dayStatus,
  listDiscrepancies,
  reconcileDay,
  reopenDay,
  resolveDiscrepancy,
} from '../../src/app/reconciliation/index.ts';
import { createPostgresDatabase, type TestDatabase } from '../support/databases.ts';
import { H, local, platformPayment, platformRefund } from './support.ts';

const D1 = '2024-05-01';
const D2 = '2024-05-02';
const MCH = '1900000109';
const config = { feeRates: { wechat: '0.006' } };

let tdb: TestDatabase;
let store: SqlEventStore;
const deps = () => ({ store, db: tdb.database.db });

async function refusedWith(p: Promise<unknown>, code: string): Promise<void> {
  const e = await p.then(
    () => undefined,
    (x: unknown) => x,
  );
  expect(e instanceof ReconciliationRefusal ? e.code : e).toBe(code);
}

const pay = (order: string, txn: string, amount: string, at: string, fee?: string): BillEntry => ({
  kind: 'payment',
  amount,
  occurredAt: at,
  channelTxnId: txn,
  merchantOrderNo: order,
  fee: fee ?? (Number(amount) * 0.006).toFixed(2),
  merchantId: MCH,
});

const wechatDay1: BillEntry[] = [
  pay('O1', 'T1', '25.00', local(D1, '09:00:00')),
  pay('O2', 'T2', '31.00', local(D1, '09:10:00')),
  pay('O5', 'T5', '12.00', local(D1, '09:20:00')),
  pay('O5', 'T5', '12.00', local(D1, '09:20:00')),
  pay('O6', 'T6', '15.00', local(D1, '09:30:00')),
  pay('O7', 'T7', '20.00', local(D1, '09:40:00'), '0.50000'),
  pay('O8', 'T8', '22.00', local(D1, '09:50:00')),
  {
    kind: 'refund',
    amount: '5.00',
    occurredAt: local(D1, '11:00:00'),
    channelTxnId: 'T1',
    channelRefundId: 'CR-R1',
    merchantOrderNo: 'O1',
    refundNo: 'R1',
    fee: '-0.03',
    merchantId: MCH,
  },
  {
    kind: 'refund',
    amount: '3.00',
    occurredAt: local(D1, '12:00:00'),
    channelTxnId: 'T1',
    channelRefundId: 'CR-R9',
    merchantOrderNo: 'O1',
    refundNo: 'R9',
    fee: '-0.02',
    merchantId: MCH,
  },
];

const his = (
  order: string,
  hisNo: string,
  amount: string,
  at: string,
  kind: 'payment' | 'refund' = 'payment',
  refundNo?: string,
): BillEntry => ({
  kind,
  amount,
  occurredAt: at,
  merchantOrderNo: order,
  hisNo,
  payChannel: 'wechat',
  tradeType: 'outpatient',
  ...(refundNo ? { refundNo } : {}),
  businessDate: D1,
  patientId: 'P1',
  operatorId: 'op1',
});

const hisDay1: BillEntry[] = [
  his('O1', 'H1', '25.00', local(D1, '09:00:05')),
  his('O2', 'H2', '30.00', local(D1, '09:10:05')),
  his('O3', 'H3', '40.00', local(D1, '09:15:05')),
  his('O5', 'H5', '12.00', local(D1, '09:20:05')),
  his('O1', 'H1R', '5.00', local(D1, '11:00:05'), 'refund', 'R1'),
  his('O9', 'H9', '8.00', local(D1, '13:00:00')),
];

beforeAll(async () => {
  tdb = await createPostgresDatabase('recon');
  store = new SqlEventStore(tdb.database, { upcasters: UPCASTERS });
  await platformPayment(store, { orderId: 'O1', txn: 'T1', amount: '25.00', at: local(D1, '09:00:00') });
  await platformRefund(store, {
    orderId: 'O1',
    refundId: 'R1',
    txn: 'T1',
    amount: '5.00',
    at: local(D1, '11:00:00'),
  });
  await platformPayment(store, { orderId: 'O2', txn: 'T2', amount: '30.00', at: local(D1, '09:10:00') });
  await platformPayment(store, { orderId: 'O3', txn: 'T3', amount: '40.00', at: local(D1, '09:15:00') });
  await platformPayment(store, {
    orderId: 'O4',
    txn: 'T4',
    amount: '50.00',
    at: local(D1, '23:59:58'),
    his: 'synced',
  });
  await platformPayment(store, { orderId: 'O5', txn: 'T5', amount: '12.00', at: local(D1, '09:20:00') });
  await platformPayment(store, {
    orderId: 'O7',
    txn: 'T7',
    amount: '20.00',
    at: local(D1, '09:40:00'),
    his: 'failed',
  });
  await platformPayment(store, {
    orderId: 'O8',
    txn: 'T8',
    amount: '22.00',
    at: local(D1, '09:50:00'),
    his: 'synced',
  });
});

afterAll(async () => {
  await store?.close();
  await tdb?.dispose();
});

describe('import as events', () => {
  it('a malformed file writes nothing', async () => {
    const text = writeWechatBill(wechatDay1, { merchantId: MCH });
    const truncated = text.slice(0, text.length - 80);
    await expect(
      importStatement({ store }, bufferSource('bad.csv', truncated), { hospitalId: H, format: 'wechat' }),
    ).rejects.toMatchObject({ name: 'StatementError' });
    expect(await store.headPosition()).toBeGreaterThan(0n);
    const all = await store.readAll({ after: 0n, maxCount: 10_000 });
    expect(all.filter((e) => e.type.startsWith('Statement'))).toEqual([]);
  });

  it('imports the lines in batches behind a completion marker; re-import is a no-op', async () => {
    const src = bufferSource('wechat-0501.csv', writeWechatBill(wechatDay1, { merchantId: MCH }));
    const progress: number[] = [];
    const first = await importStatement({ store }, src, {
      hospitalId: H,
      onProgress: (p) => progress.push(p.lines),
    });
    expect(first.duplicate).toBe(false);
    expect(first.channel).toBe('wechat');
    expect(first.summary.lines).toBe(wechatDay1.length);
    expect(progress.at(-1)).toBe(wechatDay1.length);
    const stream = await store.readStream(streamId(H, 'statement', first.statementId));
    expect(stream.events.map((e) => e.type)).toEqual([
      'StatementImportStarted',
      'StatementLinesImported',
      'StatementImported',
    ]);
    const again = await importStatement({ store }, src, { hospitalId: H });
    expect(again).toMatchObject({ duplicate: true, statementId: first.statementId, sha256: first.sha256 });
    expect((await store.readStream(streamId(H, 'statement', first.statementId))).version).toBe(3);
  });
  it('an import cut off after its first write resumes where it stopped, reading no line batch to decide', async () => {
    const bytes = writeWechatBill(wechatDay1, { merchantId: MCH });
    let appends = 0;
    const crashing = Object.assign(Object.create(store) as SqlEventStore, {
      appendToStream: (...args: Parameters<SqlEventStore['appendToStream']>) => {
        if (++appends === 2) return Promise.reject(new Error('process killed'));
        return store.appendToStream(...args);
      },
    });
    await expect(
      importStatement({ store: crashing }, bufferSource('wechat-0501.csv', bytes), { hospitalId: 'H8' }),
    ).rejects.toThrow('process killed');
    const again = await importStatement({ store }, bufferSource('wechat-0501.csv', bytes), {
      hospitalId: 'H8',
    });
    expect(again.duplicate).toBe(false);
    const stream = await store.readStream(streamId('H8', 'statement', again.statementId));
    expect(stream.events.map((e) => e.type)).toEqual([
      'StatementImportStarted',
      'StatementLinesImported',
      'StatementImported',
    ]);
    expect(stream.events.at(-1)!.data).toMatchObject({ batches: 1, summary: { lines: wechatDay1.length } });
  });

  it('the same file imported by several callers at once is written once; the others get its result or a clear refusal', async () => {
    // Another hospital, so the day reconciled below is not touched.
    const bytes = writeWechatBill(wechatDay1, { merchantId: MCH });
    const outcomes = await Promise.allSettled(
      Array.from({ length: 4 }, () =>
        importStatement({ store }, bufferSource('wechat-0501.csv', bytes), { hospitalId: 'H7' }),
      ),
    );
    const written = outcomes.filter((o) => o.status === 'fulfilled' && !o.value.duplicate);
    expect(written).toHaveLength(1);
    for (const o of outcomes) {
      if (o.status === 'fulfilled') continue;
      expect(o.reason).toMatchObject({ name: 'StatementError', code: 'IMPORT_IN_PROGRESS', line: 0 });
    }
    const id = (written[0] as PromiseFulfilledResult<{ statementId: string }>).value.statementId;
    const stream = await store.readStream(streamId('H7', 'statement', id));
    expect(stream.events.map((e) => e.type)).toEqual([
      'StatementImportStarted',
      'StatementLinesImported',
      'StatementImported',
    ]);
    // Once it has ended, importing it again is the usual no-op.
    const again = await importStatement({ store }, bufferSource('wechat-0501.csv', bytes), {
      hospitalId: 'H7',
    });
    expect(again).toMatchObject({ duplicate: true, statementId: id });
  });
});

describe('reconciliation of a day', () => {
  let findingsRun1: string[] = [];

  it('classifies every difference, with the HIS extract and the fee rate', async () => {
    await importStatement({ store }, bufferSource('his-0501.csv', writeMappingCsv(HIS_CSV, hisDay1)), {
      hospitalId: H,
      format: 'his',
    });
    const r = await reconcileDay(deps(), { hospitalId: H, channel: 'wechat', businessDate: D1, config });
    const got = r.findings.map((f) => `${f.type} ${f.subject} ${f.amount}`);
    expect(got.sort()).toEqual(
      [
        'AMOUNT_MISMATCH O2 1.00',
        'CHANNEL_ONLY O6 15.00',
        'DUPLICATE dup:O5 12.00',
        'FEE_MISMATCH fee:O7 0.38',
        'HIS_MISSING O7 20.00',
        'HIS_ONLY his:payment:H9 8.00',
        'PLATFORM_ONLY O3 40.00',
        // 23:59:58 on the platform, the next day's bill is not imported yet.
        'PLATFORM_ONLY O4 50.00',
        'STATUS_MISMATCH R9 3.00',
      ].sort(),
    );
    expect(r.matched.count).toBe(6); // O1, R1, O2, O5, O7, O8
    expect(r.state).toBe('open');
    expect(r.discrepancies.raised).toBe(9);
    findingsRun1 = r.findings.map(findingKey);
  });

  it('a payment at 23:59:58 found on the next day bill is a timing difference, auto-resolved', async () => {
    await importStatement(
      { store },
      bufferSource(
        'wechat-0502.csv',
        writeWechatBill([pay('O4', 'T4', '50.00', local(D2, '00:00:01'))], { merchantId: MCH }),
      ),
      { hospitalId: H },
    );
    const r = await reconcileDay(deps(), { hospitalId: H, channel: 'wechat', businessDate: D1, config });
    expect(r.findings.map((f) => f.subject)).not.toContain('O4');
    expect(r.timing).toEqual({ count: 1, amount: '50.00' });
    expect(r.discrepancies).toMatchObject({ raised: 0, autoResolved: 1 });
    const rows = await listDiscrepancies(deps(), { hospitalId: H, businessDate: D1, channel: 'wechat' });
    expect(rows.find((x) => x.subject === 'O4')).toMatchObject({
      status: 'auto-resolved',
      action: 'auto:timing-cleared',
    });
    // And the next day: the line is matched to the previous day's payment, not channel-only.
    const next = await reconcileDay(deps(), { hospitalId: H, channel: 'wechat', businessDate: D2, config });
    expect(next.findings).toEqual([]);
    expect(next.timing.count).toBe(1);
    expect(next.state).toBe('balanced');
  });

  it('re-running gives identical findings and raises nothing twice', async () => {
    const a = await reconcileDay(deps(), { hospitalId: H, channel: 'wechat', businessDate: D1, config });
    const b = await reconcileDay(deps(), { hospitalId: H, channel: 'wechat', businessDate: D1, config });
    expect(b.findings).toEqual(a.findings);
    expect(b.runId).toBe(a.runId);
    expect(b.discrepancies.raised).toBe(0);
    expect(a.findings.map(findingKey)).toEqual(findingsRun1.filter((k) => !k.endsWith('|O4')));
    const rows = await listDiscrepancies(deps(), { hospitalId: H, businessDate: D1 });
    expect(rows).toHaveLength(9);
  });

  it('maker-checker: a money-moving resolution needs another user; the adjusting entry balances', async () => {
    const rows = await listDiscrepancies(deps(), { hospitalId: H, businessDate: D1, channel: 'wechat' });
    const o6 = rows.find((x) => x.subject === 'O6')!;
    const ref = { hospitalId: H, discrepancyId: o6.discrepancy_id };
    const proposed = await resolveDiscrepancy(
      { store },
      { ...ref, by: 'alice', action: 'adjusting-entry', reason: '渠道长款挂账' },
    );
    expect(proposed.status).toBe('proposed');
    await refusedWith(approveResolution({ store }, { ...ref, by: 'alice' }), 'APPROVAL_BY_MAKER');
    const done = await approveResolution({ store }, { ...ref, by: 'bob' });
    expect(done).toMatchObject({ status: 'resolved', approvedBy: 'bob' });
    const events = (await store.readStream(streamId(H, 'discrepancy', o6.discrepancy_id))).events;
    const adj = events.find((e) => e.type === 'AdjustingEntryPosted')!;
    const entry = postingsFor({ type: 'AdjustingEntryPosted', data: adj.data } as AdjustingEntryPosted)!;
    expect(entry.toJSON().lines).toEqual([
      { account: 'channel:wechat:clearing', side: 'debit', amount: '15.00' },
      { account: 'suspense:unmatched', side: 'credit', amount: '15.00' },
    ]);
    await refusedWith(
      resolveDiscrepancy({ store }, { ...ref, by: 'carol', action: 'accept', reason: 'again' }),
      'DISCREPANCY_NOT_OPEN',
    );
  });

  it('the day closes only when nothing is open, re-opens only explicitly', async () => {
    const day = { hospitalId: H, channel: 'wechat', businessDate: D1 };
    await refusedWith(closeDay({ store }, { ...day, by: 'alice' }), 'DAY_NOT_BALANCED');
    for (const row of await listDiscrepancies(deps(), { ...day, hospitalId: H }))
      if (row.status === 'open')
        await resolveDiscrepancy(
          { store },
          {
            hospitalId: H,
            discrepancyId: row.discrepancy_id,
            by: 'alice',
            action: 'accept',
            reason: '已核实',
          },
        );
    const closed = await closeDay({ store }, { ...day, by: 'alice' });
    expect(closed.status).toBe('closed');
    const [status] = await dayStatus(deps(), { hospitalId: H, businessDate: D1, channel: 'wechat' });
    expect(status).toMatchObject({
      state: 'closed',
      discrepancies_open: 0,
      discrepancies_resolved: 9,
      closed_by: 'alice',
    });
    expect(status!.by_type.DUPLICATE).toEqual({ count: 1, amount: '12.00' });
    await refusedWith(reconcileDay(deps(), { ...day, config }), 'DAY_CLOSED');
    await refusedWith(reopenDay({ store }, { ...day, by: 'bob', reason: ' ' }), 'REOPEN_REASON_REQUIRED');
    await reopenDay({ store }, { ...day, by: 'bob', reason: '银行补发对账单' });
    const again = await reconcileDay(deps(), { ...day, config });
    expect(again.state).toBe('balanced');
    const [after] = await dayStatus(deps(), { hospitalId: H, businessDate: D1, channel: 'wechat' });
    expect(after).toMatchObject({ state: 'balanced', reopened: 1 });
  });
});

describe('other statement formats', () => {
  it('an Alipay GBK zip bill and a UnionPay CSV reconcile against their channels', async () => {
    await platformPayment(store, {
      orderId: 'A1',
      txn: '2024050122001',
      amount: '66.60',
      at: local(D1, '10:00:00'),
      channel: 'alipay',
    });
    await platformPayment(store, {
      orderId: 'A2',
      txn: '2024050122002',
      amount: '10.00',
      at: local(D1, '10:05:00'),
      channel: 'alipay',
    });
    const zip = writeAlipayBillZip(
      [
        {
          kind: 'payment',
          amount: '66.60',
          occurredAt: local(D1, '10:00:00'),
          channelTxnId: '2024050122001',
          merchantOrderNo: 'A1',
          fee: '0.40',
        },
        {
          kind: 'payment',
          amount: '10.00',
          occurredAt: local(D1, '10:05:00'),
          channelTxnId: '2024050122002',
          merchantOrderNo: 'A2',
          fee: '0.06',
        },
      ],
      { account: '20880000000000000156', date: D1 },
    );
    const imp = await importStatement({ store }, bufferSource('20880000000000000156_20240501.csv.zip', zip), {
      hospitalId: H,
    });
    expect(imp.channel).toBe('alipay');
    const r = await reconcileDay(deps(), {
      hospitalId: H,
      channel: 'alipay',
      businessDate: D1,
      config: { checkHis: false },
    });
    expect(r.findings).toEqual([]);
    expect(r.matched).toEqual({ count: 2, amount: '76.60' });

    await platformPayment(store, {
      orderId: 'U1',
      txn: '123456789012',
      amount: '300.00',
      at: local(D1, '14:00:00'),
      channel: 'unionpay',
    });
    const csv = writeMappingCsv(UNIONPAY_POS_CSV, [
      {
        kind: 'payment',
        amount: '300.00',
        occurredAt: local(D1, '14:00:03'),
        channelTxnId: '123456789012',
        referenceNo: '123456789012',
        merchantOrderNo: 'U1',
        merchantId: '898110000000001',
        terminalId: 'T01',
        batchNo: '000001',
        voucherNo: '000101',
        fee: '1.50',
        businessDate: D1,
      },
      {
        kind: 'payment',
        amount: '88.00',
        occurredAt: local(D1, '15:00:00'),
        channelTxnId: '123456789099',
        referenceNo: '123456789099',
        merchantId: '898110000000001',
        terminalId: 'T01',
        batchNo: '000001',
        voucherNo: '000102',
        fee: '0.44',
        businessDate: D1,
      },
    ]);
    await importStatement({ store }, bufferSource('unionpay-20240501.csv', csv), {
      hospitalId: H,
      format: 'bank:unionpay-pos',
    });
    const u = await reconcileDay(deps(), {
      hospitalId: H,
      channel: 'unionpay',
      businessDate: D1,
      config: { checkHis: false },
    });
    expect(u.matched.count).toBe(1);
    expect(u.findings.map((f) => `${f.type} ${f.subject} ${f.amount}`)).toEqual([
      'CHANNEL_ONLY txn:123456789099 88.00',
    ]);
  });
});
