// How statement lines are stored in StatementLinesImported events, and read back.
//
// Every import writes the columnar encoding (schema version 2, codec `columns/1`,
// src/domain/reconciliation/line-columns.ts): the normalized fields beside the raw rows, decoded without a
// parser. Two LEGACY encodings (schema version 1) are still read, because events are never rewritten:
//   * objects (no `codec`): the normalized StatementLine objects without the fields the statement shares —
//     they carry their facts, the domain decodes them too;
//   * `wechat-raw/1` (WeChat Pay trade bills, until columns/1): only what the file said — the header line, the
//     detail rows' raw text joined by "\n", their line numbers (`first` when consecutive, else `lineNos`) and
//     the zone of the file's wall-clock times. Its normalized fields were never stored, so reading it re-parses
//     each row with WechatBillParser's versioned row reader (WECHAT_ROW_VERSION, the `/1`): a change to what a
//     row normalises to must keep this reading for the stored `/1` events.
// The legacy writers below stay only to finish an import that was cut off while writing a legacy encoding
// (its batch boundaries are fixed by what it already wrote); no new import begins in one.
import type { StatementImportStarted } from '../../domain/reconciliation/events.ts';
import { decodeStoredLines } from '../../domain/reconciliation/line-columns.ts';
import type { StatementLine } from '../../domain/reconciliation/statement-line.ts';
import { WechatBillParser } from './wechat.ts';

/** The legacy raw encoding: rows re-read with the first version of the WeChat row reading (rowVersion 1). */
export const WECHAT_RAW_CODEC = 'wechat-raw/1' as const;

/** Data of a legacy StatementLinesImported event in the raw WeChat encoding. */
export interface WechatRawBatch {
  statementId: string;
  batch: number;
  codec: typeof WECHAT_RAW_CODEC;
  /** The bill's detail header line (交易时间,…), as in the file. */
  header: string;
  /** Zone of the file's wall-clock times (the import's timeZone option). */
  timeZone: string;
  /** Line number of the first row; the rows follow on consecutive lines unless `lineNos` is given. */
  first: number;
  lineNos?: number[];
  /** The rows' raw text (as decoded), joined by "\n" (a decoded line never holds one). */
  raw: string;
}

/** Legacy writer: a batch of WeChat rows in `wechat-raw/1` (only to resume an import begun in it). */
export function encodeWechatBatch(
  statementId: string,
  batch: number,
  header: string,
  timeZone: string,
  rows: readonly { lineNo: number; text: string }[],
): WechatRawBatch {
  const first = rows[0]?.lineNo ?? 0;
  let consecutive = true;
  for (let i = 0; i < rows.length; i++)
    if (rows[i]!.lineNo !== first + i) {
      consecutive = false;
      break;
    }
  const data: WechatRawBatch = {
    statementId,
    batch,
    codec: WECHAT_RAW_CODEC,
    header,
    timeZone,
    first,
    raw: rows.map((r) => r.text).join('\n'),
  };
  if (!consecutive) data.lineNos = rows.map((r) => r.lineNo);
  return data;
}

/** The normalized lines of a stored batch, whichever its encoding (the legacy raw one through its parser). */
export function decodeStatementBatch(
  data: Record<string, unknown>,
  head: StatementImportStarted['data'],
): StatementLine[] {
  const lines = decodeStoredLines(data, head);
  if (lines) return lines;
  const d = data as unknown as WechatRawBatch;
  if (d.codec !== WECHAT_RAW_CODEC) throw new Error(`unknown statement line codec ${String(d.codec)}`);
  if (d.raw === '') return [];
  // A parser per batch: it was verified whole at import; the row reader of its time re-derives the fields.
  const parser = new WechatBillParser({ file: head.file, timeZone: d.timeZone, rowVersion: 1 });
  parser.readHeader({ lineNo: 0, text: d.header });
  const texts = d.raw.split('\n');
  const out = new Array<StatementLine>(texts.length);
  for (let i = 0; i < texts.length; i++) {
    const lineNo = d.lineNos ? d.lineNos[i]! : d.first + i;
    out[i] = parser.readRow({ lineNo, text: texts[i]! });
  }
  return out;
}
