// One seed for the property tests, so a failure is reproducible: fast-check prints the seed and path of a
// failing run; FC_SEED replays it (or searches elsewhere on purpose).
export const FC_SEED = Number(process.env.FC_SEED ?? 20261202);
