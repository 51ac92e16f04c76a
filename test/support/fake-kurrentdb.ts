// An in-memory stand-in for the KurrentDB client, with the server semantics the adapter relies on (as the
// client's typings and KurrentDB's documentation describe them): revisions from 0, expected-state checks
// with WrongExpectedVersionError, idempotent re-appends of the same event ids at the same place,
// StreamNotFoundError while iterating a missing stream, inclusive $all reads by commit position, regex
// filters on event type or stream name, and a live $all subscription. It lets the contract suite exercise
// the adapter's logic where no server can run; it is no substitute for running it against KurrentDB.
import { EventEmitter } from 'node:events';
import {
  type AppendResult,
  type AppendStreamState,
  type EventData,
  type Filter,
  type KurrentDBClient,
  NO_STREAM,
  type Position,
  StreamNotFoundError,
  WrongExpectedVersionError,
} from '@kurrent/kurrentdb-client';

interface Stored {
  streamId: string;
  id: string;
  isJson: true;
  revision: bigint;
  type: string;
  created: Date;
  data: unknown;
  metadata: unknown;
  position: Position;
}

const FIRST_POSITION = 1_000n;
const POSITION_STEP = 137n;

export class FakeKurrentDb {
  private readonly log: Stored[] = [];
  private readonly streams = new Map<string, Stored[]>();
  private readonly live = new Set<{ filter?: Filter; emitter: EventEmitter }>();
  private next = FIRST_POSITION;
  appends = 0;

  asClient(): KurrentDBClient {
    return this as unknown as KurrentDBClient;
  }

  async appendToStream(
    streamName: string,
    event: EventData | EventData[],
    options: { streamState?: AppendStreamState } = {},
  ): Promise<AppendResult> {
    await Promise.resolve();
    const events = Array.isArray(event) ? event : [event];
    const stream = this.streams.get(streamName) ?? [];
    const current = stream.length === 0 ? NO_STREAM : BigInt(stream.length - 1);
    const state = options.streamState ?? 'any';
    // The server answers a re-sent write that is already there (same ids at the same place) with success.
    const at =
      state === 'any'
        ? stream.findIndex((s) => s.id === events[0]!.id)
        : state === NO_STREAM
          ? 0
          : state === 'stream_exists'
            ? -1
            : Number(state) + 1;
    if (
      at >= 0 &&
      at + events.length <= stream.length &&
      events.every((e, i) => stream[at + i]!.id === e.id)
    ) {
      const last = stream[at + events.length - 1]!;
      return { success: true, nextExpectedRevision: last.revision, position: last.position };
    }
    const ok =
      state === 'any' ||
      (state === NO_STREAM && current === NO_STREAM) ||
      (state === 'stream_exists' && current !== NO_STREAM) ||
      (typeof state === 'bigint' && current === state);
    if (!ok) throw new WrongExpectedVersionError(undefined, { streamName, expected: state, current });
    this.appends++;
    const created = new Date();
    for (const e of events) {
      const position = { commit: this.next, prepare: this.next };
      this.next += POSITION_STEP;
      const stored: Stored = {
        streamId: streamName,
        id: e.id,
        isJson: true,
        revision: BigInt(stream.length),
        type: e.type,
        created,
        // What the client sends and the server returns: JSON text, parsed again on read.
        data: JSON.parse(JSON.stringify(e.data)),
        metadata: e.metadata === undefined ? undefined : JSON.parse(JSON.stringify(e.metadata)),
        position,
      };
      stream.push(stored);
      this.log.push(stored);
      for (const l of this.live) if (matches(l.filter, stored)) l.emitter.emit('data', { event: stored });
    }
    this.streams.set(streamName, stream);
    const last = stream.at(-1)!;
    return { success: true, nextExpectedRevision: last.revision, position: last.position };
  }

  async *readStream(
    streamName: string,
    options: { direction?: string; fromRevision?: bigint | 'start' | 'end'; maxCount?: number | bigint } = {},
  ): AsyncGenerator<{ event: Stored }> {
    await Promise.resolve();
    const stream = this.streams.get(streamName);
    if (!stream) throw new StreamNotFoundError(undefined, streamName);
    const max = Number(options.maxCount ?? Number.MAX_SAFE_INTEGER);
    const from = options.fromRevision ?? (options.direction === 'backwards' ? 'end' : 'start');
    let out: Stored[];
    if (options.direction === 'backwards') {
      const start = from === 'end' ? stream.length - 1 : from === 'start' ? 0 : Number(from);
      out = stream.slice(0, start + 1).reverse();
    } else {
      const start = from === 'start' ? 0 : from === 'end' ? stream.length : Number(from);
      out = stream.slice(start);
    }
    for (const e of out.slice(0, max)) yield { event: e };
  }

  async *readAll(
    options: {
      direction?: string;
      fromPosition?: Position | 'start' | 'end';
      maxCount?: number | bigint;
      filter?: Filter;
    } = {},
  ): AsyncGenerator<{ event: Stored; commitPosition: bigint }> {
    await Promise.resolve();
    const max = Number(options.maxCount ?? Number.MAX_SAFE_INTEGER);
    const from = options.fromPosition ?? (options.direction === 'backwards' ? 'end' : 'start');
    let out: Stored[];
    if (options.direction === 'backwards')
      out = (
        from === 'end'
          ? [...this.log]
          : this.log.filter((e) => from !== 'start' && e.position.commit < from.commit)
      ).reverse();
    else
      out =
        from === 'start'
          ? this.log
          : this.log.filter((e) => from !== 'end' && e.position.commit >= from.commit);
    let n = 0;
    for (const e of out) {
      if (n >= max) return;
      if (!matches(options.filter, e)) continue;
      n++;
      yield { event: e, commitPosition: e.position.commit };
    }
  }

  subscribeToAll(options: { filter?: Filter } = {}) {
    const emitter = new EventEmitter();
    const entry = { ...(options.filter ? { filter: options.filter } : {}), emitter };
    this.live.add(entry);
    return Object.assign(emitter, {
      unsubscribe: async () => {
        this.live.delete(entry);
        emitter.emit('end');
      },
    });
  }

  async setStreamMetadata(): Promise<AppendResult> {
    return { success: true, nextExpectedRevision: 0n };
  }

  async dispose(): Promise<void> {
    this.live.clear();
  }
}

function matches(filter: Filter | undefined, e: Stored): boolean {
  if (!filter) return true;
  if (!('regex' in filter)) throw new Error('the stand-in supports regex filters only');
  const subject = filter.filterOn === 'streamName' ? e.streamId : e.type;
  return new RegExp(filter.regex).test(subject);
}
