// What each kind of job does, in a runner (a worker, or the bus's process): the same use cases the CLI and the
// synchronous routes call, with their progress turned into the job's (a percentage and the counts behind it).
// Each is safe to run again after a runner died part-way:
//   - statement-import: the file's SHA-256 names its stream; an import cut off after some batches resumes after
//     the last one written, and reconciliation sees the lines only once the completion marker is written;
//   - projection-rebuild: builds beside the live copy from position 0 (dropping a half-built copy first) and
//     swaps the copies in one transaction;
//   - report: built to the event position fixed when the job was asked for, written to a temporary file, and
//     stored with the job's outcome in one transaction (a half-written file is never stored).
import { createWriteStream } from 'node:fs';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Readable } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import type { ImportProgress, ImportResult } from '../../adapters/statements/import.ts';
import { fileSource, type StatementSource } from '../../adapters/statements/source.ts';
import type { BusinessDateOptions } from '../../domain/business-date.ts';
import type { EventStore } from '../../domain/event-store.ts';
import { pick } from '../../domain/pick.ts';
import { rebuildProjection } from '../../projections/build.ts';
import { projectionNamed } from '../../projections/catalog.ts';
import type { AnyDb } from '../../projections/projection.ts';
import { CONTENT_TYPES } from '../../reports/export/index.ts';
import type { JobKind, JobRecord, JobStore, LocalFile } from '../../domain/ports/jobs.ts';
import type { MappingCatalog } from '../mappings.ts';
import { importStatementFile, type StatementImportRequest } from '../reconciliation/statements.ts';
import {
  buildRequestedReport,
  checkReportRequest,
  exportReport,
  type ReportRequestInput,
} from '../reports.ts';

export interface JobWorkPorts {
  jobs: JobStore;
  store: EventStore;
  db: AnyDb;
  dateOptions?: BusinessDateOptions;
  mappings?: MappingCatalog;
  now: () => Date;
}

export interface JobWorkDone {
  result: Record<string, unknown>;
  file?: LocalFile;
}

export type JobWork = (
  ports: JobWorkPorts,
  job: JobRecord,
  report: (progress: Record<string, unknown>) => void,
  scratch: string,
) => Promise<JobWorkDone>;

/** What a statement upload job carries besides its file. */
export interface StatementImportPayload
  extends Pick<
    StatementImportRequest,
    'format' | 'mapping' | 'merchantId' | 'businessDate' | 'channel' | 'by'
  > {
  file: string;
  bytes: number;
  /** When the upload was taken (ISO-8601): the import's business time, the same on every attempt. */
  at: string;
}

/** What a report job carries: the request as checked, and the event position it is built to. */
export interface ReportJobPayload extends Omit<ReportRequestInput, 'hospitalId' | 'name'> {
  name: string;
  toPosition: string;
}

const pct = (part: number, whole: number, from = 0, span = 100) =>
  whole > 0 ? Math.min(from + span, Math.round((from + (span * part) / whole) * 10) / 10) : from;

/** An import's answer: what the upload route answers (201/200) and a job's result. */
export function importAnswer(r: ImportResult) {
  const s = r.summary;
  return {
    ...pick(r, 'statementId', 'sha256', 'duplicate', 'channel'),
    ...pick(s, 'file', 'format', 'party'),
    merchantId: s.merchantId ?? null,
    businessDate: s.businessDate ?? null,
    ...pick(s, 'lines', 'counts', 'amounts', 'fees'),
    checks: {
      kind: s.totalsStated > 0 ? 'totals' : 'none-stated',
      totalsStated: s.totalsStated,
      verified: s.checks.map((c) => c.name),
    },
  };
}

/** A source that counts the bytes read (validation reads the file once: its share of the work). */
function counted(source: StatementSource, onBytes: (n: number) => void): StatementSource {
  return {
    name: source.name,
    async *open() {
      let n = 0;
      for await (const chunk of source.open()) {
        n += chunk.length;
        onBytes(n);
        yield chunk;
      }
    },
  };
}

const statementImport: JobWork = async (ports, job, report, scratch) => {
  const p = job.payload as unknown as StatementImportPayload;
  const stored = await ports.jobs.file(job.jobId, 'input');
  if (!stored) throw new Error(`job ${job.jobId}: its uploaded file is missing`);
  const path = join(scratch, 'upload');
  await pipeline(Readable.from(stored.chunks), createWriteStream(path, { mode: 0o600 }));
  const bytes = stored.meta.bytes;
  let read = 0;
  let last: ImportProgress = { phase: 'validating', lines: 0, total: undefined };
  const show = () =>
    report({
      phase: last.phase,
      percent:
        last.phase === 'validating'
          ? pct(read, bytes, 0, 50)
          : last.phase === 'done'
            ? 100
            : pct(last.lines, last.total ?? 0, 50, 50),
      lines: last.lines,
      total: last.total ?? null,
      bytes,
    });
  const r = await importStatementFile(
    ports,
    counted(fileSource(path, p.file), (n) => {
      read = n;
      if (last.phase === 'validating') show();
    }),
    {
      hospitalId: job.hospitalId,
      by: p.by,
      at: new Date(p.at),
      ...(p.format !== undefined ? { format: p.format } : {}),
      ...(p.mapping !== undefined ? { mapping: p.mapping } : {}),
      ...(p.merchantId !== undefined ? { merchantId: p.merchantId } : {}),
      ...(p.businessDate !== undefined ? { businessDate: p.businessDate } : {}),
      ...(p.channel !== undefined ? { channel: p.channel } : {}),
      onProgress: (progress) => {
        last = progress;
        show();
      },
    },
  );
  return { result: importAnswer(r) };
};

const projectionRebuild: JobWork = async (ports, job, report) => {
  const name = String(job.payload.projection);
  const projection = projectionNamed(name, ports.dateOptions);
  const r = await rebuildProjection({
    db: ports.db,
    store: ports.store,
    projection,
    onProgress: (p) =>
      report({
        phase: 'building',
        percent: pct(Number(p.position), Number(p.target), 0, 99),
        position: String(p.position),
        target: String(p.target),
        events: p.events,
      }),
  });
  return { result: { projection: name, position: String(r.position), events: r.events } };
};

const reportJob: JobWork = async (ports, job, report, scratch) => {
  const p = job.payload as unknown as ReportJobPayload;
  const { toPosition, name, ...input } = p;
  const request = {
    ...checkReportRequest({ ...input, name, hospitalId: job.hospitalId }, ports.now()),
    toPosition: BigInt(toPosition),
  };
  const built = await buildRequestedReport(
    { store: ports.store, now: ports.now, ...(ports.dateOptions ? { dateOptions: ports.dateOptions } : {}) },
    request,
    (q) =>
      report(
        q.phase === 'reading'
          ? {
              phase: 'reading',
              percent: pct(Number(q.position), Number(q.target), 0, 80),
              position: String(q.position),
              target: String(q.target),
              events: q.events,
            }
          : { phase: 'writing', percent: pct(q.rows, q.total, 80, 19), rows: q.rows, total: q.total },
      ),
  );
  const file = `${built.name}_${built.params.hospitalId}_${built.params.from}_${built.params.to}.${request.format}`;
  const path = join(scratch, 'report');
  await exportReport(built, request, createWriteStream(path), (q) =>
    q.phase === 'writing'
      ? report({ phase: 'writing', percent: pct(q.rows, q.total, 80, 19), rows: q.rows, total: q.total })
      : undefined,
  );
  const rows = Object.fromEntries(built.sheets.map((s) => [s.id, s.rows.length]));
  return {
    result: { report: built.name, format: request.format, file, position: String(built.position), rows },
    file: { path, name: file, contentType: CONTENT_TYPES[request.format] },
  };
};

export const JOB_WORK: Readonly<Record<JobKind, JobWork>> = {
  'statement-import': statementImport,
  'projection-rebuild': projectionRebuild,
  report: reportJob,
};

/** A private scratch folder for one attempt, removed after it. */
export async function withScratch<T>(work: (dir: string) => Promise<T>): Promise<T> {
  const dir = await mkdtemp(join(tmpdir(), 'ledger-job-'));
  try {
    return await work(dir);
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
}
