// How statement lines are stored in StatementLinesImported events, and read back.
//
// Two encodings, told apart by `codec` in the event data (schema version 1 for both; readers take either):
//   * objects (no `codec`; every format): `lines` = the normalized StatementLine objects without the fields
//     the whole statement shares (party, source, format, hospitalId: in StatementImportStarted).
//   * `wechat-raw/1` (WeChat Pay trade bills): only what the file said — the header line, the detail rows'
//     raw text joined by "\n" and their line numbers (`first` when consecutive, else `lineNos`) and the time
//     zone of the file's wall-clock times. The normalized fields are derived on read by re-parsing each row
//     with WechatBillParser, whose row normalisation is versioned (WECHAT_ROW_VERSION, the `/1`): a change
//     to what a row normalises to must bump the version and keep this reading for the stored `/1` events.
//     The raw line, its line number and the file hash (stream id, StatementImportStarted) stay for audit;
//     a million rows take ~240 MB of text instead of ~625 MB of JSON objects, and the store neither builds
//     nor hashes nor parses a million small objects.
import type {
  StatementImportStarted,
  StatementLinesImported,
  StoredStatementLine,
} from '../../domain/reconciliation/events.ts';
import type { StatementLine } from '../../domain/reconciliation/statement-line.ts';
import { WECHAT_ROW_VERSION, WechatBillParser } from './wechat.ts';

export const WECHAT_RAW_CODEC = `wechat-raw/${WECHAT_ROW_VERSION}` as const;

/** Data of a StatementLinesImported event in the raw WeChat encoding. */
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

/** Statement formats whose lines are stored raw (the others as objects). */
export function rawCodecOf(format: string): typeof WECHAT_RAW_CODEC | undefined {
  return format === 'wechat' ? WECHAT_RAW_CODEC : undefined;
}

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
  const texts = new Array<string>(rows.length);
  for (let i = 0; i < rows.length; i++) texts[i] = rows[i]!.text;
  const data: WechatRawBatch = {
    statementId,
    batch,
    codec: WECHAT_RAW_CODEC,
    header,
    timeZone,
    first,
    raw: texts.join('\n'),
  };
  if (!consecutive) data.lineNos = rows.map((r) => r.lineNo);
  return data;
}

type AnyBatch = StatementLinesImported['data'] | WechatRawBatch;

/** The normalized lines of a stored batch, whichever its encoding. */
export function decodeStatementBatch(
  data: AnyBatch | Record<string, unknown>,
  head: StatementImportStarted['data'],
): StatementLine[] {
  const d = data as AnyBatch;
  if (!('codec' in d)) {
    const out = new Array<StatementLine>(d.lines.length);
    for (let i = 0; i < d.lines.length; i++)
      out[i] = {
        ...(d.lines[i] as StoredStatementLine),
        party: head.party,
        source: head.source,
        format: head.format,
      } as StatementLine;
    return out;
  }
  if (d.codec !== WECHAT_RAW_CODEC) throw new Error(`unknown statement line codec ${String(d.codec)}`);
  if (d.raw === '') return [];
  // A parser per batch: it was verified whole at import; the row reader re-derives the normalized fields.
  const parser = new WechatBillParser({ file: head.file, timeZone: d.timeZone });
  parser.readHeader({ lineNo: 0, text: d.header });
  const texts = d.raw.split('\n');
  const out = new Array<StatementLine>(texts.length);
  for (let i = 0; i < texts.length; i++) {
    const lineNo = d.lineNos ? d.lineNos[i]! : d.first + i;
    out[i] = parser.readRow({ lineNo, text: texts[i]! });
  }
  return out;
}
