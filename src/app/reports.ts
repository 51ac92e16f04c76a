// Run a finance report: check the request, fold the events up to the position it asks for (the head, or what
// the ledger knew at an as-of instant), and stream the export. The CLI and the HTTP route both call this.
//
// Small reports are produced while the caller waits (streamed). A large one is a job (app/jobs/kinds.ts):
// `checkReportRequest` and the position when the job is asked for, `buildRequestedReport` and `exportReport`
// in a worker with `onProgress` writing the job's progress and `out` a file stored with the job's result.
import { finished } from 'node:stream/promises';
import type { Writable } from 'node:stream';
import { type BusinessDateOptions, addDays, isBusinessDate } from '../domain/business-date.ts';
import type { EventStore } from '../domain/event-store.ts';
import { ReportRefusal } from '../domain/report-refusals.ts';
import { buildReport, type ReportBuildProgress, ReportTooLargeError } from '../reports/build.ts';
import { findReport, REPORTS } from '../reports/catalog.ts';
import { FORMATS, type ReportFormat, type WriteProgress, writeReport } from '../reports/export/index.ts';
import {
  type BuiltReport,
  type Lang,
  LANGS,
  MAX_REPORT_DAYS,
  type ReportDefinition,
} from '../reports/types.ts';

export interface ReportPorts {
  store: EventStore;
  now: () => Date;
  dateOptions?: BusinessDateOptions;
}

/** A report request as an edge receives it: strings, checked by `checkReportRequest`. */
export interface ReportRequestInput {
  name: string;
  hospitalId: string;
  from: string;
  to: string;
  asOf?: string | undefined;
  format?: string | undefined;
  lang?: string | undefined;
  sheet?: string | undefined;
}

export interface ReportRequest {
  definition: ReportDefinition;
  hospitalId: string;
  from: string;
  to: string;
  asOf: Date | null;
  format: ReportFormat;
  lang: Lang;
  sheet?: string;
  /** Build to this event position (a job fixes it when asked for, so every attempt builds the same report). */
  toPosition?: bigint;
}

export type ReportProgress = ReportBuildProgress | WriteProgress;

export interface ReportListing {
  name: string;
  title: { zh: string; en: string };
  description: { zh: string; en: string };
  sheets: { id: string; title: { zh: string; en: string } }[];
}

/** The reports, each with its sheets (ids for CSV's `sheet`). */
export function listReports(): ReportListing[] {
  const sample = { hospitalId: '-', from: '2000-01-01', to: '2000-01-01', at: new Date(0) };
  return REPORTS.map((r) => ({
    name: r.name,
    title: r.title,
    description: r.description,
    sheets: r.sheets(r.initial(sample), sample).map((s) => ({ id: s.id, title: s.title })),
  }));
}

/** Days from `from` to `to`, inclusive (both valid dates). */
function periodDays(from: string, to: string): number {
  let n = 1;
  for (let d = from; d < to && n <= MAX_REPORT_DAYS; d = addDays(d, 1)) n++;
  return n;
}

/** Checks a request before anything is read or written: a refusal never leaves a partial file or answer. */
export function checkReportRequest(input: ReportRequestInput, now: Date): ReportRequest {
  const definition = findReport(input.name);
  if (!definition) throw new ReportRefusal('REPORT_UNKNOWN', { name: input.name.slice(0, 64) });
  const { from, to } = input;
  if (!isBusinessDate(from) || !isBusinessDate(to) || from > to)
    throw new ReportRefusal('REPORT_PERIOD_INVALID', {
      from: String(from).slice(0, 20),
      to: String(to).slice(0, 20),
    });
  if (periodDays(from, to) > MAX_REPORT_DAYS)
    throw new ReportRefusal('REPORT_PERIOD_TOO_LONG', { from, to, maxDays: MAX_REPORT_DAYS });
  let asOf: Date | null = null;
  if (input.asOf !== undefined) {
    asOf = new Date(input.asOf);
    // An instant names its zone: "2026-11-20T16:00" alone would be read in the server's zone.
    const zoned = /(Z|[+-]\d{2}:?\d{2})$/i.test(input.asOf);
    if (!zoned || Number.isNaN(asOf.getTime()) || asOf.getTime() > now.getTime())
      throw new ReportRefusal('REPORT_AS_OF_INVALID', { asOf: input.asOf.slice(0, 40) });
  }
  const format = (input.format ?? 'xlsx') as ReportFormat;
  const lang = (input.lang ?? 'zh') as Lang;
  if (!FORMATS.includes(format))
    throw new ReportRefusal('REPORT_OPTION_INVALID', { format: String(format).slice(0, 20) });
  if (!LANGS.includes(lang))
    throw new ReportRefusal('REPORT_OPTION_INVALID', { lang: String(lang).slice(0, 20) });
  if (
    input.sheet !== undefined &&
    !listReports()
      .find((r) => r.name === definition.name)
      ?.sheets.some((s) => s.id === input.sheet)
  )
    throw new ReportRefusal('REPORT_OPTION_INVALID', { sheet: input.sheet.slice(0, 40) });
  return {
    definition,
    hospitalId: input.hospitalId,
    from,
    to,
    asOf,
    format,
    lang,
    ...(input.sheet !== undefined ? { sheet: input.sheet } : {}),
  };
}

/** The event position a request is built to: the one it fixes, else what the ledger knew at its as-of, else the head. */
export async function reportPosition(ports: Pick<ReportPorts, 'store'>, req: ReportRequest): Promise<bigint> {
  if (req.toPosition !== undefined) return req.toPosition;
  return req.asOf ? ports.store.positionAt(req.asOf) : ports.store.headPosition();
}

/** Folds the events up to the request's position into the report's sheets. */
export async function buildRequestedReport(
  ports: ReportPorts,
  req: ReportRequest,
  onProgress?: (p: ReportProgress) => void,
): Promise<BuiltReport> {
  const generatedAt = ports.now();
  const toPosition = await reportPosition(ports, req);
  try {
    return await buildReport({
      store: ports.store,
      definition: req.definition,
      params: {
        hospitalId: req.hospitalId,
        from: req.from,
        to: req.to,
        at: req.asOf ?? generatedAt,
        ...(ports.dateOptions ? { dateOptions: ports.dateOptions } : {}),
      },
      toPosition,
      asOf: req.asOf,
      generatedAt,
      ...(onProgress ? { onProgress } : {}),
    });
  } catch (e) {
    if (e instanceof ReportTooLargeError)
      throw new ReportRefusal('REPORT_TOO_LARGE', { sheet: e.sheet, rows: e.rows });
    throw e;
  }
}

/** Writes a built report to `out` in the request's format and ends it. */
export async function exportReport(
  report: BuiltReport,
  req: ReportRequest,
  out: Writable,
  onProgress?: (p: ReportProgress) => void,
): Promise<void> {
  await writeReport(report, req.format, out, {
    lang: req.lang,
    ...(req.sheet !== undefined ? { sheet: req.sheet } : {}),
    ...(onProgress ? { onProgress } : {}),
  });
  // The xlsx writer ends the stream itself (its zip is piped into it); the text writers leave it to us.
  if (!out.writableEnded) out.end();
  await finished(out, { readable: false });
}

/** Builds and streams a report: what `ledger report` and GET /v1/reports/:name do. */
export async function produceReport(
  ports: ReportPorts,
  req: ReportRequest,
  out: Writable,
  onProgress?: (p: ReportProgress) => void,
): Promise<BuiltReport> {
  const report = await buildRequestedReport(ports, req, onProgress);
  await exportReport(report, req, out, onProgress);
  return report;
}
