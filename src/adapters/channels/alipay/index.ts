export * from './notify.ts';
export * from './simulate.ts';
export * from './signing.ts';
export * from './client.ts';
