export * from './json-client.ts';
export * from '../../domain/his/port.ts';
export * from './soap-client.ts';
