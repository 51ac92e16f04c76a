// `ledger report list` and `ledger report NAME --hospital H --from D --to D [--as-of T] [--lang zh|en]
// [--format xlsx|csv|json] [--sheet ID] --out FILE`: the finance reports, written to a file (never a partial
// one: written beside it, renamed when complete) with progress on stderr.
import { createWriteStream } from 'node:fs';
import { commandArgs, strings } from './args.ts';
import { rename, rm } from 'node:fs/promises';
import { extname } from 'node:path';
import { PassThrough } from 'node:stream';
import { configFromEnv } from '../adapters/db/database.ts';
import { openLedger } from '../adapters/event-store/open.ts';
import {
  checkReportRequest,
  listReports,
  produceReport,
  type ReportProgress,
  type ReportRequest,
} from '../app/reports.ts';
import { UPCASTERS } from '../domain/events.ts';
import { Refusal } from '../domain/rejection.ts';
import type { CliIo } from './main.ts';

export const REPORT_USAGE = `ledger report — finance reports (日结, 对账, 账龄 …) as xlsx, CSV or JSON

Usage:
  ledger report list [--lang zh|en]             the reports, their sheets and what each holds
  ledger report NAME --hospital H --from YYYY-MM-DD --to YYYY-MM-DD --out FILE
                [--as-of INSTANT] [--lang zh|en] [--format xlsx|csv|json] [--sheet ID]

  --hospital H    the hospital (tenant) the report is for
  --from, --to    business dates, inclusive (at most 366 days)
  --as-of T       as the ledger knew it at T (ISO-8601 with a zone, e.g. 2026-11-20T16:00:00+08:00): built from
                  the events recorded up to then; the cover names the event position
  --lang          headers and labels: zh (default) or en
  --format        xlsx (default; or from the file's extension), csv (UTF-8 with BOM; one sheet), json
  --sheet ID      the sheet a CSV holds (default: the report's first; ids in \`ledger report list\`)
  --out FILE      where to write; '-' writes CSV or JSON to stdout

Examples:
  ledger report daily-settlement --hospital H001 --from 2026-11-20 --to 2026-11-20 --out 日结-20261120.xlsx
  ledger report reconciliation --hospital H001 --from 2026-11-20 --to 2026-11-20 --as-of 2026-11-21T18:00:00+08:00 --out recon.xlsx
  ledger report discrepancy-ageing --hospital H001 --from 2026-10-01 --to 2026-11-20 --format csv --out ageing.csv`;

const EX_USAGE = 64;
/** Exit status of a refused request (bad dates, unknown report …). */
const EX_DATAERR = 65;
/** Least time between two progress lines. */
const PROGRESS_INTERVAL_MS = 200;

function progressLine(io: CliIo, label: string): (p: ReportProgress) => void {
  let last = 0;
  return (p) => {
    const now = Date.now();
    const done = p.phase === 'reading' ? p.position >= p.target : p.rows >= p.total;
    if (now - last < PROGRESS_INTERVAL_MS && !done) return;
    last = now;
    const text =
      p.phase === 'reading'
        ? `reading events: position ${p.position}/${p.target}, ${p.events} of the hospital`
        : `writing rows: ${p.rows}/${p.total}`;
    io.stderr.write(`\r${label}: ${text}   `);
  };
}

function formatFromName(file: string): string | undefined {
  const ext = extname(file).slice(1).toLowerCase();
  return ['xlsx', 'csv', 'json'].includes(ext) ? ext : undefined;
}

export async function reportCommand(argv: string[], io: CliIo): Promise<number> {
  let parsed: ReturnType<typeof parse>;
  try {
    parsed = parse(argv);
  } catch (e) {
    io.stderr.write(`${(e as Error).message}\n\n${REPORT_USAGE}\n`);
    return EX_USAGE;
  }
  const { values, positionals } = parsed;
  const [name, ...rest] = positionals;
  if (values.help || !name) {
    (values.help ? io.stdout : io.stderr).write(`${REPORT_USAGE}\n`);
    return values.help ? 0 : EX_USAGE;
  }
  const lang = values.lang === 'en' ? 'en' : 'zh';
  if (name === 'list') {
    for (const r of listReports()) {
      io.stdout.write(`${r.name.padEnd(22)} ${r.title[lang]}\n${' '.repeat(23)}${r.description[lang]}\n`);
      io.stdout.write(
        `${' '.repeat(23)}sheets: ${r.sheets.map((s) => `${s.id} (${s.title[lang]})`).join(', ')}\n`,
      );
    }
    return 0;
  }
  const missing = ['hospital', 'from', 'to', 'out'].filter((k) => !values[k as keyof typeof values]);
  if (rest.length || missing.length) {
    io.stderr.write(
      `${rest.length ? `unexpected: ${rest.join(' ')}` : `missing: ${missing.map((k) => `--${k}`).join(', ')}`}\n\n${REPORT_USAGE}\n`,
    );
    return EX_USAGE;
  }
  const out = String(values.out);
  let req: ReportRequest;
  try {
    req = checkReportRequest(
      {
        name,
        hospitalId: String(values.hospital),
        from: String(values.from),
        to: String(values.to),
        asOf: values['as-of'],
        format: values.format ?? (out === '-' ? 'csv' : (formatFromName(out) ?? 'xlsx')),
        lang: values.lang,
        sheet: values.sheet,
      },
      new Date(),
    );
  } catch (e) {
    if (!(e instanceof Refusal)) throw e;
    io.stderr.write(
      `ledger report: ${e.code}: ${e.messageIn('zh')} / ${e.messageIn('en')} ${JSON.stringify(e.details)}\n`,
    );
    return EX_DATAERR;
  }
  if (out === '-' && req.format === 'xlsx') {
    io.stderr.write('ledger report: an xlsx workbook goes to a file (--out FILE), not to stdout\n');
    return EX_USAGE;
  }

  const ledger = await openLedger(configFromEnv(io.env), { migrate: true, upcasters: UPCASTERS });
  const partial = `${out}.partial`;
  try {
    const target = out === '-' ? toStdout(io) : createWriteStream(partial);
    const report = await produceReport(
      { store: ledger.store, now: () => new Date() },
      req,
      target,
      progressLine(io, name),
    );
    if (out !== '-') await rename(partial, out);
    io.stderr.write('\n');
    const rows = report.sheets.map((s) => `${s.id} ${s.rows.length}`).join(', ');
    io.stderr.write(
      `${report.title[req.lang]} → ${out === '-' ? 'stdout' : out} (${req.format}; ${rows} rows; ${report.events} events up to position ${report.position})\n`,
    );
    return 0;
  } catch (e) {
    if (out !== '-') await rm(partial, { force: true });
    if (!(e instanceof Refusal)) throw e;
    io.stderr.write(`\nledger report: ${e.code}: ${e.messageIn('zh')} / ${e.messageIn('en')}\n`);
    return EX_DATAERR;
  } finally {
    await ledger.close();
  }
}

/** stdout stays open after the report: the report is written through a stream of its own. */
function toStdout(io: CliIo): PassThrough {
  const through = new PassThrough();
  through.pipe(io.stdout, { end: false });
  return through;
}

function parse(argv: string[]) {
  return commandArgs(argv, {
    ...strings('hospital', 'from', 'to', 'as-of', 'lang', 'format', 'sheet', 'out'),
  });
}
