// The KurrentDB adapter without a server: envelopes, ids, positions, revisions, error translation,
// configuration, and a fast typed failure when nothing listens.
import { readFileSync } from 'node:fs';
import {
  AccessDeniedError,
  type AllStreamResolvedEvent,
  DeadlineExceededError,
  type JSONEventData,
  KurrentDBClient,
  MaxAppendSizeExceededError,
  NO_STREAM,
  NotLeaderError,
  START,
  StreamNotFoundError,
  UnavailableError,
  WrongExpectedVersionError,
} from '@kurrent/kurrentdb-client';
import { afterAll, describe, expect, inject, it } from 'vitest';
import { eventStoreFromEnv } from '../../../src/adapters/db/database.ts';
import { genesisHash } from '../../../src/adapters/event-store/hashing.ts';
import { HistoryVerifier } from '../../../src/adapters/event-store/integrity.ts';
import { checkConnectionString } from '../../../src/adapters/event-store/kurrentdb/connection.ts';
import {
  KurrentDbError,
  KurrentDbNotLeaderError,
  KurrentDbTimeoutError,
  KurrentDbUnavailableError,
  translateError,
} from '../../../src/adapters/event-store/kurrentdb/errors.ts';
import {
  answerFromRecord,
  decodeIdempotencyRecord,
  encodeIdempotencyRecord,
} from '../../../src/adapters/event-store/kurrentdb/idempotency.ts';
import {
  fromResolved,
  idempotencyStreamName,
  idempotentEventId,
  ledgerFilter,
  type MetadataEnvelope,
  readPositionAfter,
  toEventData,
} from '../../../src/adapters/event-store/kurrentdb/mapping.ts';
import {
  revisionOfVersion,
  streamStateOfVersion,
  versionOfRevision,
  versionOfState,
} from '../../../src/adapters/event-store/kurrentdb/revisions.ts';
import { checkExpectation } from '../../../src/adapters/event-store/kurrentdb/append.ts';
import { KurrentDbEventStore } from '../../../src/adapters/event-store/kurrentdb/store.ts';
import { openLedger } from '../../../src/adapters/event-store/open.ts';
import { prepareEvents } from '../../../src/adapters/event-store/validation.ts';
import { ConcurrencyError, EventStoreError, type NewEvent } from '../../../src/domain/event-store.ts';

const STREAM = 'hospital-7/order/o-1';
const AT = new Date('2026-11-20T08:30:00.000Z');
const CREATED = new Date('2026-11-20T08:30:01.000Z');
/** A port nothing listens on: the client fails at once, without a server. */
const UNREACHABLE = 'kurrentdb://127.0.0.1:1?tls=false';

const events: NewEvent[] = [
  {
    type: 'OrderCreated',
    data: { amount: '12.50', items: [{ code: 'A1', qty: 2 }] },
    occurredAt: AT,
    metadata: {
      actor: 'kiosk-3',
      correlationId: 'c-1',
      causationId: 'cmd-9',
      channel: 'wechat',
      device: 'k3',
    },
    schemaVersion: 1,
  },
  { type: 'PaymentRequested', data: { channel: 'wechat' }, occurredAt: AT, schemaVersion: 2 },
];

/** What the server would hand back for an event the adapter sent: data and metadata parsed, a revision, a position. */
function asStored(
  e: JSONEventData,
  revision: bigint,
  position: bigint,
  stream = STREAM,
): AllStreamResolvedEvent {
  return {
    event: {
      streamId: stream,
      id: e.id,
      isJson: true,
      revision,
      type: e.type,
      created: CREATED,
      data: JSON.parse(JSON.stringify(e.data)),
      metadata: JSON.parse(JSON.stringify(e.metadata)),
      position: { commit: position, prepare: position },
    },
  } as AllStreamResolvedEvent;
}

describe('KurrentDB mapping: versions and revisions', () => {
  it('our version counts events; a KurrentDB revision numbers them from 0', () => {
    expect(versionOfRevision(0n)).toBe(1);
    expect(versionOfRevision(41n)).toBe(42);
    expect(versionOfState(NO_STREAM)).toBe(0);
    expect(versionOfState(4n)).toBe(5);
    expect(versionOfState(-5n)).toBe(0); // a deleted stream
    expect(streamStateOfVersion(0)).toBe(NO_STREAM);
    expect(streamStateOfVersion(3)).toBe(2n);
    expect(revisionOfVersion(1)).toBe(0n);
    expect(() => revisionOfVersion(0)).toThrow(RangeError);
  });

  it('expected versions are checked against the head read before the append', () => {
    expect(() => checkExpectation(STREAM, 'any', 0)).not.toThrow();
    expect(() => checkExpectation(STREAM, 'exists', 2)).not.toThrow();
    expect(() => checkExpectation(STREAM, 3, 3)).not.toThrow();
    expect(() => checkExpectation(STREAM, 'no_stream', 0)).not.toThrow();
    const missing = (() => {
      try {
        checkExpectation(STREAM, 'exists', 0);
      } catch (e) {
        return e;
      }
    })();
    expect((missing as EventStoreError).code).toBe('STREAM_NOT_FOUND');
    for (const [expected, version] of [
      ['no_stream', 2],
      [1, 2],
      [3, 0],
    ] as const) {
      let error: unknown;
      try {
        checkExpectation(STREAM, expected, version);
      } catch (e) {
        error = e;
      }
      expect(error).toBeInstanceOf(ConcurrencyError);
      expect((error as ConcurrencyError).actual).toBe(version);
      expect((error as ConcurrencyError).expected).toBe(expected);
    }
  });
});

describe('KurrentDB mapping: envelopes', () => {
  const prepared = prepareEvents(STREAM, events);
  const chained = toEventData(STREAM, prepared, genesisHash(STREAM), 1);

  it('sends JSON events with our ids, types and data, and our metadata inside the ledger envelope', () => {
    expect(chained.map((c) => c.event.id)).toEqual(prepared.map((p) => p.eventId));
    const [first] = chained;
    expect(first!.event.contentType).toBe('application/json');
    expect(first!.event.type).toBe('OrderCreated');
    expect(first!.event.data).toEqual(events[0]!.data);
    const envelope = first!.event.metadata as unknown as MetadataEnvelope;
    expect(envelope.$correlationId).toBe('c-1');
    expect(envelope.$causationId).toBe('cmd-9');
    expect(envelope.metadata).toEqual(events[0]!.metadata);
    expect(envelope.ledger).toEqual({
      v: 1,
      hospitalId: 'hospital-7',
      occurredAt: AT.toISOString(),
      schemaVersion: 1,
      hash: first!.hash,
    });
    expect((chained[1]!.event.metadata as unknown as MetadataEnvelope).ledger.schemaVersion).toBe(2);
  });

  it('reads back what it sent: data, metadata, versions, times, positions, and a chain verify accepts', () => {
    const stored = chained.map(
      (c, i) => fromResolved(asStored(c.event, BigInt(i), 1000n + BigInt(i) * 150n))!,
    );
    expect(stored.map((e) => [e.streamVersion, e.position, e.type])).toEqual([
      [1, 1000n, 'OrderCreated'],
      [2, 1150n, 'PaymentRequested'],
    ]);
    const first = stored[0]!;
    expect(first.streamId).toBe(STREAM);
    expect(first.hospitalId).toBe('hospital-7');
    expect(first.data).toEqual(events[0]!.data);
    expect(first.metadata).toEqual(events[0]!.metadata);
    expect(first.occurredAt.toISOString()).toBe(AT.toISOString());
    expect(first.recordedAt).toEqual(CREATED);
    expect(first.hash).toBe(chained[0]!.hash);
    // The hashes are the SQL stores' hashes: the shared verifier recomputes them from the stored facts.
    const verifier = new HistoryVerifier([]);
    for (const e of stored) expect(verifier.check(e)).toBe(true);
    expect(verifier.report()).toMatchObject({ ok: true, eventsChecked: 2, streamsChecked: 1 });
  });

  it('chains from the previous hash and version it is given', () => {
    const next = toEventData(
      STREAM,
      prepareEvents(STREAM, [events[1]!]),
      Buffer.from(chained[1]!.hash, 'hex'),
      3,
    );
    const all = [...chained, ...next].map(
      (c, i) => fromResolved(asStored(c.event, BigInt(i), 100n + BigInt(i)))!,
    );
    const verifier = new HistoryVerifier([]);
    expect(all.every((e) => verifier.check(e))).toBe(true);
    const wrong = toEventData(STREAM, prepareEvents(STREAM, [events[1]!]), genesisHash(STREAM), 3);
    const broken = new HistoryVerifier([]);
    for (const [i, c] of [...chained, ...wrong].entries())
      broken.check(fromResolved(asStored(c.event, BigInt(i), 100n + BigInt(i)))!);
    expect(broken.report().problem?.reason).toMatch(/hash chain/);
  });

  it('skips events of other streams and the ledger’s own records; refuses foreign events in ledger streams', () => {
    const e = chained[0]!.event;
    expect(fromResolved(asStored(e, 0n, 10n, 'ledger-seals'))).toBeUndefined();
    expect(fromResolved(asStored(e, 0n, 10n, '$stats-127.0.0.1:2113'))).toBeUndefined();
    expect(
      fromResolved(asStored({ ...e, type: '$ledger-idempotency' } as JSONEventData, 0n, 10n)),
    ).toBeUndefined();
    expect(fromResolved({} as AllStreamResolvedEvent)).toBeUndefined();
    const foreign = asStored({ ...e, metadata: { source: 'elsewhere' } } as JSONEventData, 0n, 10n);
    expect(() => fromResolved(foreign)).toThrow(expect.objectContaining({ code: 'KURRENTDB_FOREIGN_EVENT' }));
  });

  it('takes the commit position, and refuses an event whose position the server did not report', () => {
    const e = asStored(chained[0]!.event, 0n, 10n);
    e.event!.position = { commit: 77n, prepare: 70n };
    expect(fromResolved(e)!.position).toBe(77n);
    e.event!.position = { commit: 2n ** 64n - 1n, prepare: 2n ** 64n - 1n };
    expect(() => fromResolved(e)).toThrow(expect.objectContaining({ code: 'KURRENTDB_UNSUPPORTED' }));
  });

  it('reads after a position from that position (inclusive, the store drops it), or from the start', () => {
    expect(readPositionAfter(0n)).toBe(START);
    expect(readPositionAfter(1234n)).toEqual({ commit: 1234n, prepare: 1234n });
  });

  it('filters $all on the server: no system types, or exactly the asked types', () => {
    const all = new RegExp(ledgerFilter().regex);
    expect(all.test('OrderCreated')).toBe(true);
    expect(all.test('$ledger-seal')).toBe(false);
    expect(all.test('$>')).toBe(false);
    const some = new RegExp(ledgerFilter(['Channel.Fee-v2', 'OrderCreated']).regex);
    expect(some.test('Channel.Fee-v2')).toBe(true);
    expect(some.test('OrderCreated')).toBe(true);
    expect(some.test('ChannelXFee-v2')).toBe(false);
    expect(some.test('OrderCreatedLater')).toBe(false);
    expect(new RegExp(ledgerFilter([]).regex).test('OrderCreated')).toBe(false);
  });
});

describe('KurrentDB mapping: idempotency', () => {
  it('derives the same UUID v5 for the same hospital, key and index, and different ones otherwise', () => {
    const id = idempotentEventId('h1', 'pay-123', 0);
    expect(id).toMatch(/^[0-9a-f]{8}-[0-9a-f]{4}-5[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/);
    expect(idempotentEventId('h1', 'pay-123', 0)).toBe(id);
    expect(
      new Set([
        id,
        idempotentEventId('h2', 'pay-123', 0),
        idempotentEventId('h1', 'pay-124', 0),
        idempotentEventId('h1', 'pay-123', 1),
      ]).size,
    ).toBe(4);
    const prepared = prepareEvents(STREAM, events, (i) => idempotentEventId('hospital-7', 'k', i));
    expect(prepared.map((p) => p.eventId)).toEqual([
      idempotentEventId('hospital-7', 'k', 0),
      idempotentEventId('hospital-7', 'k', 1),
    ]);
  });

  it('keeps one record stream per hospital and key, and answers from it', () => {
    expect(idempotencyStreamName('h1', 'k')).not.toBe(idempotencyStreamName('h2', 'k'));
    expect(idempotencyStreamName('h1', 'k')).toMatch(/^ledger-idempotency-h1-[0-9a-f]{64}$/);
    const result = {
      streamId: STREAM,
      nextExpectedVersion: 2,
      firstPosition: 10n,
      lastPosition: 160n,
      duplicate: false,
    };
    const record = decodeIdempotencyRecord(
      JSON.parse(JSON.stringify(encodeIdempotencyRecord('k', 'h-1', result))),
    );
    expect(record).toEqual({ key: 'k', requestHash: 'h-1', result: { ...result, duplicate: true } });
    expect(answerFromRecord(record, { key: 'k', requestHash: 'h-1' })).toEqual({
      ...result,
      duplicate: true,
    });
    expect(() => answerFromRecord(record, { key: 'k', requestHash: 'h-2' })).toThrow(
      expect.objectContaining({ code: 'IDEMPOTENCY_KEY_REUSED' }),
    );
    expect(() => decodeIdempotencyRecord({ key: 'k' })).toThrow(KurrentDbError);
  });
});

describe('KurrentDB errors: translated into the port’s errors and typed transport errors', () => {
  const context = { operation: 'append', stream: STREAM, expected: 2 as const };

  it('WrongExpectedVersionError becomes a ConcurrencyError with the actual version', () => {
    const e = translateError(
      new WrongExpectedVersionError(undefined, { streamName: STREAM, expected: 1n, current: 4n }),
      context,
    );
    expect(e).toBeInstanceOf(ConcurrencyError);
    expect((e as ConcurrencyError).actual).toBe(5);
    expect((e as ConcurrencyError).expected).toBe(2);
    const none = translateError(
      new WrongExpectedVersionError(undefined, { streamName: STREAM, expected: 1n, current: NO_STREAM }),
      context,
    );
    expect((none as ConcurrencyError).actual).toBe(0);
  });

  it('StreamNotFoundError becomes STREAM_NOT_FOUND (reads turn it into an empty stream before this)', () => {
    const e = translateError(new StreamNotFoundError(undefined, STREAM), context);
    expect(e).toBeInstanceOf(EventStoreError);
    expect((e as EventStoreError).code).toBe('STREAM_NOT_FOUND');
  });

  it('deadline, not-leader and unavailable become typed, retryable errors', () => {
    const timeout = translateError(new DeadlineExceededError(), context);
    expect(timeout).toBeInstanceOf(KurrentDbTimeoutError);
    expect((timeout as KurrentDbError).retryable).toBe(true);
    const notLeader = translateError(
      new NotLeaderError({
        code: 5,
        details: 'not leader',
        message: 'not leader',
        metadata: { 'leader-endpoint-host': 'node2', 'leader-endpoint-port': '2113' },
      } as never),
      context,
    );
    expect(notLeader).toBeInstanceOf(KurrentDbNotLeaderError);
    expect((notLeader as KurrentDbNotLeaderError).leader).toEqual({ address: 'node2', port: 2113 });
    expect((notLeader as KurrentDbError).retryable).toBe(true);
    const unavailable = translateError(new UnavailableError(), context);
    expect(unavailable).toBeInstanceOf(KurrentDbUnavailableError);
    expect((unavailable as KurrentDbError).code).toBe('KURRENTDB_UNAVAILABLE');
  });

  it('plain gRPC errors: code 14 is unavailable, code 4 a timeout', () => {
    const grpc = (code: number) =>
      Object.assign(new Error(`${code} grpc`), { code, details: '', metadata: {} });
    expect(translateError(grpc(14), context)).toBeInstanceOf(KurrentDbUnavailableError);
    expect(translateError(grpc(4), context)).toBeInstanceOf(KurrentDbTimeoutError);
  });

  it('size limits become PAYLOAD_TOO_LARGE; access denied and the unknown are named, not retryable', () => {
    expect(
      (translateError(MaxAppendSizeExceededError.fromMaxAppendSize(1024), context) as EventStoreError).code,
    ).toBe('PAYLOAD_TOO_LARGE');
    const denied = translateError(new AccessDeniedError(), context) as KurrentDbError;
    expect([denied.code, denied.retryable]).toEqual(['KURRENTDB_ACCESS_DENIED', false]);
    const cause = new Error('boom');
    const other = translateError(cause, context) as KurrentDbError;
    expect([other.code, other.retryable, other.cause]).toEqual(['KURRENTDB_FAILED', false, cause]);
    const ours = new EventStoreError('INVALID_EVENT', 'x');
    expect(translateError(ours, context)).toBe(ours);
  });
});

describe('KurrentDB configuration', () => {
  it('EVENT_STORE picks the store; kurrentdb needs KURRENTDB_URL; unknown values are refused by name', () => {
    expect(eventStoreFromEnv({})).toEqual({ kind: 'sql' });
    expect(eventStoreFromEnv({ EVENT_STORE: 'sql' })).toEqual({ kind: 'sql' });
    expect(
      eventStoreFromEnv({ EVENT_STORE: 'KurrentDB', KURRENTDB_URL: ' kurrentdb://h:2113?tls=false ' }),
    ).toEqual({
      kind: 'kurrentdb',
      url: 'kurrentdb://h:2113?tls=false',
    });
    expect(() => eventStoreFromEnv({ EVENT_STORE: 'kurrentdb' })).toThrow(/KURRENTDB_URL/);
    expect(() => eventStoreFromEnv({ EVENT_STORE: 'mongo' })).toThrow(
      /EVENT_STORE must be one of "sql", "kurrentdb".*"mongo"/,
    );
  });

  it('accepts single-node and cluster connection strings, refuses others without echoing a password', () => {
    for (const url of [
      'kurrentdb://127.0.0.1:2113?tls=false',
      'kurrentdb+discover://admin:changeit@node1:2113,node2:2113?tls=true&tlsVerifyCert=false',
      'esdb://localhost:2113',
    ])
      expect(checkConnectionString(url)).toBe(url);
    expect(() => checkConnectionString('postgres://u:secret@h/db')).toThrow(/kurrentdb:\/\//);
    expect(() => checkConnectionString('postgres://u:secret@h/db')).not.toThrow(/secret/);
  });
});

describe('KurrentDB with nothing listening', () => {
  const client = KurrentDBClient.connectionString(UNREACHABLE);
  const store = new KurrentDbEventStore(client, { deadlineMs: 5_000 });
  afterAll(async () => {
    await store.close();
    await client.dispose();
  });

  it('the client itself fails an append with a plain gRPC code 14, which maps to the typed unavailable error', async () => {
    const raw = await client
      .appendToStream(
        'h1/order/raw',
        {
          id: crypto.randomUUID(),
          contentType: 'application/json',
          type: 'A',
          data: {},
          metadata: undefined,
        },
        { deadline: 5_000 },
      )
      .then(
        () => undefined,
        (e: unknown) => e,
      );
    expect(translateError(raw, { operation: 'append' })).toBeInstanceOf(KurrentDbUnavailableError);
  });

  it('an append, a stream read, a head read and findIdempotent fail with KurrentDbUnavailableError', async () => {
    const event = { type: 'A', data: {}, occurredAt: AT };
    await expect(
      store.appendToStream('h1/order/o-1', [event], { expectedVersion: 'no_stream' }),
    ).rejects.toBeInstanceOf(KurrentDbUnavailableError);
    await expect(
      store.appendToStream('h1/order/o-1', [event], {
        expectedVersion: 0,
        idempotency: { key: 'k', requestHash: 'r' },
      }),
    ).rejects.toBeInstanceOf(KurrentDbUnavailableError);
    await expect(store.readStream('h1/order/o-1')).rejects.toBeInstanceOf(KurrentDbUnavailableError);
    await expect(store.headPosition()).rejects.toBeInstanceOf(KurrentDbUnavailableError);
    await expect(store.findIdempotent('h1', 'k')).rejects.toBeInstanceOf(KurrentDbUnavailableError);
  });

  it('bad input is refused before anything is sent', async () => {
    await expect(store.appendToStream('no-hospital', [], { expectedVersion: 'any' })).rejects.toMatchObject({
      code: 'INVALID_STREAM',
    });
    await expect(
      store.appendToStream('h1/order/o-1', [{ type: 'A', data: {}, occurredAt: AT }], {
        expectedVersion: -1,
      }),
    ).rejects.toMatchObject({ code: 'INVALID_EXPECTED_VERSION' });
    await expect(store.readAll({ after: -1n })).rejects.toMatchObject({ code: 'INVALID_EVENT' });
  });

  it('openLedger with EVENT_STORE=kurrentdb keeps the database for read models and appends to KurrentDB', async () => {
    const dump = new Blob([readFileSync(inject('pgliteDump'))]);
    const ledger = await openLedger({
      dataDir: 'memory://',
      loadDataDir: dump,
      eventStore: eventStoreFromEnv({ EVENT_STORE: 'kurrentdb', KURRENTDB_URL: UNREACHABLE }),
    });
    try {
      expect(ledger.eventStore).toBe('kurrentdb');
      expect(ledger.database.kind).toBe('pglite');
      expect(ledger.store).toBeInstanceOf(KurrentDbEventStore);
      await expect(
        ledger.store.appendToStream('h1/order/o-2', [{ type: 'A', data: {}, occurredAt: AT }], {
          expectedVersion: 'any',
        }),
      ).rejects.toBeInstanceOf(KurrentDbUnavailableError);
    } finally {
      await ledger.close();
    }
  });
});
