// The one error a statement parser throws: a whole file is refused with its line and reason.

export const STATEMENT_ERROR_CODES = [
  'MALFORMED_LINE',
  'MALFORMED_FILE',
  'MISSING_HEADER',
  'TOTALS_MISMATCH',
  'WRONG_MERCHANT',
  'WRONG_DATE',
  'TRUNCATED',
  'UNSUPPORTED_FORMAT',
  'LIMIT_EXCEEDED',
  'FILE_CHANGED',
  /** The same file is being imported by another call right now. */
  'IMPORT_IN_PROGRESS',
] as const;
export type StatementErrorCode = (typeof STATEMENT_ERROR_CODES)[number];

export class StatementError extends Error {
  override readonly name = 'StatementError';
  constructor(
    readonly code: StatementErrorCode,
    readonly file: string,
    /** 1-based line (xlsx: row) the problem is on; 0 when it concerns the whole file. */
    readonly line: number,
    readonly reason: string,
  ) {
    super(`${file}:${line}: ${reason} (${code})`);
  }
}

export function isStatementError(e: unknown): e is StatementError {
  return e instanceof StatementError;
}

/** A parser-internal failure located at a line; the driver turns it into a StatementError with the file name. */
export class LineFault extends Error {
  constructor(
    readonly code: StatementErrorCode,
    readonly line: number,
    readonly reason: string,
  ) {
    super(reason);
  }
}

export function fault(code: StatementErrorCode, line: number, reason: string): LineFault {
  return new LineFault(code, line, reason);
}
