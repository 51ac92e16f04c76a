// Translation of the KurrentDB client's errors into the port's errors (what a caller can act on) and into
// typed transport errors that say whether trying again may help.
import {
  AccessDeniedError,
  AppendRecordSizeExceededError,
  DeadlineExceededError,
  MaxAppendSizeExceededError,
  NotLeaderError,
  StreamDeletedError,
  StreamNotFoundError,
  StreamTombstonedError,
  TimeoutError,
  TransactionMaxSizeExceededError,
  UnavailableError,
  WrongExpectedVersionError,
} from '@kurrent/kurrentdb-client';
import {
  ConcurrencyError,
  EventStoreError,
  type ExpectedVersion,
  type StreamId,
} from '../../../domain/event-store.ts';
import { versionOfState } from './revisions.ts';

export type KurrentDbErrorCode =
  | 'KURRENTDB_UNAVAILABLE'
  | 'KURRENTDB_TIMEOUT'
  | 'KURRENTDB_NOT_LEADER'
  | 'KURRENTDB_ACCESS_DENIED'
  | 'KURRENTDB_UNSUPPORTED'
  | 'KURRENTDB_FOREIGN_EVENT'
  | 'KURRENTDB_FAILED';

/** A failure of the KurrentDB connection or server, not of the request's content. */
export class KurrentDbError extends Error {
  constructor(
    readonly code: KurrentDbErrorCode,
    message: string,
    /** True when the same request may succeed later (an idempotency key makes a retried append safe). */
    readonly retryable: boolean,
    options?: { cause?: unknown },
  ) {
    super(message, options);
    this.name = 'KurrentDbError';
  }
}

/** No server answers (refused, down, unreachable, TLS handshake failed). */
export class KurrentDbUnavailableError extends KurrentDbError {
  constructor(operation: string, cause?: unknown) {
    super('KURRENTDB_UNAVAILABLE', `KurrentDB is unavailable (${operation}): ${messageOf(cause)}`, true, {
      cause,
    });
    this.name = 'KurrentDbUnavailableError';
  }
}

/** The deadline passed. An append that timed out may still have been written: retry it with its idempotency key. */
export class KurrentDbTimeoutError extends KurrentDbError {
  constructor(operation: string, cause?: unknown) {
    super('KURRENTDB_TIMEOUT', `KurrentDB did not answer in time (${operation}): ${messageOf(cause)}`, true, {
      cause,
    });
    this.name = 'KurrentDbTimeoutError';
  }
}

/** The node asked is a follower; the client rediscovers the leader, so the same request may be sent again. */
export class KurrentDbNotLeaderError extends KurrentDbError {
  constructor(
    operation: string,
    readonly leader: { address: string; port: number } | undefined,
    cause?: unknown,
  ) {
    super(
      'KURRENTDB_NOT_LEADER',
      `KurrentDB node is not the leader (${operation})${leader ? `; leader: ${leader.address}:${leader.port}` : ''}`,
      true,
      { cause },
    );
    this.name = 'KurrentDbNotLeaderError';
  }
}

export interface ErrorContext {
  operation: string;
  stream?: StreamId;
  expected?: ExpectedVersion;
}

/** gRPC status codes the client passes through untranslated (appends with nothing listening fail with 14). */
const GRPC_DEADLINE_EXCEEDED = 4;
const GRPC_UNAVAILABLE = 14;

/** The port's error (or a typed transport error) for whatever the client threw. */
export function translateError(error: unknown, context: ErrorContext): Error {
  if (error instanceof EventStoreError || error instanceof KurrentDbError) return error;
  const { operation, stream } = context;
  if (isA(error, WrongExpectedVersionError, 'wrong-expected-version')) {
    const e = error as WrongExpectedVersionError;
    if (stream !== undefined && context.expected !== undefined)
      return new ConcurrencyError(stream, context.expected, versionOfState(e.actualState));
    return new EventStoreError('CONCURRENCY_CONFLICT', `${operation}: ${e.message}`, { stream });
  }
  if (isA(error, StreamNotFoundError, 'stream-not-found'))
    return new EventStoreError('STREAM_NOT_FOUND', `stream ${stream ?? '?'} does not exist`, { stream });
  if (
    isA(error, StreamDeletedError, 'stream-deleted') ||
    isA(error, StreamTombstonedError, 'stream-tombstoned')
  )
    return new EventStoreError('STREAM_NOT_FOUND', `stream ${stream ?? '?'} was deleted in KurrentDB`, {
      stream,
      deleted: true,
    });
  if (
    isA(error, MaxAppendSizeExceededError, 'maximum-append-size-exceeded') ||
    isA(error, TransactionMaxSizeExceededError, 'transaction-max-size-exceeded') ||
    isA(error, AppendRecordSizeExceededError, 'append-record-size-exceeded')
  )
    return new EventStoreError(
      'PAYLOAD_TOO_LARGE',
      `KurrentDB refused the append as too large: ${messageOf(error)}`,
      {
        stream,
      },
    );
  if (isA(error, NotLeaderError, 'not-leader'))
    return new KurrentDbNotLeaderError(operation, (error as NotLeaderError).leader, error);
  if (isA(error, DeadlineExceededError, 'deadline-exceeded') || isA(error, TimeoutError, 'timeout'))
    return new KurrentDbTimeoutError(operation, error);
  if (isA(error, UnavailableError, 'unavailable')) return new KurrentDbUnavailableError(operation, error);
  if (isA(error, AccessDeniedError, 'access-denied'))
    return new KurrentDbError(
      'KURRENTDB_ACCESS_DENIED',
      `KurrentDB denied ${operation}: check the user in KURRENTDB_URL and the stream ACLs`,
      false,
      { cause: error },
    );
  const code = (error as { code?: unknown } | null)?.code;
  if (code === GRPC_UNAVAILABLE) return new KurrentDbUnavailableError(operation, error);
  if (code === GRPC_DEADLINE_EXCEEDED) return new KurrentDbTimeoutError(operation, error);
  return new KurrentDbError('KURRENTDB_FAILED', `KurrentDB ${operation} failed: ${messageOf(error)}`, false, {
    cause: error,
  });
}

export function isWrongExpectedVersion(error: unknown): error is WrongExpectedVersionError {
  return isA(error, WrongExpectedVersionError, 'wrong-expected-version');
}

export function isStreamNotFound(error: unknown): boolean {
  return isA(error, StreamNotFoundError, 'stream-not-found');
}

/** By class, or by the client's `type` tag when the error crossed a second copy of the client module. */
function isA(error: unknown, kind: abstract new (...args: never[]) => Error, type: string): boolean {
  return error instanceof kind || (error as { type?: unknown } | null)?.type === type;
}

function messageOf(error: unknown): string {
  if (error instanceof Error) return error.message || error.name;
  return String(error);
}
