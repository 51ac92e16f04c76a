// Finance reports of a simulated day, checked against totals computed straight from the day's events: the
// workbook's cells, formulas and formats; a report as of a past instant equals the one produced then; patient
// ids stay masked; the CSV has its BOM and parses back.
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { PassThrough } from 'node:stream';
import { parse } from 'csv-parse/sync';
import ExcelJS from 'exceljs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { SqlEventStore } from '../../src/adapters/event-store/sql-event-store.ts';
import {
  buildRequestedReport,
  checkReportRequest,
  exportReport,
  listReports,
  produceReport,
  type ReportProgress,
} from '../../src/app/reports.ts';
import { assignDiscrepancy, resolveDiscrepancy } from '../../src/app/reconciliation/index.ts';
import { businessDate } from '../../src/domain/business-date.ts';
import type { RecordedEvent } from '../../src/domain/event-store.ts';
import { UPCASTERS } from '../../src/domain/events.ts';
import { Money } from '../../src/domain/money.ts';
import { isOpenStatus } from '../../src/domain/reconciliation/discrepancy.ts';
import { ReportRefusal } from '../../src/domain/report-refusals.ts';
import { REPORT_NAMES } from '../../src/reports/catalog.ts';
import { UTF8_BOM } from '../../src/reports/export/index.ts';
import { importScenarioFiles, reconcileScenario, simulateDay } from '../../src/simulation/scenario.ts';
import { createPostgresDatabase, type TestDatabase } from '../support/databases.ts';

const DATE = '2024-05-01';
const HOSPITAL = 'H1';

let tdb: TestDatabase;
let store: SqlEventStore;
let dir: string;
let events: RecordedEvent[];
let shortfalls: Map<string, string>;
const clock = () => new Date();
const ports = () => ({ store, now: clock });

/** Writes a report into memory; returns the bytes. */
async function produce(name: string, format: 'xlsx' | 'csv' | 'json', extra: Record<string, string> = {}) {
  const req = checkReportRequest(
    { name, hospitalId: HOSPITAL, from: DATE, to: DATE, format, ...extra },
    new Date(),
  );
  const out = new PassThrough();
  const chunks: Buffer[] = [];
  out.on('data', (c: Buffer) => chunks.push(c));
  const progress: ReportProgress[] = [];
  const report = await produceReport(ports(), req, out, (p) => progress.push(p));
  return { bytes: Buffer.concat(chunks), report, progress };
}

async function workbook(bytes: Buffer): Promise<ExcelJS.Workbook> {
  const wb = new ExcelJS.Workbook();
  await wb.xlsx.load(bytes as unknown as ArrayBuffer);
  return wb;
}

const m = (v: unknown) => Money.parseTotal(String(v));
const sumBy = <T>(xs: T[], f: (x: T) => Money) => Money.sum(xs.map(f));
const ofDay = (e: RecordedEvent) => businessDate(e.occurredAt) === DATE;

beforeAll(async () => {
  tdb = await createPostgresDatabase('reports');
  store = new SqlEventStore(tdb.database, { upcasters: UPCASTERS });
  dir = await mkdtemp(join(tmpdir(), 'reports-'));
  const sim = await simulateDay(
    { store, db: tdb.database.db, leases: tdb.database },
    { date: DATE, seed: 'reports', orders: 160, anomalies: 18, hospitalId: HOSPITAL },
    dir,
  );
  await importScenarioFiles({ store }, sim.manifest, dir);
  await reconcileScenario({ store, db: tdb.database.db }, sim.manifest, sim.day.answerKey);
  shortfalls = new Map(
    sim.day.answerKey.filter((k) => k.type === 'SETTLEMENT_SHORTFALL').map((k) => [k.channel, k.amount]),
  );
  events = (await store.readAll({ maxCount: 10_000 })).filter((e) => e.hospitalId === HOSPITAL);
}, 300_000);

afterAll(async () => {
  await store?.close();
  await tdb?.dispose();
  if (dir) await rm(dir, { recursive: true, force: true });
});

describe('daily settlement (日结) workbook', () => {
  it('per channel: amounts equal payments − refunds of the events, fees the bills charged; totals are SUM formulas', async () => {
    const { bytes, report } = await produce('daily-settlement', 'xlsx');
    const wb = await workbook(bytes);
    expect(wb.worksheets.map((w) => w.name)).toEqual(['封面', '日结汇总', '现金收款员']);

    // Straight from the events of the day.
    const paid = events.filter(
      (e) =>
        ['PaymentSucceeded', 'PaymentConfirmed', 'DuplicatePaymentReceived'].includes(e.type) && ofDay(e),
    );
    const refunded = events.filter(
      (e) => ['RefundSucceeded', 'DepositRemainderRefunded'].includes(e.type) && ofDay(e),
    );
    const channels = [...new Set([...paid, ...refunded].map((e) => String(e.data.channel)))].sort();
    const bills = events.filter((e) => e.type === 'StatementImported');
    const started = new Map(
      events.filter((e) => e.type === 'StatementImportStarted').map((e) => [e.data.statementId, e.data]),
    );

    const ws = wb.getWorksheet('日结汇总')!;
    expect(ws.getRow(1).values).toEqual([
      undefined,
      '业务日期',
      '渠道',
      '业务类型',
      '笔数',
      '金额',
      '手续费',
      '净额',
    ]);
    const n = report.sheets[0]!.rows.length;
    const rows = Array.from({ length: n }, (_, i) => ws.getRow(i + 2));
    const channelNames: Record<string, string> = {
      wechat: '微信支付',
      alipay: '支付宝',
      unionpay: '银联',
      cash: '现金',
    };
    for (const channel of channels) {
      const mine = rows.filter((r) => r.getCell(2).value === (channelNames[channel] ?? channel));
      const amount = sumBy(mine, (r) => m(r.getCell(5).value));
      const expected = sumBy(
        paid.filter((e) => e.data.channel === channel),
        (e) => m(e.data.amount),
      ).sub(
        sumBy(
          refunded.filter((e) => e.data.channel === channel),
          (e) => m(e.data.amount),
        ),
      );
      expect(amount.toString(), channel).toBe(expected.toString());
      const count = mine
        .filter((r) => r.getCell(3).value !== '渠道手续费')
        .reduce((k, r) => k + Number(r.getCell(4).value), 0);
      expect(count, channel).toBe(
        paid.filter((e) => e.data.channel === channel).length +
          refunded.filter((e) => e.data.channel === channel).length,
      );
      const billFees = sumBy(
        bills.filter((b) => {
          const s = started.get(b.data.statementId) as Record<string, unknown>;
          const counts = (b.data.summary as { counts: Record<string, number> }).counts;
          // Trade statements of the channel for the day (UnionPay's comes from the acquirer as a bank file).
          return (
            s.channel === channel &&
            s.businessDate === DATE &&
            !['wechat-fundflow', 'alipay-account'].includes(String(s.format)) &&
            (counts.payment ?? 0) + (counts.refund ?? 0) > 0
          );
        }),
        (b) => m(Number((b.data.summary as { fees: string }).fees).toFixed(2)),
      );
      expect(sumBy(mine, (r) => m(r.getCell(6).value)).toString(), `${channel} fees`).toBe(
        billFees.toString(),
      );
    }
    expect(channels).toContain('cash');
    // Every statement channel of the simulated day charged fees.
    for (const ch of ['wechat', 'alipay', 'unionpay'])
      expect(
        report.sheets[0]!.rows.some((r) => r.channel === ch && r.businessType === 'fee'),
        ch,
      ).toBe(true);

    // The totals row: formulas over the data rows, with their values; money formatted #,##0.00.
    const totals = ws.getRow(n + 2);
    expect(totals.getCell(1).value).toBe('合计');
    const amountTotal = totals.getCell(5).value as ExcelJS.CellFormulaValue;
    expect(amountTotal.formula).toBe(`SUM(E2:E${n + 1})`);
    const gross = sumBy(paid, (e) => m(e.data.amount)).sub(sumBy(refunded, (e) => m(e.data.amount)));
    expect(m(Number(amountTotal.result).toFixed(2)).toString()).toBe(gross.toString());
    expect((totals.getCell(7).value as ExcelJS.CellFormulaValue).formula).toBe(`SUM(G2:G${n + 1})`);
    expect((totals.getCell(4).value as ExcelJS.CellFormulaValue).formula).toBe(`SUM(D2:D${n + 1})`);
    for (const col of [5, 6, 7]) {
      expect(rows[0]!.getCell(col).numFmt).toBe('#,##0.00');
      expect(totals.getCell(col).numFmt).toBe('#,##0.00');
    }
    // Net of every row = amount − fees.
    for (const r of rows)
      expect(m(r.getCell(7).value).toString()).toBe(
        m(r.getCell(5).value)
          .sub(m(r.getCell(6).value))
          .toString(),
      );

    // Frozen header and auto-filter over header and data.
    expect(ws.views[0]).toMatchObject({ state: 'frozen', ySplit: 1 });
    expect(ws.autoFilter).toBe(`A1:G${n + 1}`);

    // Cash per operator: what the window took less what it paid out = the cash channel's amount.
    const ops = wb.getWorksheet('现金收款员')!;
    const opRows = report.sheets[1]!.rows.length;
    expect(opRows).toBeGreaterThan(0);
    const cashNet = m((ops.getRow(opRows + 2).getCell(8).value as ExcelJS.CellFormulaValue).result);
    const cash = sumBy(
      paid.filter((e) => e.data.channel === 'cash'),
      (e) => m(e.data.amount),
    ).sub(
      sumBy(
        refunded.filter((e) => e.data.channel === 'cash'),
        (e) => m(e.data.amount),
      ),
    );
    expect(m(cashNet.toDecimal().toFixed(2)).toString()).toBe(cash.toString());
    expect(String(ops.getRow(2).getCell(3).value)).toMatch(/^staff:/);

    // The cover: parameters, generation time and the event position the report was built to.
    const cover = wb.getWorksheet('封面')!;
    const coverText = new Map<string, string>();
    cover.eachRow((r) => coverText.set(String(r.getCell(1).value), String(r.getCell(2).value)));
    expect(coverText.get('医院')).toBe(HOSPITAL);
    expect(coverText.get('起始业务日期')).toBe(DATE);
    expect(coverText.get('事件位置')).toBe(report.position.toString());
    expect(report.position).toBe(await store.headPosition());
    expect(coverText.get('生成时间')).toContain(report.generatedAt.toISOString());
  });

  it('English headers on request', async () => {
    const { bytes } = await produce('daily-settlement', 'xlsx', { lang: 'en' });
    const wb = await workbook(bytes);
    expect(wb.worksheets.map((w) => w.name)).toEqual(['Cover', 'Settlement', 'Cash by operator']);
    const ws = wb.getWorksheet('Settlement')!;
    expect(ws.getRow(1).getCell(5).value).toBe('Amount');
    expect(ws.getRow(2).getCell(2).value).toMatch(/WeChat Pay|Alipay|UnionPay|Cash/);
  });

  it('CSV: UTF-8 with a BOM, Chinese headers, parses back to the same rows', async () => {
    const { bytes, report } = await produce('daily-settlement', 'csv');
    expect([...bytes.subarray(0, 3)]).toEqual([0xef, 0xbb, 0xbf]);
    expect(bytes.toString('utf8').startsWith(UTF8_BOM)).toBe(true);
    const records = parse(bytes, { bom: true, columns: true }) as Record<string, string>[];
    expect(records.length).toBe(report.sheets[0]!.rows.length);
    expect(Object.keys(records[0]!)).toEqual([
      '业务日期',
      '渠道',
      '业务类型',
      '笔数',
      '金额',
      '手续费',
      '净额',
    ]);
    const total = sumBy(records, (r) => m(r.金额));
    const expected = Money.sum(report.sheets[0]!.rows.map((r) => r.amount as Money));
    expect(total.toString()).toBe(expected.toString());
    // Another sheet by its id.
    const ops = parse((await produce('daily-settlement', 'csv', { sheet: 'cash-operators' })).bytes, {
      bom: true,
      columns: true,
    }) as Record<string, string>[];
    expect(Object.keys(ops[0]!)[2]).toBe('收款员/自助机');
  });
});

describe('every report', () => {
  it('is listed, builds from the simulated day and writes all three formats with progress', async () => {
    expect(listReports().map((r) => r.name)).toEqual(REPORT_NAMES);
    expect(REPORT_NAMES).toEqual([
      'daily-settlement',
      'reconciliation',
      'discrepancy-ageing',
      'deposit-balances',
      'his-sync-exceptions',
      'channel-fees',
      'channel-settlements',
    ]);
    for (const name of REPORT_NAMES) {
      const x = await produce(name, 'xlsx');
      const wb = await workbook(x.bytes);
      expect(wb.worksheets.length, name).toBe(1 + x.report.sheets.length);
      for (const [i, sheet] of x.report.sheets.entries()) {
        const ws = wb.worksheets[i + 1]!;
        expect(ws.rowCount, `${name}/${sheet.id}`).toBe(1 + sheet.rows.length + (sheet.totals ? 1 : 0));
      }
      expect(
        x.progress.some((p) => p.phase === 'reading'),
        name,
      ).toBe(true);
      expect(x.progress.at(-1), name).toMatchObject({ phase: 'writing' });
      const json = JSON.parse((await produce(name, 'json')).bytes.toString('utf8'));
      expect(json.position).toBe(x.report.position.toString());
      expect(json.sheets.map((s: { rows: unknown[] }) => s.rows.length)).toEqual(
        x.report.sheets.map((s) => s.rows.length),
      );
    }
  });

  it('reconciliation: open items are the open discrepancies of the day; categories sum to what the runs found', async () => {
    const { report } = await produce('reconciliation', 'json');
    const [days, open] = report.sheets;
    const raised = new Map<string, RecordedEvent[]>();
    for (const e of events.filter((x) => x.type.startsWith('Discrepancy')))
      raised.set(String(e.data.discrepancyId), [...(raised.get(String(e.data.discrepancyId)) ?? []), e]);
    const stillOpen = [...raised.values()].filter((es) => {
      const last = es
        .filter((e) => e.type !== 'DiscrepancyAssigned' && e.type !== 'DiscrepancyResolutionApproved')
        .at(-1)!;
      return ['DiscrepancyRaised', 'DiscrepancyReopened', 'DiscrepancyResolutionProposed'].includes(
        last.type,
      );
    });
    expect(open!.rows.map((r) => r.discrepancyId).sort()).toEqual(
      stillOpen.map((es) => String(es[0]!.data.discrepancyId)).sort(),
    );
    const runs = events.filter((e) => e.type === 'ReconciliationRun');
    const matched = runs.reduce(
      (k, r) => k + (r.data.summary as { matched: { count: number } }).matched.count,
      0,
    );
    expect(days!.rows.reduce((k, r) => k + Number(r.matchedCount), 0)).toBe(matched);
    expect(days!.rows.every((r) => r.status === 'reconciled')).toBe(true);
  });

  it('deposit balances: closing = opening + top-ups − applied − refunded, and patient ids never leave unmasked', async () => {
    const patients = [
      ...new Set(events.filter((e) => e.type === 'DepositToppedUp').map((e) => String(e.data.patientId))),
    ];
    expect(patients.length).toBeGreaterThan(0);
    const x = await produce('deposit-balances', 'xlsx');
    const wb = await workbook(x.bytes);
    const cells: string[] = [];
    for (const ws of wb.worksheets) ws.eachRow((r) => r.eachCell((c) => cells.push(String(c.value))));
    const csv = (await produce('deposit-balances', 'csv')).bytes.toString('utf8');
    const json = (await produce('deposit-balances', 'json')).bytes.toString('utf8');
    for (const p of patients) {
      expect(
        cells.some((c) => c.includes(p)),
        p,
      ).toBe(false);
      expect(csv.includes(p), p).toBe(false);
      expect(json.includes(p), p).toBe(false);
    }
    const rows = x.report.sheets[0]!.rows;
    expect(rows.every((r) => /\*{4}/.test(String(r.patient)))).toBe(true);
    const topUps = sumBy(
      events.filter((e) => e.type === 'DepositToppedUp' && ofDay(e)),
      (e) => m(e.data.amount),
    );
    expect(Money.sum(rows.map((r) => r.toppedUp as Money)).toString()).toBe(topUps.toString());
  });

  it('channel settlements: what each channel credited to the bank, against what its bill says it owed', async () => {
    const { report } = await produce('channel-settlements', 'json');
    const credited = sumBy(
      events.filter((e) => e.type === 'ChannelSettlementReceived' && e.data.businessDate === DATE),
      (e) => m(e.data.amount),
    );
    expect(credited.isPositive()).toBe(true);
    expect(Money.sum(report.sheets[0]!.rows.map((r) => r.credited as Money)).toString()).toBe(
      credited.toString(),
    );
    // Exactly the channels the simulator short-paid show a difference, of exactly the shortfall it injected.
    expect(shortfalls.size).toBeGreaterThan(0);
    const differences = report.sheets[0]!.rows.filter(
      (r) => r.difference !== null && !(r.difference as Money).isZero(),
    ).map((r) => [r.channel, (r.difference as Money).negate().toString()]);
    expect(new Map(differences as [string, string][])).toEqual(shortfalls);
  });

  it("is scoped to one hospital: another hospital's report reads none of these events", async () => {
    const req = checkReportRequest(
      { name: 'daily-settlement', hospitalId: 'H2', from: DATE, to: DATE },
      new Date(),
    );
    const other = await buildRequestedReport(ports(), req);
    expect(other.events).toBe(0);
    expect(other.sheets.every((s) => s.rows.length === 0)).toBe(true);
    expect(other.position).toBe(await store.headPosition());
  });

  it('refuses bad requests before reading anything', () => {
    const now = new Date();
    const bad = [
      [{ name: 'nope', from: DATE, to: DATE }, 'REPORT_UNKNOWN'],
      [{ name: 'reconciliation', from: '2024-05-02', to: DATE }, 'REPORT_PERIOD_INVALID'],
      [{ name: 'reconciliation', from: '2024-02-30', to: DATE }, 'REPORT_PERIOD_INVALID'],
      [{ name: 'reconciliation', from: '2022-01-01', to: DATE }, 'REPORT_PERIOD_TOO_LONG'],
      [
        { name: 'reconciliation', from: DATE, to: DATE, asOf: '2999-01-01T00:00:00Z' },
        'REPORT_AS_OF_INVALID',
      ],
      [{ name: 'reconciliation', from: DATE, to: DATE, asOf: '2024-05-02T10:00:00' }, 'REPORT_AS_OF_INVALID'],
      [{ name: 'reconciliation', from: DATE, to: DATE, format: 'pdf' }, 'REPORT_OPTION_INVALID'],
      [{ name: 'reconciliation', from: DATE, to: DATE, sheet: 'nope' }, 'REPORT_OPTION_INVALID'],
    ] as const;
    for (const [input, code] of bad) {
      let thrown: unknown;
      try {
        checkReportRequest({ hospitalId: HOSPITAL, ...input }, now);
      } catch (e) {
        thrown = e;
      }
      expect(thrown, code).toBeInstanceOf(ReportRefusal);
      expect((thrown as ReportRefusal).code).toBe(code);
    }
  });
});

describe('as of a past instant', () => {
  it('a report for a past instant equals the one produced at that instant', async () => {
    const open = (
      await buildRequestedReport(
        ports(),
        checkReportRequest(
          { name: 'discrepancy-ageing', hospitalId: HOSPITAL, from: DATE, to: DATE },
          new Date(),
        ),
      )
    ).sheets[1]!.rows;
    expect(open.length).toBeGreaterThan(1);
    await assignDiscrepancy(
      { store },
      {
        hospitalId: HOSPITAL,
        discrepancyId: String(open[0]!.discrepancyId),
        by: 'fin-li',
        assignee: 'fin-wang',
      },
    );

    const names = ['reconciliation', 'discrepancy-ageing', 'daily-settlement'];
    const json = async (name: string, asOf?: string) => {
      const req = checkReportRequest(
        { name, hospitalId: HOSPITAL, from: DATE, to: DATE, format: 'json', ...(asOf ? { asOf } : {}) },
        new Date(),
      );
      const out = new PassThrough();
      const chunks: Buffer[] = [];
      out.on('data', (c: Buffer) => chunks.push(c));
      // The ageing reference is the report's instant: both builds look from the same one.
      await exportReport(await buildRequestedReport({ store, now: () => at }, req), req, out);
      const { generatedAt: _g, asOf: _a, ...rest } = JSON.parse(Buffer.concat(chunks).toString('utf8'));
      return rest;
    };
    let at = new Date();
    const then = Object.fromEntries(await Promise.all(names.map(async (n) => [n, await json(n)])));
    await new Promise((r) => setTimeout(r, 20)); // the instant lies strictly between the two histories
    const instant = new Date();
    await new Promise((r) => setTimeout(r, 20));

    // Later: one item resolved, another assigned.
    await resolveDiscrepancy(
      { store },
      {
        hospitalId: HOSPITAL,
        discrepancyId: String(open[0]!.discrepancyId),
        by: 'fin-wang',
        action: 'accept',
        reason: 'checked with the bank',
      },
    );
    await assignDiscrepancy(
      { store },
      {
        hospitalId: HOSPITAL,
        discrepancyId: String(open[1]!.discrepancyId),
        by: 'fin-li',
        assignee: 'fin-zhao',
      },
    );

    at = instant;
    for (const n of names) expect(await json(n, instant.toISOString()), n).toEqual(then[n]);
    // …and the report of now has moved on (so the comparison above can fail).
    at = new Date();
    const now = await json('reconciliation');
    expect(now.sheets[1].rows.length).toBe(then.reconciliation.sheets[1].rows.length - 1);
    const ageing = await json('discrepancy-ageing');
    expect(ageing.sheets[0].rows.some((r: { assignee: string | null }) => r.assignee === 'fin-zhao')).toBe(
      true,
    );
    expect(
      then['discrepancy-ageing'].sheets[0].rows.some(
        (r: { assignee: string | null }) => r.assignee === 'fin-wang',
      ),
    ).toBe(true);
    expect(open.every((r) => isOpenStatus(String(r.status)))).toBe(true);
  });
});
