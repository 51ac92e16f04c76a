export * from './nonce-store.ts';
export * from './signing.ts';
