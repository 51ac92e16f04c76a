// Why a statement source could not be read: the worker records the code and keeps looking until the deadline.
export class SourceError extends Error {
  constructor(
    readonly code: 'SOURCE_UNREACHABLE' | 'SOURCE_REFUSED' | 'SOURCE_TOO_LARGE' | 'SOURCE_NOT_CONFIGURED',
    message: string,
  ) {
    super(message);
    this.name = 'SourceError';
  }
}
