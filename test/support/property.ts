// One seed for the property tests, so a failure is reproducible: fast-check prints the seed and path of a
// failing run; FC_SEED replays it (or searches elsewhere on purpose).
export const FC_SEED = Number(process.env.FC_SEED ?? 20261202);

/**
 * Runs of a fuzz property: the given number in an ordinary test run, scaled by FUZZ_SCALE for a longer search
 * (`FUZZ_SCALE=50 npx vitest run test/adapters/statements/fuzz.test.ts`), always from the fixed seed above.
 */
export const fuzzRuns = (n: number): number =>
  Math.max(1, Math.round(n * Number(process.env.FUZZ_SCALE ?? 1)));
