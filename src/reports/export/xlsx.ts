// The workbook finance staff open: a cover sheet (parameters, generation time, event position), then one sheet
// per table with a frozen, filterable header row, money as `#,##0.00` and a totals row of SUM formulas (with
// their values, since exceljs does not evaluate formulas). Written with exceljs' streaming WorkbookWriter:
// rows go out as they are written, so a large report never sits in memory twice.
import type { Writable } from 'node:stream';
import type ExcelJS from 'exceljs';
import { Money } from '../../domain/money.ts';
import type { BuiltReport, Column, Lang, Sheet } from '../types.ts';
import { cellText } from '../vocabulary.ts';
import {
  coverLines,
  type ExportOptions,
  localDate,
  PROGRESS_EVERY_ROWS,
  sheetTotals,
  timeZoneOf,
  totalRows,
} from './cells.ts';

export const MONEY_FORMAT = '#,##0.00';
export const COUNT_FORMAT = '#,##0';
export const INSTANT_FORMAT = 'yyyy-mm-dd hh:mm:ss';
const TOTAL_LABEL = { zh: '合计', en: 'Total' };
/** Excel's limit on a sheet name's length. */
const MAX_SHEET_NAME = 31;

/** Excel cells are binary floating point: two-decimal amounts up to 15 significant digits display exactly. */
const excelNumber = (m: Money): number => Number(m.toString());

/** A1-style column letters (1 → A, 27 → AA). */
export function columnLetter(n: number): string {
  let s = '';
  for (let i = n; i > 0; i = Math.floor((i - 1) / 26)) s = String.fromCharCode(65 + ((i - 1) % 26)) + s;
  return s;
}

function numFmtOf(c: Column): string | undefined {
  if (c.kind === 'money') return MONEY_FORMAT;
  if (c.kind === 'count') return COUNT_FORMAT;
  if (c.kind === 'instant') return INSTANT_FORMAT;
  return undefined;
}

function sheetName(sheet: Sheet, lang: Lang, used: Set<string>): string {
  // Excel refuses []:*?/\ in sheet names.
  const base = sheet.title[lang].replace(/[[\]:*?/\\]/g, ' ').slice(0, MAX_SHEET_NAME);
  let name = base;
  for (let i = 2; used.has(name); i++) name = `${base.slice(0, MAX_SHEET_NAME - 3)} ${i}`;
  used.add(name);
  return name;
}

export async function writeXlsx(report: BuiltReport, out: Writable, o: ExportOptions): Promise<void> {
  // exceljs is large: loaded when a workbook is written, not by everything that can export one.
  const { default: Excel } = await import('exceljs');
  const wb = new Excel.stream.xlsx.WorkbookWriter({
    stream: out,
    useStyles: true,
    useSharedStrings: false,
  });
  wb.creator = 'hospital-ledger';
  wb.created = report.generatedAt;
  const tz = timeZoneOf(report);
  const used = new Set<string>();

  const cover = wb.addWorksheet(o.lang === 'zh' ? '封面' : 'Cover');
  cover.columns = [{ width: 22 }, { width: 60 }];
  const title = cover.addRow([report.title[o.lang]]);
  title.font = { bold: true, size: 14 };
  title.commit();
  for (const line of coverLines(report, o.lang)) cover.addRow(line).commit();
  cover.commit();
  used.add(cover.name);

  const total = totalRows(report);
  let written = 0;
  for (const sheet of report.sheets) {
    const ws = wb.addWorksheet(sheetName(sheet, o.lang, used), {
      views: [{ state: 'frozen', xSplit: 0, ySplit: 1 }],
    });
    ws.columns = sheet.columns.map((c) => ({
      key: c.key,
      width: c.width ?? Math.max(10, c.label[o.lang].length * 2),
    }));
    const header = ws.addRow(sheet.columns.map((c) => c.label[o.lang]));
    header.font = { bold: true };
    header.commit();
    for (const r of sheet.rows) {
      const row = ws.addRow(
        sheet.columns.map((c) => {
          const v = r[c.key];
          if (v === null || v === undefined) return null;
          if (Money.isMoney(v)) return excelNumber(v);
          if (v instanceof Date) return localDate(v, tz);
          if (typeof v === 'number') return v;
          return cellText(c, v, o.lang);
        }),
      );
      sheet.columns.forEach((c, i) => {
        const fmt = numFmtOf(c);
        if (fmt) row.getCell(i + 1).numFmt = fmt;
      });
      row.commit();
      if (++written % PROGRESS_EVERY_ROWS === 0) o.onProgress?.({ phase: 'writing', rows: written, total });
    }
    const last = sheet.rows.length + 1;
    const lastColumn = columnLetter(sheet.columns.length);
    ws.autoFilter = `A1:${lastColumn}${last}`;
    if (sheet.totals) writeTotals(ws, sheet, o.lang);
    ws.commit();
  }
  o.onProgress?.({ phase: 'writing', rows: written, total });
  await wb.commit();
}

/** The totals row: SUM over the data rows of each total column, with the exact sum as its cached value. */
function writeTotals(ws: ExcelJS.Worksheet, sheet: Sheet, lang: Lang): void {
  const totals = sheetTotals(sheet);
  const n = sheet.rows.length;
  const row = ws.addRow([TOTAL_LABEL[lang]]);
  row.font = { bold: true };
  sheet.columns.forEach((c, i) => {
    const t = totals.get(c.key);
    if (t === undefined) return;
    const result = typeof t === 'number' ? t : excelNumber(t);
    const cell = row.getCell(i + 1);
    const letter = columnLetter(i + 1);
    // No data rows: a plain zero (a SUM over the header alone would read as a mistake).
    cell.value = n === 0 ? result : { formula: `SUM(${letter}2:${letter}${n + 1})`, result };
    const fmt = numFmtOf(c);
    if (fmt) cell.numFmt = fmt;
  });
  row.commit();
}
