// The event-store contract run through the KurrentDB adapter against an in-memory stand-in of the client
// (test/support/fake-kurrentdb.ts). It checks the adapter's own logic (hash chain, expected versions,
// idempotency, $all paging, subscriptions, seals) everywhere; kurrentdb.test.ts runs the same suite
// against a real server when KURRENTDB_URL is set.
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
