// Statement lines as the matcher reads them: the few fields matching looks at, line by line, without building
// an object per line. A stored columnar batch (line-columns.ts) is read in place, column by column; line
// objects (legacy batches, tests) are read through the same view. Pure: no I/O.
import { type Column, type ColumnBatch, columnValue } from './line-columns.ts';
import type { StatementLine, StatementLineKind, StatementParty } from './statement-line.ts';

/** What the matcher reads of a line. `at` is the line's instant in epoch milliseconds. */
export interface MatchLine {
  party: StatementParty;
  kind: StatementLineKind;
  lineNo: number;
  amount: string;
  at: number;
  businessDate: string;
  fee: string | undefined;
  status: string | undefined;
  channelTxnId: string | undefined;
  merchantOrderNo: string | undefined;
  refundNo: string | undefined;
  channelRefundId: string | undefined;
  hisNo: string | undefined;
  payChannel: string | undefined;
  amounts: Record<string, string> | undefined;
}

/**
 * A batch of lines, read one at a time. `line(i)` may answer the same object each call (filled for line i):
 * a caller keeps what it needs of it, or a copy, never the object itself.
 */
export interface LineRows {
  readonly count: number;
  businessDate(i: number): string;
  at(i: number): number;
  line(i: number): MatchLine;
}

/** The columns of a stored batch the matcher reads (the raw rows need not be there). */
export type LineColumns = Omit<ColumnBatch, 'statementId' | 'batch' | 'raw' | 'codec'>;

const blank = (party: StatementParty): MatchLine => ({
  party,
  kind: 'payment',
  lineNo: 0,
  amount: '',
  at: 0,
  businessDate: '',
  fee: undefined,
  status: undefined,
  channelTxnId: undefined,
  merchantOrderNo: undefined,
  refundNo: undefined,
  channelRefundId: undefined,
  hisNo: undefined,
  payChannel: undefined,
  amounts: undefined,
});

/** A columnar batch read in place; `party` is the statement's (the batch does not repeat it). */
export function columnRows(b: LineColumns, party: StatementParty): LineRows {
  const n = b.count;
  const times = b.occurredAt;
  let ms: Float64Array | undefined;
  if ('dt' in times) {
    ms = new Float64Array(n);
    let t = times.t0;
    for (let i = 0; i < n; i++) ms[i] = t += times.dt[i]!;
  }
  const text = (k: string) => b.text[k] as Column<string> | undefined;
  const [fee, status, txn, order, refundNo, refundId, hisNo, payChannel] = [
    'fee',
    'status',
    'channelTxnId',
    'merchantOrderNo',
    'refundNo',
    'channelRefundId',
    'hisNo',
    'payChannel',
  ].map(text);
  const amounts = b.objects?.amounts;
  const lineNo = b.lineNo;
  const at = ms ? (i: number) => ms[i]! : (i: number) => Date.parse(columnValue(times as Column<string>, i)!);
  const cur = blank(party);
  return {
    count: n,
    businessDate: (i) => columnValue(b.businessDate, i)!,
    at,
    line(i) {
      cur.kind = columnValue(b.kind, i) as StatementLineKind;
      cur.lineNo = Array.isArray(lineNo) ? lineNo[i]! : lineNo.first + i;
      cur.amount = columnValue(b.amount, i)!;
      cur.at = at(i);
      cur.businessDate = columnValue(b.businessDate, i)!;
      cur.fee = columnValue(fee, i);
      cur.status = columnValue(status, i);
      cur.channelTxnId = columnValue(txn, i);
      cur.merchantOrderNo = columnValue(order, i);
      cur.refundNo = columnValue(refundNo, i);
      cur.channelRefundId = columnValue(refundId, i);
      cur.hisNo = columnValue(hisNo, i);
      cur.payChannel = columnValue(payChannel, i);
      cur.amounts = (amounts?.[i] ?? undefined) as Record<string, string> | undefined;
      return cur;
    },
  };
}

/** Line objects (a legacy batch, a test's lines) read through the same view. */
export function objectRows(lines: readonly StatementLine[]): LineRows {
  const cur = blank('channel');
  return {
    count: lines.length,
    businessDate: (i) => lines[i]!.businessDate,
    at: (i) => Date.parse(lines[i]!.occurredAt),
    line(i) {
      const l = lines[i]!;
      cur.party = l.party;
      cur.kind = l.kind;
      cur.lineNo = l.lineNo;
      cur.amount = l.amount;
      cur.at = Date.parse(l.occurredAt);
      cur.businessDate = l.businessDate;
      cur.fee = l.fee;
      cur.status = l.status;
      cur.channelTxnId = l.channelTxnId;
      cur.merchantOrderNo = l.merchantOrderNo;
      cur.refundNo = l.refundNo;
      cur.channelRefundId = l.channelRefundId;
      cur.hisNo = l.hisNo;
      cur.payChannel = l.payChannel;
      cur.amounts = l.amounts;
      return cur;
    },
  };
}

/** Lines already copied out of a batch (the few a pass keeps for the next). */
export function matchLineRows(lines: readonly MatchLine[]): LineRows {
  return {
    count: lines.length,
    businessDate: (i) => lines[i]!.businessDate,
    at: (i) => lines[i]!.at,
    line: (i) => lines[i]!,
  };
}

/**
 * A statement this process has just imported, its verified lines held as the columns it appended (without the
 * raw rows): a run of the same job matches them from memory instead of reading its events back.
 */
export interface HeldStatement {
  statementId: string;
  sha256: string;
  party: StatementParty;
  batches: readonly LineColumns[];
}
