// The contract between the streaming driver (index.ts) and one format's record parser.
import type { AmountUnit } from './amount.ts';
import type {
  StatementFormat,
  StatementLine,
  StatementLineKind,
  StatementParty,
  TotalsCheck,
} from '../../domain/reconciliation/statement-line.ts';

/** One physical record: a text line, or a worksheet row (then `cells` holds the cell texts). */
export interface RawRecord {
  lineNo: number;
  text: string;
  cells?: string[];
  /** A JSON record (json container). */
  object?: Record<string, unknown>;
  /** The JSON document's top-level keys other than the records (sent once, last). */
  meta?: Record<string, unknown>;
}

export interface ParseContext {
  file: string;
  timeZone: string;
  /** Expected merchant / account id; a line or header for another one refuses the file. */
  merchantId?: string;
  /** Expected business date (`yyyy-MM-dd`); a line of another date refuses the file. */
  businessDate?: string;
  hospitalId?: string;
  /** Unit of the amounts of a layout that does not state it (the acquirer-issued WeChat bill). */
  amountUnit?: AmountUnit;
  /** WeChat rows stored raw under an older row version are re-read as that version read them. */
  rowVersion?: number;
}

export interface ParserResult {
  checks: TotalsCheck[];
  /** How many totals the file stated; each must be in `checks` (the driver refuses the file otherwise). */
  stated: number;
  merchantId?: string;
  businessDate?: string;
  /** The mapping that read the file (mapping-driven formats). */
  mapping?: string;
}

/**
 * A record parser sees every record in order; it returns a normalized line, or undefined for
 * header/footer/blank records, and throws a LineFault to refuse the file.
 */
export interface RecordParser {
  readonly format: StatementFormat;
  readonly party: StatementParty;
  readonly source: string;
  push(rec: RawRecord): StatementLine | undefined;
  /** True once the file's closing part (summary/footer) was read: a fault after that is not truncation. */
  complete(): boolean;
  /** Called after the last record: checks footer totals against the rows. */
  finish(lastLineNo: number): ParserResult;
}

export type { StatementLineKind };
