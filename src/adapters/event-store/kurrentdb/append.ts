// Appends: read the head, continue the hash chain from it, write at exactly that revision; with an
// idempotency key, find an earlier attempt's events and record the result.
import type { KurrentDBClient } from '@kurrent/kurrentdb-client';
import {
  type AppendOptions,
  type AppendResult,
  ConcurrencyError,
  EventStoreError,
  type ExpectedVersion,
  type NewEvent,
  parseStreamId,
  type StreamId,
} from '../../../domain/event-store.ts';
import { genesisHash } from '../hashing.ts';
import { checkExpectedVersion, checkIdempotency, type PreparedEvent, prepareEvents } from '../validation.ts';
import { isWrongExpectedVersion, KurrentDbError, translateError } from './errors.ts';
import { answerFromRecord, type IdempotencyRecords } from './idempotency.ts';
import { idempotentEventId, type KurrentLedgerEvent, kurrentStreamName, toEventData } from './mapping.ts';
import { streamStateOfVersion } from './revisions.ts';
import type { Head, LedgerStreams } from './streams.ts';

/** Rounds of read-head-then-append for one append: 'any' and 'exists' retry when another writer moved the stream. */
const MAX_APPEND_ROUNDS = 16;

export class Appender {
  constructor(
    private readonly client: KurrentDBClient,
    private readonly streams: LedgerStreams,
    private readonly idempotency: IdempotencyRecords,
    private readonly deadlineMs: number,
  ) {}

  async append(stream: StreamId, events: readonly NewEvent[], options: AppendOptions): Promise<AppendResult> {
    const { hospitalId } = parseStreamId(stream);
    const expected = checkExpectedVersion(options?.expectedVersion);
    const idem = options.idempotency;
    if (idem) checkIdempotency(idem.key, idem.requestHash);
    const prepared = prepareEvents(
      stream,
      events,
      idem ? (i) => idempotentEventId(hospitalId, idem.key, i) : undefined,
    );
    for (let round = 1; ; round++) {
      if (idem) {
        const prior = await this.idempotency.find(hospitalId, idem.key);
        if (prior) return answerFromRecord(prior, idem);
      }
      const head = await this.streams.head(stream);
      const version = head?.version ?? 0;
      let written = idem ? await this.findWritten(stream, expected, version, prepared) : undefined;
      if (!written) {
        checkExpectation(stream, expected, version);
        try {
          written = await this.write(stream, prepared, head);
        } catch (error) {
          // Someone else appended between the head read and the write: the next round decides again.
          if (isWrongExpectedVersion(error) && round < MAX_APPEND_ROUNDS) continue;
          throw translateError(error, { operation: `append to ${stream}`, stream, expected });
        }
      }
      const result: AppendResult = {
        streamId: stream,
        nextExpectedVersion: written.at(-1)!.streamVersion,
        firstPosition: written[0]!.position,
        lastPosition: written.at(-1)!.position,
        duplicate: false,
      };
      return idem ? this.idempotency.record(hospitalId, idem, result) : result;
    }
  }

  /** Appends at exactly the head's revision and returns the events as stored (with their positions). */
  private async write(
    stream: StreamId,
    prepared: readonly PreparedEvent[],
    head: Head | undefined,
  ): Promise<KurrentLedgerEvent[]> {
    const version = head?.version ?? 0;
    const chained = toEventData(stream, prepared, head?.hash ?? genesisHash(stream), version + 1);
    await this.client.appendToStream(
      kurrentStreamName(stream),
      chained.map((c) => c.event),
      { streamState: streamStateOfVersion(version), deadline: this.deadlineMs },
    );
    // Read back: the append answers the last position only, and each event has its own.
    const stored = await this.streams.versions(stream, version + 1, prepared.length);
    if (stored.length !== prepared.length || stored.some((e, i) => e.eventId !== prepared[i]!.eventId))
      throw new KurrentDbError(
        'KURRENTDB_FAILED',
        `the events read back from ${stream} after an append are not those appended`,
        false,
      );
    return stored;
  }

  /**
   * The events of this idempotent append if an earlier attempt already stored them (a crash or timeout
   * between the events and the record): at the expected version for an exact one, at the tail otherwise.
   */
  private async findWritten(
    stream: StreamId,
    expected: ExpectedVersion,
    version: number,
    prepared: readonly PreparedEvent[],
  ): Promise<KurrentLedgerEvent[] | undefined> {
    const n = prepared.length;
    const before = typeof expected === 'number' ? expected : expected === 'no_stream' ? 0 : version - n;
    if (before < 0 || version < before + n) return undefined;
    const stored = await this.streams.versions(stream, before + 1, n);
    const same = stored.length === n && stored.every((e, i) => e.eventId === prepared[i]!.eventId);
    return same ? stored : undefined;
  }
}

/** The checks KurrentDB would make with our expected version, made on the head just read (the append then pins it). */
export function checkExpectation(stream: StreamId, expected: ExpectedVersion, version: number): void {
  if (expected === 'any') return;
  if (expected === 'exists') {
    if (version === 0)
      throw new EventStoreError('STREAM_NOT_FOUND', `stream ${stream} does not exist`, { stream });
    return;
  }
  const wanted = expected === 'no_stream' ? 0 : expected;
  if (version !== wanted) throw new ConcurrencyError(stream, expected, version);
}
