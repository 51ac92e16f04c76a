// Statement import as events (DESIGN §6.1). Stream `<hospitalId>/statement/<sha256 prefix>`:
//   StatementImportStarted {file meta, format, merchant, date, party, channel, origin}
//   StatementLinesImported {batch n, the lines incl. raw + lineNo: codec.ts} …
//   StatementImported {verified summary}   ← the completion marker: reconciliation sees the lines only after it.
//
// Guarantees:
//   * Refused whole, nothing written. Pass 1 (staging.ts) streams the whole file once, checks every line
//     (format, merchant, date, amounts) and the totals against the summary block, hashes the bytes, and stages
//     the lines as columnar batches in a temporary file; a malformed, wrong-merchant, wrong-date or
//     totals-mismatch file throws its StatementError (line + reason) before the first append.
//   * Pass 2 appends the staged batches (codec `columns/1`, src/domain/reconciliation/line-columns.ts): the
//     normalized fields the matcher reads beside the raw row and its line number, so reading a batch back needs
//     no parser. What is appended is what was verified: the file is not read again. Reconciliation reads only
//     statements with the StatementImported marker (recon_statements.imported), written last.
//   * The same bytes imported again are a no-op answering the original import (stream id = SHA-256 prefix);
//     an import cut off half-way resumes after its last batch (batch boundaries are deterministic). One cut
//     off while writing a legacy encoding (codec.ts) is finished in it, re-reading the file (FILE_CHANGED if
//     its bytes differ now).
//   * Streaming: at most one batch of lines sits in memory while staging, and the appends in flight
//     (≤ 2 × BATCHES_PER_APPEND events) while appending; the staged batches wait on disk.
import {
  ConcurrencyError,
  type EventStore,
  type JsonObject,
  type NewEvent,
  type RecordedEvent,
  type StreamId,
  streamId,
} from '../../domain/event-store.ts';
import {
  MAX_LINES_PER_BATCH,
  RECONCILIATION_SCHEMA_VERSION,
  type StatementImportStarted,
  type StatementImported,
  type StoredStatementLine,
} from '../../domain/reconciliation/events.ts';
import { isColumnBatch } from '../../domain/reconciliation/line-columns.ts';
import type { TotalsVerdict } from '../../domain/mappings/totals.ts';
import type { HeldStatement, LineColumns } from '../../domain/reconciliation/line-rows.ts';
import type { StatementLine, StatementSummary } from '../../domain/reconciliation/statement-line.ts';
import { encodeWechatBatch } from './codec.ts';
import { StatementError } from './errors.ts';
import { type ParseOptions, readVerifiedStatement, readVerifiedWechatRows } from './index.ts';
import { DEFAULT_TIME_ZONE } from './time.ts';
import type { StatementSource } from './source.ts';
import { MAX_BATCH_BYTES, rawBytes, type Staged, stageStatement } from './staging.ts';

/** Hex digits of the file's SHA-256 in the statement id (128 bits). */
export const STATEMENT_ID_HEX = 32;
/** Line batches appended per store call (each event ≤ 1 MiB; one append ≤ 16 MiB). */
export const BATCHES_PER_APPEND = 8;
/** Schema version of StatementLinesImported written in the columnar encoding (the legacy ones are version 1). */
const COLUMNS_SCHEMA_VERSION = RECONCILIATION_SCHEMA_VERSION.StatementLinesImported;
/** Raw rows per StatementLinesImported in the legacy raw encoding (a WeChat row is ~230 bytes). */
export const RAW_LINES_PER_BATCH = 4_000;
/** Bytes of raw text one raw-encoded batch may reach (the header and line numbers fit in the headroom). */
const MAX_RAW_BATCH_BYTES = 768 * 1024;

export interface ImportProgress {
  phase: 'validating' | 'importing' | 'done';
  lines: number;
  /** Lines the verified summary announced (known once validated). */
  total: number | undefined;
}

export interface ImportOptions extends Omit<ParseOptions, 'hospitalId' | 'batchSize'> {
  hospitalId: string;
  /** The platform channel the statement reports; default from its source (wechat, alipay, unionpay …). */
  channel?: string;
  /** Where the file came from, for the audit trail (`upload:<user>`, `sftp`, `api`). */
  origin?: string;
  /** Business time of the import (default now). */
  at?: Date;
  onProgress?: (p: ImportProgress) => void;
  /**
   * Called once the file verified, before anything is written: what to record with the import (the mapping it
   * used, the totals check). Throwing refuses the file, nothing written.
   */
  review?: (summary: StatementSummary, channel: string | null) => Promise<ImportReview>;
  /**
   * Keep the lines written (their columns, without the raw rows: ~110 MB for a million WeChat lines) in the
   * result's `held`, for a reconciliation run of the same job to match without reading them back.
   */
  hold?: boolean;
}

/** What an import records beside the file: which mapping read it and which totals check it passed. */
export interface ImportReview {
  mapping?: { name: string; version: number; builtin: boolean };
  totalsCheck?: TotalsVerdict;
}

export interface ImportResult {
  statementId: string;
  streamId: string;
  sha256: string;
  /** True when the same bytes had been imported before: nothing was written, this is the original import. */
  duplicate: boolean;
  summary: StatementSummary;
  channel: string | null;
  /** The mapping that read the file and its version (absent for the channels' own bills). */
  mapping?: ImportReview['mapping'];
  /** Which totals check the import used and what it found. */
  totalsCheck?: TotalsVerdict;
  /**
   * With `hold`: the lines this call wrote, as written. Absent for a re-import and for a resumed import (the
   * stored lines are, at least in part, an earlier import's: they are read back).
   */
  held?: HeldStatement;
}

/** Default platform channel of a statement issuer (the HIS extract spans channels: null). */
export const CHANNEL_OF_SOURCE: Readonly<Record<string, string | null>> = {
  wechat: 'wechat',
  alipay: 'alipay',
  unionpay: 'unionpay',
  allinpay: 'unionpay',
  insurance: 'insurance',
  his: null,
};

export function statementIdOf(sha256: string): string {
  return sha256.slice(0, STATEMENT_ID_HEX);
}

function stored(line: StatementLine): StoredStatementLine & JsonObject {
  const { party: _p, source: _s, format: _f, hospitalId: _h, ...rest } = line;
  return rest as StoredStatementLine & JsonObject;
}

export async function importStatement(
  deps: { store: EventStore },
  source: StatementSource,
  opts: ImportOptions,
): Promise<ImportResult> {
  const { store } = deps;
  const { hospitalId, channel: channelOpt, origin: _o, at: _a, onProgress, review: _r, ...parse } = opts;
  const parseOpts: ParseOptions = { ...parse, hospitalId, batchSize: MAX_LINES_PER_BATCH };
  onProgress?.({ phase: 'validating', lines: 0, total: undefined });
  const staged = await stageStatement(source, parseOpts, (lines) =>
    onProgress?.({ phase: 'validating', lines, total: undefined }),
  );
  try {
    return await importStaged(store, source, opts, parseOpts, staged, channelOpt);
  } finally {
    await staged.discard();
  }
}

async function importStaged(
  store: EventStore,
  source: StatementSource,
  opts: ImportOptions,
  parseOpts: ParseOptions,
  staged: Staged,
  channelOpt: string | undefined,
): Promise<ImportResult> {
  const { hospitalId, onProgress } = opts;
  const { summary } = staged;
  const statementId = statementIdOf(summary.sha256);
  const stream = streamId(hospitalId, 'statement', statementId);
  const channel =
    channelOpt ?? CHANNEL_OF_SOURCE[summary.source] ?? (summary.party === 'his' ? null : summary.source);

  /** The original import's result, when this file's import has completed (by this call or another). */
  const completed = (head: ImportHead): ImportResult | undefined => {
    const done = head.last?.type === 'StatementImported' ? head.last : undefined;
    if (!done) return undefined;
    onProgress?.({ phase: 'done', lines: summary.lines, total: summary.lines });
    const started = head.started?.data as (StatementImportStarted['data'] & ImportReview) | undefined;
    return {
      statementId,
      streamId: stream,
      sha256: summary.sha256,
      duplicate: true,
      summary: (done.data as StatementImported['data']).summary,
      channel: started?.channel ?? channel,
      ...(started?.mapping ? { mapping: started.mapping } : {}),
      ...(started?.totalsCheck ? { totalsCheck: started.totalsCheck } : {}),
    };
  };
  const existing = await readImportHead(store, stream);
  const before = completed(existing);
  if (before) return before;
  const review = (await opts.review?.(summary, channel)) ?? {};
  try {
    return await writeStatement(store, source, opts, parseOpts, staged, stream, channel, existing, review);
  } catch (error) {
    if (!(error instanceof ConcurrencyError)) throw error;
    // Another import of the same bytes wrote to the stream meanwhile. If it has finished, this is a re-import
    // (a no-op); if it is still writing, say so rather than interleave with it.
    const after = completed(await readImportHead(store, stream));
    if (after) return after;
    throw new StatementError(
      'IMPORT_IN_PROGRESS',
      summary.file,
      0,
      'another import of this file is writing it now; import it again once that ends (an interrupted import resumes where it stopped)',
    );
  }
}

/**
 * Where a statement's stream stands, read without its line batches (a million-row bill holds ~240 MB of them):
 * the stream is StatementImportStarted, the batches, then StatementImported once complete.
 */
interface ImportHead {
  version: number;
  started?: RecordedEvent;
  last?: RecordedEvent;
}

async function readImportHead(store: EventStore, stream: StreamId): Promise<ImportHead> {
  const first = await store.readStream(stream, { maxCount: 1 });
  if (first.version === 0) return { version: 0 };
  const last =
    first.version === 1
      ? first.events
      : (await store.readStream(stream, { fromVersion: first.version })).events;
  return {
    version: first.version,
    ...(first.events[0]?.type === 'StatementImportStarted' ? { started: first.events[0] } : {}),
    ...(last[0] ? { last: last[0] } : {}),
  };
}

/** Writes a verified statement's events, resuming after the batches an interrupted import already wrote. */
async function writeStatement(
  store: EventStore,
  source: StatementSource,
  opts: ImportOptions,
  parseOpts: ParseOptions,
  staged: Staged,
  stream: StreamId,
  channel: string | null,
  existing: ImportHead,
  review: ImportReview,
): Promise<ImportResult> {
  const { summary } = staged;
  const { origin, at, onProgress } = opts;
  const statementId = statementIdOf(summary.sha256);
  const { started } = existing;

  const occurredAt = at ?? new Date();
  let version = existing.version;
  // A cut-off earlier import resumes after the batches it wrote (batch numbers are deterministic): every event
  // after StatementImportStarted is a batch until the completion marker, which this stream does not have yet.
  let batchesWritten = started ? existing.version - 1 : 0;
  const firstBatch =
    batchesWritten > 0
      ? (await store.readStream(stream, { fromVersion: 2, maxCount: 1 })).events[0]
      : undefined;
  const pending: NewEvent[] = [];
  if (!started) {
    const data: StatementImportStarted['data'] = {
      statementId,
      sha256: summary.sha256,
      file: summary.file,
      bytes: summary.bytes,
      format: summary.format,
      party: summary.party,
      source: summary.source,
      channel,
      merchantId: summary.merchantId ?? null,
      businessDate: summary.businessDate ?? null,
      origin: origin ?? 'api',
      lines: summary.lines,
    };
    const recorded = { ...data, ...review } as StatementImportStarted['data'] & ImportReview;
    pending.push({ type: 'StatementImportStarted', data: recorded as unknown as JsonObject, occurredAt });
  }
  // One append in flight while the next events are prepared (its expected version is the previous answer).
  let inFlight: Promise<void> = Promise.resolve();
  const flush = async () => {
    await inFlight;
    if (pending.length === 0) return;
    const events = pending.splice(0);
    inFlight = store.appendToStream(stream, events, { expectedVersion: version }).then((r) => {
      version = r.nextExpectedVersion;
    });
    // A failed append surfaces at the next flush (or at the end); until then it must not go unhandled.
    inFlight.catch(() => {});
  };

  let batchNo = 0;
  let lines = 0;
  onProgress?.({ phase: 'importing', lines: 0, total: summary.lines });
  /** Appends batch n (unless an earlier, cut-off import already wrote it). */
  const emit = async (count: number, data: (batch: number) => object, schemaVersion: number) => {
    batchNo++;
    lines += count;
    if (batchNo <= batchesWritten) return;
    pending.push({
      type: 'StatementLinesImported',
      schemaVersion,
      data: data(batchNo) as JsonObject,
      occurredAt,
    });
    if (pending.length >= BATCHES_PER_APPEND) await flush();
  };
  const progress = (buffered: number) =>
    onProgress?.({ phase: 'importing', lines: lines + buffered, total: summary.lines });
  // Resume in the encoding the cut-off import began with (batch boundaries differ between them).
  const legacy = firstBatch && !isColumnBatch(firstBatch.data) ? firstBatch.data : undefined;
  // Held only when this call writes every batch: a resumed import's first batches are what the cut-off one wrote.
  const held: LineColumns[] | undefined = opts.hold && !started ? [] : undefined;
  if (legacy === undefined) await writeColumns(staged, statementId, emit, progress, held);
  else {
    const rewrite: LegacyRewrite = { source, parseOpts, summary, statementId, emit, progress };
    if ('codec' in legacy) await writeLegacyWechatRaw(rewrite, opts.timeZone ?? DEFAULT_TIME_ZONE);
    else await writeLegacyObjects(rewrite);
  }
  batchesWritten = Math.max(batchesWritten, batchNo);
  const marker: StatementImported['data'] = {
    statementId,
    batches: batchesWritten,
    summary: summary as StatementSummary & JsonObject,
  };
  await flush();
  await inFlight;
  pending.push({ type: 'StatementImported', data: marker as unknown as JsonObject, occurredAt });
  await flush();
  await inFlight;
  onProgress?.({ phase: 'done', lines, total: summary.lines });
  // A resumed import answers what its first part recorded.
  const recorded = (started?.data as ImportReview | undefined) ?? review;
  return {
    statementId,
    streamId: stream,
    sha256: summary.sha256,
    duplicate: false,
    summary,
    channel,
    ...(recorded.mapping ? { mapping: recorded.mapping } : {}),
    ...(recorded.totalsCheck ? { totalsCheck: recorded.totalsCheck } : {}),
    ...(held ? { held: { statementId, sha256: summary.sha256, party: summary.party, batches: held } } : {}),
  };
}

type Emit = (count: number, data: (batch: number) => object, schemaVersion: number) => Promise<void>;
type Progress = (buffered: number) => void;

/**
 * The current encoding: the batches pass 1 staged as columns, numbered as they are appended; into `held`, each
 * batch's columns without its raw rows.
 */
async function writeColumns(
  staged: Staged,
  statementId: string,
  emit: Emit,
  progress: Progress,
  held: LineColumns[] | undefined,
): Promise<void> {
  for await (const columns of staged.read()) {
    if (held) {
      const { raw: _raw, ...facts } = columns;
      held.push(facts);
    }
    await emit(columns.count, (batch) => ({ statementId, batch, ...columns }), COLUMNS_SCHEMA_VERSION);
    progress(0);
  }
}

/**
 * A legacy encoding's batches are rebuilt from the statement itself: what to re-read (verified against the
 * summary pass 1 recorded) and where the batches go.
 */
interface LegacyRewrite {
  source: StatementSource;
  parseOpts: ParseOptions;
  summary: StatementSummary;
  statementId: string;
  emit: Emit;
  progress: Progress;
}

/** Legacy `wechat-raw/1` (codec.ts): only to finish an import cut off while writing it. */
async function writeLegacyWechatRaw(rewrite: LegacyRewrite, timeZone: string): Promise<void> {
  const { source, parseOpts, summary, statementId, emit, progress } = rewrite;
  let part: { lineNo: number; text: string }[] = [];
  let bytes = 0;
  let header = '';
  const flushPart = async () => {
    const rows = part;
    part = [];
    bytes = 0;
    await emit(rows.length, (n) => encodeWechatBatch(statementId, n, header, timeZone, rows), 1);
  };
  for await (const chunk of readVerifiedWechatRows(source, parseOpts, summary, RAW_LINES_PER_BATCH)) {
    header = chunk.header;
    for (const row of chunk.rows) {
      const n = rawBytes(row.text);
      if (part.length > 0 && (part.length >= RAW_LINES_PER_BATCH || bytes + n > MAX_RAW_BATCH_BYTES))
        await flushPart();
      part.push(row);
      bytes += n;
    }
    progress(part.length);
  }
  if (part.length > 0) await flushPart();
}

/** Legacy line objects: only to finish an import cut off while writing them. */
async function writeLegacyObjects(rewrite: LegacyRewrite): Promise<void> {
  const { source, parseOpts, summary, statementId, emit, progress } = rewrite;
  for await (const batch of readVerifiedStatement(source, parseOpts, summary)) {
    for (const part of splitBySize(batch.map(stored)))
      await emit(part.length, (n) => ({ statementId, batch: n, lines: part }), 1);
    progress(0);
  }
}

/** Splits a batch so each event stays under the event size limit (long raw lines, xlsx rows). */
function splitBySize(lines: (StoredStatementLine & JsonObject)[]): (StoredStatementLine & JsonObject)[][] {
  // Cheap bound first: most batches are far below the limit and are not measured line by line.
  let rough = 0;
  for (const l of lines) rough += l.raw.length * 3 + 600;
  if (rough <= MAX_BATCH_BYTES) return [lines];
  const parts: (StoredStatementLine & JsonObject)[][] = [];
  let cur: (StoredStatementLine & JsonObject)[] = [];
  let bytes = 0;
  for (const l of lines) {
    const n = Buffer.byteLength(JSON.stringify(l));
    if (cur.length > 0 && bytes + n > MAX_BATCH_BYTES) {
      parts.push(cur);
      cur = [];
      bytes = 0;
    }
    cur.push(l);
    bytes += n;
  }
  if (cur.length) parts.push(cur);
  return parts;
}
