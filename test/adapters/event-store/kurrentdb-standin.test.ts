// The event-store contract run through the KurrentDB adapter against an in-memory stand-in of the client
// (test/support/fake-kurrentdb.ts). It checks the adapter's own logic (hash chain, expected versions,
// idempotency, $all paging, subscriptions, seals) everywhere; kurrentdb.test.ts runs the same suite
// against a real server when KURRENTDB_URL is set.
import { UnavailableError } from '@kurrent/kurrentdb-client';
import { describe, expect, it } from 'vitest';
import { KurrentDbUnavailableError } from '../../../src/adapters/event-store/kurrentdb/errors.ts';
import {
  sealKurrentEvents,
  verifyKurrentEvents,
} from '../../../src/adapters/event-store/kurrentdb/integrity.ts';
import { KurrentDbEventStore } from '../../../src/adapters/event-store/kurrentdb/store.ts';
import { eventStoreContractFor, KURRENTDB_CAPABILITIES } from '../../contracts/event-store.contract.ts';
import { FakeKurrentDb } from '../../support/fake-kurrentdb.ts';

eventStoreContractFor(
  'KurrentDB adapter on an in-memory stand-in of the client',
  async () => {
    const client = new FakeKurrentDb().asClient();
    const store = new KurrentDbEventStore(client, { pollIntervalMs: 50 });
    return {
      store,
      reopen: (options) => new KurrentDbEventStore(client, { ...options, pollIntervalMs: 50 }),
      seal: () => sealKurrentEvents(store),
      verify: () => verifyKurrentEvents(store),
      dispose: () => store.close(),
    };
  },
  KURRENTDB_CAPABILITIES,
);

describe('KurrentDB adapter on the stand-in: what only this adapter does', () => {
  const AT = new Date('2026-11-20T08:30:00.000Z');
  const event = (type: string) => ({ type, data: { n: 1 }, occurredAt: AT });

  /** A stand-in whose next write of an idempotency record fails as if the connection dropped. */
  class DroppingRecord extends FakeKurrentDb {
    dropNextRecord = false;
    override async appendToStream(...args: Parameters<FakeKurrentDb['appendToStream']>) {
      if (this.dropNextRecord && args[0].startsWith('ledger-idempotency-')) {
        this.dropNextRecord = false;
        throw new UnavailableError();
      }
      return super.appendToStream(...args);
    }
  }

  it.each([
    ['an exact expected version', 1],
    ['any', 'any'],
  ] as const)(
    'a retry after the events were stored but not their key (%s) appends nothing again',
    async (_label, expectedVersion) => {
      const fake = new DroppingRecord();
      const store = new KurrentDbEventStore(fake.asClient());
      const s = 'h1/order/crash-1';
      await store.appendToStream(s, [event('OrderCreated')], { expectedVersion: 'no_stream' });
      const idempotency = { key: 'pay-1', requestHash: 'r-1' };
      fake.dropNextRecord = true;
      await expect(
        store.appendToStream(s, [event('PaymentSucceeded'), event('Noted')], {
          expectedVersion,
          idempotency,
        }),
      ).rejects.toBeInstanceOf(KurrentDbUnavailableError);
      const appendsBefore = fake.appends;
      const retried = await store.appendToStream(s, [event('PaymentSucceeded'), event('Noted')], {
        expectedVersion,
        idempotency,
      });
      expect(fake.appends).toBe(appendsBefore + 1); // the record only
      expect(retried).toMatchObject({ nextExpectedVersion: 3, duplicate: false });
      expect((await store.readStream(s)).events.map((e) => e.type)).toEqual([
        'OrderCreated',
        'PaymentSucceeded',
        'Noted',
      ]);
      expect(await store.findIdempotent('h1', 'pay-1')).toMatchObject({
        requestHash: 'r-1',
        result: { ...retried, duplicate: true },
      });
      expect(
        await store.appendToStream(s, [event('PaymentSucceeded'), event('Noted')], {
          expectedVersion,
          idempotency,
        }),
      ).toEqual({
        ...retried,
        duplicate: true,
      });
      await store.close();
    },
  );

  it('an event someone else wrote into a ledger stream is refused by name, not misread', async () => {
    const fake = new FakeKurrentDb();
    await fake.appendToStream('h1/order/foreign', [
      {
        id: crypto.randomUUID(),
        contentType: 'application/json',
        type: 'Whatever',
        data: { x: 1 },
        metadata: undefined,
      },
    ]);
    const store = new KurrentDbEventStore(fake.asClient());
    await expect(store.readStream('h1/order/foreign')).rejects.toMatchObject({
      code: 'KURRENTDB_FOREIGN_EVENT',
    });
    await store.close();
  });

  it('the ledger’s own records never show in $all reads; seals go to their own stream', async () => {
    const fake = new FakeKurrentDb();
    const store = new KurrentDbEventStore(fake.asClient());
    await store.appendToStream('h1/order/o-1', [event('A')], {
      expectedVersion: 'no_stream',
      idempotency: { key: 'k', requestHash: 'r' },
    });
    await store.storeCheckpoint('projection-x', 5n);
    expect(await sealKurrentEvents(store)).toMatchObject({ sealsWritten: 1 });
    const all = await store.readAll();
    expect(all.map((e) => [e.streamId, e.type])).toEqual([['h1/order/o-1', 'A']]);
    expect(await store.loadCheckpoint('projection-x')).toBe(5n);
    expect(await verifyKurrentEvents(store)).toMatchObject({ ok: true, eventsChecked: 1, sealsChecked: 1 });
    await store.close();
  });
});
