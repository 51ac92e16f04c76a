// A queue call with a deadline, in a module of its own: modules that only bound calls load without BullMQ.
import { refuseSchedule } from '../../domain/schedules/refusals.ts';

/** Longest a queue call made on behalf of a request may take (Redis away: the caller hears so, never hangs). */
export const QUEUE_CALL_TIMEOUT_MS = 3_000;

export async function bounded<T>(what: string, p: Promise<T>, ms = QUEUE_CALL_TIMEOUT_MS): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  try {
    return await Promise.race([
      p,
      new Promise<never>((_, reject) => {
        timer = setTimeout(
          () =>
            reject(
              refuseSchedule('QUEUE_UNAVAILABLE', { reason: `${what}: Redis did not answer in ${ms} ms` }),
            ),
          ms,
        );
      }),
    ]);
  } finally {
    clearTimeout(timer);
  }
}
