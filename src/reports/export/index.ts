import type { Writable } from 'node:stream';
import type { BuiltReport } from '../types.ts';
import type { ExportOptions, ReportFormat } from './cells.ts';
import { writeCsv, writeJson } from './text.ts';
import { writeXlsx } from './xlsx.ts';

export {
  CONTENT_TYPES,
  type ExportOptions,
  FORMATS,
  type ReportFormat,
  type WriteProgress,
} from './cells.ts';
export { UTF8_BOM } from './text.ts';

const WRITERS: Readonly<
  Record<ReportFormat, (r: BuiltReport, out: Writable, o: ExportOptions) => Promise<void>>
> = {
  xlsx: writeXlsx,
  csv: writeCsv,
  json: writeJson,
};

/** Writes a built report to a stream in a format; the caller ends the stream. */
export function writeReport(
  report: BuiltReport,
  format: ReportFormat,
  out: Writable,
  o: ExportOptions,
): Promise<void> {
  return WRITERS[format](report, out, o);
}
