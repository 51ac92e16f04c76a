import {
  BACKWARDS,
  END,
  type FORWARDS,
  type KurrentDBClient,
  type ResolvedEvent,
} from '@kurrent/kurrentdb-client';
import type { StreamId } from '../../../domain/event-store.ts';
import { isStreamNotFound, translateError } from './errors.ts';
import { fromResolved, type KurrentLedgerEvent, kurrentStreamName } from './mapping.ts';
import { revisionOfVersion } from './revisions.ts';

/** Where a stream stands: its version and the hash the next event chains to. */
export interface Head {
  version: number;
  hash: Buffer;
}

/** Reads of one ledger stream: a missing stream reads as empty, failures as the port's errors. */
export class LedgerStreams {
  constructor(
    private readonly client: KurrentDBClient,
    private readonly deadlineMs: number,
  ) {}

  async *read(
    stream: StreamId,
    options: {
      direction?: typeof BACKWARDS | typeof FORWARDS;
      fromRevision?: bigint | typeof END;
      maxCount?: number;
    },
  ): AsyncGenerator<ResolvedEvent> {
    try {
      yield* this.client.readStream(kurrentStreamName(stream), { ...options, deadline: this.deadlineMs });
    } catch (error) {
      if (isStreamNotFound(error)) return;
      throw translateError(error, { operation: `read ${stream}`, stream });
    }
  }

  /** The stream's version and last hash; undefined when it does not exist. */
  async head(stream: StreamId): Promise<Head | undefined> {
    for await (const r of this.read(stream, { direction: BACKWARDS, fromRevision: END, maxCount: 1 })) {
      const e = fromResolved(r);
      if (e) return { version: e.streamVersion, hash: Buffer.from(e.hash, 'hex') };
    }
    return undefined;
  }

  /** At most `count` events from `fromVersion` on, as stored. */
  async versions(stream: StreamId, fromVersion: number, count: number): Promise<KurrentLedgerEvent[]> {
    const out: KurrentLedgerEvent[] = [];
    for await (const r of this.read(stream, {
      fromRevision: revisionOfVersion(fromVersion),
      maxCount: count,
    })) {
      const e = fromResolved(r);
      if (e) out.push(e);
    }
    return out;
  }
}
