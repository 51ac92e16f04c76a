// Pass 1 of an import, staged: the file is parsed and verified once, and each batch of its lines is encoded as
// columns (src/domain/reconciliation/line-columns.ts) into a temporary file as it goes. Only when the whole file
// verified are the staged batches appended (import.ts), so a refused file still writes nothing, and what is
// written is exactly what was verified (the bytes were hashed in the same read). The staged batches wait on
// disk, not in memory: a million-line bill stages ~300 MB.
import { createReadStream, createWriteStream } from 'node:fs';
import { mkdtemp, rm } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { LIMITS } from '../../domain/event-store.ts';
import { type ColumnBatch, encodeLineColumns } from '../../domain/reconciliation/line-columns.ts';
import type { StatementLine, StatementSummary } from '../../domain/reconciliation/statement-line.ts';
import { type ParseOptions, parseStatement } from './index.ts';
import type { StatementSource } from './source.ts';

/** Lines per StatementLinesImported in the columnar encoding (a WeChat line is ~300 bytes there). */
export const COLUMN_LINES_PER_BATCH = 3_000;
/** Serialized bytes one StatementLinesImported may reach before its batch is cut (headroom under 1 MiB). */
export const MAX_BATCH_BYTES = LIMITS.maxEventBytes - 64 * 1024;

/** A staged batch: the columns without the statement id and batch number (known once the file is hashed). */
export type StagedBatch = Omit<ColumnBatch, 'statementId' | 'batch'>;

export interface Staged {
  summary: StatementSummary;
  batches: number;
  /** The staged batches in order (each read from disk as it is asked for). */
  read(): AsyncGenerator<StagedBatch>;
  /** Removes the staging files (always call it, also after a failure). */
  discard(): Promise<void>;
}

/** Reads, verifies and stages a statement; throws its StatementError (staging discarded) when refused. */
export async function stageStatement(
  source: StatementSource,
  parseOpts: ParseOptions,
  onLines?: (lines: number) => void,
): Promise<Staged> {
  const dir = await mkdtemp(path.join(os.tmpdir(), 'statement-'));
  const file = path.join(dir, 'batches.jsonl');
  const discard = () => rm(dir, { recursive: true, force: true });
  try {
    const out = createWriteStream(file);
    const failed = new Promise<never>((_, reject) => out.once('error', reject));
    failed.catch(() => {});
    const write = async (text: string) => {
      // JSON text never holds a raw newline: one batch per line.
      if (!out.write(`${text}\n`))
        await Promise.race([new Promise<void>((r) => out.once('drain', () => r())), failed]);
    };
    let part: StatementLine[] = [];
    let bytes = 0;
    let batches = 0;
    let lines = 0;
    const cut = async () => {
      const { statementId: _s, batch: _b, ...columns } = encodeLineColumns('', 0, part);
      batches++;
      part = [];
      bytes = 0;
      await write(JSON.stringify(columns));
    };
    const it = parseStatement(source, parseOpts);
    let summary: StatementSummary;
    for (;;) {
      const r = await it.next();
      if (r.done) {
        summary = r.value;
        break;
      }
      for (const line of r.value) {
        const n = columnBytes(line);
        if (part.length > 0 && (part.length >= COLUMN_LINES_PER_BATCH || bytes + n > MAX_BATCH_BYTES))
          await cut();
        part.push(line);
        bytes += n;
      }
      lines += r.value.length;
      onLines?.(lines);
    }
    if (part.length > 0) await cut();
    await new Promise<void>((resolve, reject) => out.end((e?: Error | null) => (e ? reject(e) : resolve())));
    return {
      summary,
      batches,
      async *read() {
        for await (const text of stagedLines(file)) yield JSON.parse(text) as StagedBatch;
      },
      discard,
    };
  } catch (e) {
    await discard();
    throw e;
  }
}

/** Bytes read from the staging file at a time. */
const STAGING_READ_BYTES = 1024 * 1024;

/**
 * The staged batches' texts, one at a time: the file is read only as fast as the batches are appended (a line
 * reader that buffers ahead would hold the whole staging file in memory).
 */
async function* stagedLines(file: string): AsyncGenerator<string> {
  let pending: Buffer[] = [];
  for await (const chunk of createReadStream(file, {
    highWaterMark: STAGING_READ_BYTES,
  }) as AsyncIterable<Buffer>) {
    let from = 0;
    for (let nl = chunk.indexOf(10); nl >= 0; nl = chunk.indexOf(10, from)) {
      pending.push(chunk.subarray(from, nl));
      const text = Buffer.concat(pending).toString('utf8');
      pending = [];
      from = nl + 1;
      if (text !== '') yield text;
    }
    if (from < chunk.length) pending.push(chunk.subarray(from));
  }
  if (pending.length > 0) {
    const text = Buffer.concat(pending).toString('utf8');
    if (text !== '') yield text;
  }
}

/** A character JSON escapes: a quote, a backslash or a control character. */
// biome-ignore lint/suspicious/noControlCharactersInRegex: the control characters are what it looks for
const JSON_ESCAPED = /["\\\u0000-\u001f]/;

/** UTF-8 bytes of a raw line as JSON text, plus its separator (a native scan: a million lines per import). */
export function rawBytes(text: string): number {
  return JSON_ESCAPED.test(text) ? Buffer.byteLength(JSON.stringify(text)) : Buffer.byteLength(text) + 1;
}

/**
 * Upper bound of a line's bytes in a columnar batch: its raw row as JSON text plus each normalized field with
 * its quotes and comma (fields of a non-ASCII row are counted at three bytes a character).
 */
function columnBytes(line: StatementLine): number {
  const raw = rawBytes(line.raw);
  let fields = 40; // kind, times, line no, separators
  for (const k in line) {
    if (k === 'raw') continue;
    const v = (line as unknown as Record<string, unknown>)[k];
    if (typeof v === 'string') fields += v.length + 3;
    else if (typeof v === 'object' && v !== null) fields += JSON.stringify(v).length + 1;
  }
  return raw + (raw > line.raw.length + 1 ? fields * 3 : fields);
}
