import {
  type AppendResult,
  ConcurrencyError,
  type EventMetadata,
  type EventStore,
  EventStoreError,
  type RecordedEvent,
  type StreamId,
} from './event-store.ts';
import {
  type CommandBase,
  type Decider,
  type DomainEventShape,
  fold,
  streamOf,
  toNewEvents,
} from './decider.ts';

/** Reloads and re-decides this many times when another writer moved the stream in between. */
export const MAX_CONCURRENCY_RETRIES = 8;

export interface HandleOptions {
  /** Applied once: a repeat returns the original outcome and appends nothing. */
  idempotencyKey?: string;
  /** Hash of the request the key stands for; the same key with another request is refused. */
  requestHash?: string;
  /** Correlation, causation, channel, device… (the actor comes from the command). */
  metadata?: EventMetadata;
}

/** HandleOptions with a step that completes the command from the state read (typed by the decider's). */
export interface PreparedHandleOptions<C, S> extends HandleOptions {
  /**
   * Completes the command from the state just read, before it is decided: what the decision needs from
   * elsewhere (the admission a deposit order pays into…). Runs again on every retry, with the new state, so the
   * stream is read once per attempt and never twice. It must not change the command's stream.
   */
  prepare?: (command: C, state: S) => C | Promise<C>;
}

export interface HandleResult<E, S> {
  streamId: StreamId;
  /** The facts this command produced (on a repeat: the facts the first submission produced). */
  events: E[];
  /** The aggregate's state right after those facts. */
  state: S;
  /** The stream's version right after those facts. */
  version: number;
  /** Global position of the last of those facts (null when nothing was appended). */
  position: bigint | null;
  /** True when the idempotency key had been applied before. */
  duplicate: boolean;
}

// The generic command handler sits in the domain layer beside the Decider and the event-store port, as in
// Emmett: everything that executes commands (the bus, the reconciliation service, the simulator, later the
// scheduler) uses this one. It does I/O only through the EventStore it is handed; the deciders stay pure.

/**
 * The one command handler: load the stream, fold it, decide, append with the version read. A concurrent
 * writer makes the append fail with a ConcurrencyError; the command is then decided again on the new state
 * (so two partial refunds racing each other are judged one after the other), a bounded number of times.
 * Rejections (domain `Rejection`s) pass through untouched.
 */
export async function handle<C extends CommandBase, E extends DomainEventShape, S>(
  store: EventStore,
  decider: Decider<C, E, S>,
  command: C,
  options: PreparedHandleOptions<C, S> = {},
): Promise<HandleResult<E, S>> {
  const stream = streamOf(decider, command);
  const idempotency =
    options.idempotencyKey !== undefined
      ? { key: options.idempotencyKey, requestHash: options.requestHash ?? options.idempotencyKey }
      : undefined;
  const metadata: EventMetadata = { ...options.metadata };
  if (idempotency) metadata.idempotencyKey = idempotency.key;
  const prepare = options.prepare;

  // A creation is decided on the initial state and appended expecting no stream: one round trip, no read. If
  // the stream exists after all, or the decision on a fresh stream refuses, the ordinary path below decides
  // it again on what is stored, so the answer is the one a read-first handler gives.
  if (decider.startsStream?.(command)) {
    const state = decider.initialState();
    let events: E[] | undefined;
    try {
      events = decider.decide(prepare ? await prepare(command, state) : command, state);
    } catch {
      events = undefined;
    }
    if (events && events.length > 0) {
      try {
        const appended = await store.appendToStream(stream, toNewEvents(command, events, metadata), {
          expectedVersion: 'no_stream',
          ...(idempotency ? { idempotency } : {}),
        });
        return appended.duplicate
          ? replay(store, decider, stream, appended.firstPosition, appended.lastPosition)
          : appendedOutcome(decider, stream, events, state, appended);
      } catch (error) {
        if (!(error instanceof ConcurrencyError)) throw error;
      }
    }
  }

  for (let attempt = 0; ; attempt++) {
    const read = await store.readStream(stream);
    const state = fold(decider, read.events as unknown as E[]);
    const decided = prepare ? await prepare(command, state) : command;
    // The key is looked up only when the decision appends nothing (a replay is usually refused or a no-op
    // on the state it left behind): a new command pays no extra round trip, and an append carrying a key
    // that was applied before is answered as a duplicate by the store itself, atomically.
    let events: E[];
    try {
      events = decider.decide(decided, state);
    } catch (error) {
      const seen = idempotency
        ? await priorOutcome(store, decider, stream, command.hospitalId, idempotency)
        : undefined;
      if (seen) return seen;
      throw error;
    }
    if (events.length === 0) {
      const seen = idempotency
        ? await priorOutcome(store, decider, stream, command.hospitalId, idempotency)
        : undefined;
      return (
        seen ?? { streamId: stream, events, state, version: read.version, position: null, duplicate: false }
      );
    }
    try {
      const appended = await store.appendToStream(stream, toNewEvents(decided, events, metadata), {
        expectedVersion: read.version,
        ...(idempotency ? { idempotency } : {}),
      });
      if (appended.duplicate)
        return replay(store, decider, stream, appended.firstPosition, appended.lastPosition);
      return appendedOutcome(decider, stream, events, state, appended);
    } catch (error) {
      if (!(error instanceof ConcurrencyError) || attempt >= MAX_CONCURRENCY_RETRIES) throw error;
    }
  }
}

function appendedOutcome<C extends CommandBase, E extends DomainEventShape, S>(
  decider: Decider<C, E, S>,
  stream: StreamId,
  events: E[],
  state: S,
  appended: AppendResult,
): HandleResult<E, S> {
  return {
    streamId: stream,
    events,
    state: fold(decider, events, state),
    version: appended.nextExpectedVersion,
    position: appended.lastPosition,
    duplicate: false,
  };
}

/** The earlier outcome of this idempotency key, if it was applied; the same key for another request is refused. */
async function priorOutcome<C extends CommandBase, E extends DomainEventShape, S>(
  store: EventStore,
  decider: Decider<C, E, S>,
  stream: StreamId,
  hospitalId: string,
  idempotency: { key: string; requestHash: string },
): Promise<HandleResult<E, S> | undefined> {
  const seen = await store.findIdempotent(hospitalId, idempotency.key);
  if (!seen) return undefined;
  if (seen.requestHash !== idempotency.requestHash || seen.result.streamId !== stream)
    throw new EventStoreError(
      'IDEMPOTENCY_KEY_REUSED',
      'idempotency key was already used for another request',
      {
        key: idempotency.key,
      },
    );
  return replay(store, decider, stream, seen.result.firstPosition, seen.result.lastPosition);
}

/** The outcome of an earlier submission, rebuilt from the stream: the same answer every time. */
async function replay<C extends CommandBase, E extends DomainEventShape, S>(
  store: EventStore,
  decider: Decider<C, E, S>,
  stream: StreamId,
  first: bigint,
  last: bigint,
): Promise<HandleResult<E, S>> {
  const read = await store.readStream(stream);
  const before: RecordedEvent[] = [];
  const produced: RecordedEvent[] = [];
  for (const e of read.events) {
    if (e.position < first) before.push(e);
    else if (e.position <= last) produced.push(e);
  }
  const events = produced as unknown as E[];
  return {
    streamId: stream,
    events,
    state: fold(decider, events, fold(decider, before as unknown as E[])),
    version: produced.at(-1)?.streamVersion ?? read.version,
    position: last,
    duplicate: true,
  };
}
