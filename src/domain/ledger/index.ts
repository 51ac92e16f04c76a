export * from './accounts.ts';
export * from './journal.ts';
export { postingsFor } from './postings.ts';
