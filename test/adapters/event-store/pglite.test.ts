import { SqlEventStore } from '../../../src/adapters/event-store/sql-event-store.ts';
import { eventStoreContract } from '../../contracts/event-store.contract.ts';
import { createPgliteDatabase } from '../../support/databases.ts';

eventStoreContract(
  'PGlite (embedded)',
  () => createPgliteDatabase(),
  (db, o) => new SqlEventStore(db, o),
);
