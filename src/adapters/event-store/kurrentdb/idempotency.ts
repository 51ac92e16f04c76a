// Idempotency records: the first event of a per-key stream holds the result of the append that used the key.
import { jsonEvent, type KurrentDBClient, NO_STREAM } from '@kurrent/kurrentdb-client';
import {
  type AppendResult,
  EventStoreError,
  type Idempotency,
  type IdempotentRecord,
} from '../../../domain/event-store.ts';
import { isStreamNotFound, isWrongExpectedVersion, KurrentDbError, translateError } from './errors.ts';
import { IDEMPOTENCY_EVENT_TYPE, idempotencyStreamName } from './mapping.ts';

interface RecordData {
  key: string;
  requestHash: string;
  streamId: string;
  nextExpectedVersion: number;
  firstPosition: string;
  lastPosition: string;
}

export function encodeIdempotencyRecord(key: string, requestHash: string, result: AppendResult): RecordData {
  return {
    key,
    requestHash,
    streamId: result.streamId,
    nextExpectedVersion: result.nextExpectedVersion,
    firstPosition: result.firstPosition.toString(),
    lastPosition: result.lastPosition.toString(),
  };
}

export function decodeIdempotencyRecord(data: unknown): IdempotentRecord {
  const d = data as Partial<RecordData> | null;
  if (
    !d ||
    typeof d.key !== 'string' ||
    typeof d.requestHash !== 'string' ||
    typeof d.streamId !== 'string' ||
    typeof d.nextExpectedVersion !== 'number' ||
    typeof d.firstPosition !== 'string' ||
    typeof d.lastPosition !== 'string'
  )
    throw new KurrentDbError('KURRENTDB_FOREIGN_EVENT', 'an idempotency record has an unknown shape', false);
  return {
    key: d.key,
    requestHash: d.requestHash,
    result: {
      streamId: d.streamId,
      nextExpectedVersion: d.nextExpectedVersion,
      firstPosition: BigInt(d.firstPosition),
      lastPosition: BigInt(d.lastPosition),
      duplicate: true,
    },
  };
}

/** The answer to a request whose key was applied before: its original result, or a refusal for another request. */
export function answerFromRecord(prior: IdempotentRecord, idempotency: Idempotency): AppendResult {
  if (prior.requestHash !== idempotency.requestHash)
    throw new EventStoreError(
      'IDEMPOTENCY_KEY_REUSED',
      'idempotency key was already used for another request',
      {
        key: idempotency.key,
        stream: prior.result.streamId,
      },
    );
  return prior.result;
}

export class IdempotencyRecords {
  constructor(
    private readonly client: KurrentDBClient,
    private readonly deadline: number,
  ) {}

  async find(hospitalId: string, key: string): Promise<IdempotentRecord | undefined> {
    const stream = idempotencyStreamName(hospitalId, key);
    try {
      for await (const r of this.client.readStream(stream, { maxCount: 1, deadline: this.deadline }))
        if (r.event) return decodeIdempotencyRecord(r.event.data);
      return undefined;
    } catch (error) {
      if (isStreamNotFound(error)) return undefined;
      throw translateError(error, { operation: 'read an idempotency record' });
    }
  }

  /**
   * Records `result` as the key's answer, unless another append recorded one first: then that answer is
   * returned (or the request refused when it is another request). Only the first record counts.
   */
  async record(hospitalId: string, idempotency: Idempotency, result: AppendResult): Promise<AppendResult> {
    const stream = idempotencyStreamName(hospitalId, idempotency.key);
    try {
      await this.client.appendToStream(
        stream,
        jsonEvent({
          type: IDEMPOTENCY_EVENT_TYPE,
          data: { ...encodeIdempotencyRecord(idempotency.key, idempotency.requestHash, result) },
        }),
        { streamState: NO_STREAM, deadline: this.deadline },
      );
      return result;
    } catch (error) {
      if (!isWrongExpectedVersion(error))
        throw translateError(error, { operation: 'record an idempotency key' });
    }
    const prior = await this.find(hospitalId, idempotency.key);
    if (!prior)
      throw new KurrentDbError(
        'KURRENTDB_FAILED',
        `idempotency stream ${stream} exists but holds no record`,
        true,
      );
    return answerFromRecord(prior, idempotency);
  }
}
