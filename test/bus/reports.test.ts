import ExcelJS from 'exceljs';
import { parse } from 'csv-parse/sync';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { businessDate } from '../../src/domain/business-date.ts';
import { type Harness, HOSPITAL, ids, key, payment, registration, startHarness, TOKENS } from './harness.ts';

let h: Harness;
let day: string;
beforeAll(async () => {
  h = await startHarness('bus_reports');
  day = businessDate(new Date(h.clock.ms));
  for (const [amount, channel] of [
    ['25.00', 'cash'],
    ['30.00', 'cash'],
    ['12.50', 'wechat'],
  ] as const) {
    const o = ids();
    expect(
      (await h.kiosk('POST', '/v1/orders', registration(o.orderId, o.patient, amount), { idem: key() }))
        .status,
    ).toBe(201);
    const paid = await h.kiosk('POST', `/v1/orders/${o.orderId}/payments`, payment(o.txn, amount, channel), {
      idem: key(),
    });
    expect(paid.status).toBe(200);
  }
});
afterAll(async () => h?.close());

const get = (token: string, url: string) =>
  h.app.inject({ method: 'GET', url, headers: { authorization: `Bearer ${token}` } });

describe('GET /v1/reports', () => {
  it('lists the reports for finance staff and auditors; bus clients may not', async () => {
    for (const token of [TOKENS.clerk, TOKENS.supervisor, TOKENS.auditor]) {
      const r = await h.staff(token)('GET', '/v1/reports');
      expect(r.status).toBe(200);
      expect(r.body.reports.map((x: { name: string }) => x.name)).toContain('daily-settlement');
    }
    const refused = await h.kiosk('GET', '/v1/reports');
    expect(refused.status).toBe(403);
    expect(refused.body.code).toBe('FORBIDDEN_ROLE');
    expect((await h.kiosk('GET', `/v1/reports/daily-settlement?from=${day}&to=${day}`)).status).toBe(403);
  });
});

describe('GET /v1/reports/:name', () => {
  it("streams the daily settlement of the caller's hospital as a workbook", async () => {
    const res = await get(TOKENS.clerk, `/v1/reports/daily-settlement?from=${day}&to=${day}`);
    expect(res.statusCode).toBe(200);
    expect(res.headers['content-type']).toContain('spreadsheetml');
    expect(String(res.headers['content-disposition'])).toContain(
      `daily-settlement_${HOSPITAL}_${day}_${day}.xlsx`,
    );
    const position = String(res.headers['x-report-position']);
    expect(position).toMatch(/^[1-9]\d*$/);
    const wb = new ExcelJS.Workbook();
    await wb.xlsx.load(res.rawPayload as unknown as ArrayBuffer);
    const ws = wb.getWorksheet('日结汇总')!;
    const cash = ws.getRow(2);
    expect([
      cash.getCell(2).value,
      cash.getCell(3).value,
      cash.getCell(4).value,
      cash.getCell(5).value,
    ]).toEqual(['现金', '挂号', 2, 55]);
    const totals = ws.getRow(4);
    expect(totals.getCell(5).value).toEqual({ formula: 'SUM(E2:E3)', result: 67.5 });
    const cover = new Map<string, unknown>();
    wb.getWorksheet('封面')!.eachRow((r) => cover.set(String(r.getCell(1).value), r.getCell(2).value));
    expect(cover.get('事件位置')).toBe(position);
    expect(cover.get('医院')).toBe(HOSPITAL);
  });

  it('CSV with a BOM and JSON, in English on request', async () => {
    const csv = await get(
      TOKENS.auditor,
      `/v1/reports/daily-settlement?from=${day}&to=${day}&format=csv&lang=en`,
    );
    expect(csv.statusCode).toBe(200);
    expect([...csv.rawPayload.subarray(0, 3)]).toEqual([0xef, 0xbb, 0xbf]);
    const rows = parse(csv.rawPayload, { bom: true, columns: true }) as Record<string, string>[];
    expect(rows.map((r) => [r.Channel, r['Business type'], r.Amount])).toEqual([
      ['Cash', 'Registration', '55.00'],
      ['WeChat Pay', 'Registration', '12.50'],
    ]);
    const json = await h.staff(TOKENS.supervisor)(
      'GET',
      `/v1/reports/daily-settlement?from=${day}&to=${day}&format=json`,
    );
    expect(json.status).toBe(200);
    expect(json.body.hospitalId).toBe(HOSPITAL);
    expect(json.body.sheets[0].totals.amount).toBe('67.50');
  });

  it('refuses bad requests with a specific 4xx before streaming anything', async () => {
    const clerk = h.staff(TOKENS.clerk);
    const unknown = await clerk('GET', `/v1/reports/nope?from=${day}&to=${day}`);
    expect([unknown.status, unknown.body.code]).toEqual([404, 'REPORT_UNKNOWN']);
    const backwards = await clerk('GET', '/v1/reports/reconciliation?from=2026-02-02&to=2026-02-01');
    expect([backwards.status, backwards.body.code]).toEqual([422, 'REPORT_PERIOD_INVALID']);
    expect((await clerk('GET', `/v1/reports/reconciliation?from=${day}&to=${day}&format=pdf`)).status).toBe(
      400,
    );
    expect((await clerk('GET', '/v1/reports/reconciliation?from=20260201&to=2026-02-01')).status).toBe(400);
    const future = await clerk(
      'GET',
      `/v1/reports/reconciliation?from=${day}&to=${day}&asOf=2999-01-01T00:00:00Z`,
    );
    expect([future.status, future.body.code]).toEqual([422, 'REPORT_AS_OF_INVALID']);
  });

  it('is in the OpenAPI document', async () => {
    const doc = (await h.app.inject({ method: 'GET', url: '/docs/json' })).json();
    expect(Object.keys(doc.paths)).toEqual(expect.arrayContaining(['/v1/reports', '/v1/reports/{name}']));
    const op = doc.paths['/v1/reports/{name}'].get;
    expect(op.parameters.map((p: { name: string }) => p.name)).toEqual(
      expect.arrayContaining(['name', 'from', 'to', 'asOf', 'format', 'lang']),
    );
    expect(Object.keys(op.responses['200'].content)).toContain(
      'application/vnd.openxmlformats-officedocument.spreadsheetml.sheet',
    );
  });
});
