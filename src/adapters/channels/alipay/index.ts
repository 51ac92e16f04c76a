export * from './notify.ts';
export * from './simulate.ts';
