// The event-store contract against a real KurrentDB. It runs when KURRENTDB_URL is set, e.g.
//   KURRENTDB_URL='kurrentdb://127.0.0.1:2113?tls=false' npx vitest run test/adapters/event-store/kurrentdb.test.ts
// Without it the suite is reported as skipped, with the reason, never as passed.
import { describe, it } from 'vitest';
import { connectKurrentDb } from '../../../src/adapters/event-store/kurrentdb/connection.ts';
import {
  sealKurrentEvents,
  verifyKurrentEvents,
} from '../../../src/adapters/event-store/kurrentdb/integrity.ts';
import { KurrentDbEventStore } from '../../../src/adapters/event-store/kurrentdb/store.ts';
import { eventStoreContractFor, KURRENTDB_CAPABILITIES } from '../../contracts/event-store.contract.ts';

const url = process.env.KURRENTDB_URL?.trim();
const SKIP_REASON =
  'KurrentDB contract suite skipped: KURRENTDB_URL is not set (no KurrentDB server here). Set it, e.g. KURRENTDB_URL=kurrentdb://127.0.0.1:2113?tls=false, to run it.';

if (!url) {
  console.warn(SKIP_REASON);
  describe('KurrentDB event store', () => {
    it.skip(SKIP_REASON, () => {});
  });
}

eventStoreContractFor(
  'KurrentDB',
  async () => {
    const client = connectKurrentDb(url!);
    const store = new KurrentDbEventStore(client, { pollIntervalMs: 50 });
    const others: KurrentDbEventStore[] = [];
    return {
      store,
      reopen(options) {
        const other = new KurrentDbEventStore(client, { ...options, pollIntervalMs: 50 });
        others.push(other);
        return other;
      },
      seal: () => sealKurrentEvents(store),
      verify: () => verifyKurrentEvents(store),
      async dispose() {
        for (const o of others) await o.close();
        await store.close();
        await client.dispose();
      },
    };
  },
  KURRENTDB_CAPABILITIES,
  { skip: !url },
);
