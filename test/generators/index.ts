export * from './arbitraries.ts';
export * from './builders.ts';
export * from './history.ts';
export * from './world.ts';
