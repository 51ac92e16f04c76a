export * from './decide.ts';
export * from './definition.ts';
export * from './refusals.ts';
export * from './totals.ts';
