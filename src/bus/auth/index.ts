export * from './nonce-store.ts';
export * from './secrets.ts';
export * from './signing.ts';
