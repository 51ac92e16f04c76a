export * from './json-client.ts';
export * from './port.ts';
export * from './soap-client.ts';
