// The read side: every read model's typed queries, and how fresh a read model is.
export * from './columns.ts';
export * from './database.ts';
export * from './freshness.ts';
export * from './read-models/daily-totals-queries.ts';
export * from './read-models/deposits-queries.ts';
export * from './read-models/his-sync-queries.ts';
export * from './read-models/ledger-queries.ts';
export * from './read-models/orders-queries.ts';
export { DAILY_TOTALS } from './read-models/daily-totals.ts';
export { DEPOSITS } from './read-models/deposits.ts';
export { HIS_SYNC } from './read-models/his-sync.ts';
export { BALANCES, JOURNAL } from './read-models/ledger.ts';
export { ORDERS } from './read-models/orders.ts';
