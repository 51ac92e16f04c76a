/** Thrown when work cannot run yet (no HIS configured, a refund whose payment is not in the HIS yet): retried
 * later, never parked for it. */
export class NotReady extends Error {}
