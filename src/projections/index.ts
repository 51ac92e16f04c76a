export * from './build.ts';
export * from './catalog.ts';
export * from './checkpoint.ts';
export * from './projection.ts';
export * from './runner.ts';
export * from './schema-safety.ts';
export { entryOf } from './read-models/ledger.ts';
export * from './queries.ts';
