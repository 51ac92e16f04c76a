// CSV (UTF-8 with a BOM, so Excel opens Chinese text correctly) and JSON, both written row by row with
// backpressure: a large report streams to a file or an HTTP answer without being assembled first.
import { once } from 'node:events';
import type { Writable } from 'node:stream';
import type { BuiltReport } from '../types.ts';
import {
  type ExportOptions,
  jsonOf,
  PROGRESS_EVERY_ROWS,
  sheetTotals,
  textOf,
  timeZoneOf,
  totalRows,
} from './cells.ts';

export const UTF8_BOM = '\uFEFF';

async function put(out: Writable, chunk: string): Promise<void> {
  if (!out.write(chunk)) await once(out, 'drain');
}

/** RFC 4180: quoted when it holds a comma, a quote or a line break; a quote doubled. */
export function csvField(s: string): string {
  return /[",\r\n]/.test(s) ? `"${s.replaceAll('"', '""')}"` : s;
}

/** One sheet (ExportOptions.sheet, else the first): a header line, then the rows; no totals line (data only). */
export async function writeCsv(report: BuiltReport, out: Writable, o: ExportOptions): Promise<void> {
  const sheet = report.sheets.find((s) => s.id === o.sheet) ?? report.sheets[0];
  if (!sheet) return;
  const tz = timeZoneOf(report);
  await put(out, `${UTF8_BOM}${sheet.columns.map((c) => csvField(c.label[o.lang])).join(',')}\r\n`);
  let written = 0;
  for (const r of sheet.rows) {
    await put(
      out,
      `${sheet.columns.map((c) => csvField(textOf(c, r[c.key] ?? null, o.lang, tz))).join(',')}\r\n`,
    );
    if (++written % PROGRESS_EVERY_ROWS === 0)
      o.onProgress?.({ phase: 'writing', rows: written, total: sheet.rows.length });
  }
  o.onProgress?.({ phase: 'writing', rows: written, total: sheet.rows.length });
}

/** Every sheet, its columns (labels in the asked language), rows (money as strings) and totals. */
export async function writeJson(report: BuiltReport, out: Writable, o: ExportOptions): Promise<void> {
  const head = {
    report: report.name,
    title: report.title[o.lang],
    hospitalId: report.params.hospitalId,
    from: report.params.from,
    to: report.params.to,
    asOf: report.asOf?.toISOString() ?? null,
    position: report.position.toString(),
    events: report.events,
    generatedAt: report.generatedAt.toISOString(),
    timeZone: timeZoneOf(report),
  };
  await put(out, `${JSON.stringify(head).slice(0, -1)},"sheets":[`);
  const total = totalRows(report);
  let written = 0;
  for (const [i, sheet] of report.sheets.entries()) {
    const columns = sheet.columns.map((c) => ({ key: c.key, label: c.label[o.lang], kind: c.kind }));
    await put(
      out,
      `${i ? ',' : ''}{"id":${JSON.stringify(sheet.id)},"title":${JSON.stringify(sheet.title[o.lang])},"columns":${JSON.stringify(columns)},"rows":[`,
    );
    for (const [j, r] of sheet.rows.entries()) {
      const row = Object.fromEntries(sheet.columns.map((c) => [c.key, jsonOf(r[c.key] ?? null)]));
      await put(out, `${j ? ',' : ''}${JSON.stringify(row)}`);
      if (++written % PROGRESS_EVERY_ROWS === 0) o.onProgress?.({ phase: 'writing', rows: written, total });
    }
    const totals = sheet.totals
      ? Object.fromEntries(
          [...sheetTotals(sheet)].map(([k, v]) => [k, typeof v === 'number' ? v : v.toString()]),
        )
      : null;
    await put(out, `],"totals":${JSON.stringify(totals)}}`);
  }
  await put(out, ']}\n');
  o.onProgress?.({ phase: 'writing', rows: written, total });
}
