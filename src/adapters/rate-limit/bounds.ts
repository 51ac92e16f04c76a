// Settings every rate-limit adapter accepts (the bus's port: src/bus/rate-limit.ts).

/** Bounds on the settings a bucket accepts (a channel's settings are validated; this guards the adapters). */
export function checkRate(perSecond: number, burst: number): void {
  if (!Number.isFinite(perSecond) || perSecond <= 0 || perSecond > 1_000_000)
    throw new RangeError('rate limit perSecond must be in (0, 1e6]');
  if (!Number.isInteger(burst) || burst < 1 || burst > 1_000_000)
    throw new RangeError('rate limit burst must be an integer in [1, 1e6]');
}
