// Reading the store page by page up to a position, as a build or a catch-up applies it: only what the store
// holds up to each page's `scannedTo` is final, and an append still in flight below the target is waited out.

/** A page of a read of the store in position order (ReadAllPage, FactsPage). */
export interface PositionedPage<E extends { position: bigint }> {
  events: E[];
  /** Every event after the read's `after` and up to here is in `events`. */
  scannedTo: bigint;
  /** True when the read stopped at a position an append still in flight may fill. */
  blocked: boolean;
}

/** How soon a read looks again when it waits on an append in flight (a hole below the target). */
const HOLE_RETRY_MS = 5;

/**
 * Reads the pages after `from` up to `target` and hands each to `apply` with the position it reaches, reading
 * the next page while the caller applies this one. `apply` answers where to read on from: `upTo`, or elsewhere
 * when the caller's own position moved (the page read ahead is then dropped). Stops at the target, or where the
 * store holds nothing more.
 */
export async function readPagesTo<E extends { position: bigint }>(
  read: (after: bigint) => Promise<PositionedPage<E>>,
  from: bigint,
  target: bigint,
  apply: (events: E[], upTo: bigint) => Promise<bigint>,
): Promise<void> {
  const readAfter = (after: bigint): Promise<PositionedPage<E>> =>
    after >= target ? Promise.resolve({ events: [], scannedTo: after, blocked: false }) : read(after);
  let next = readAfter(from);
  try {
    for (;;) {
      const page = await next;
      const upTo = page.scannedTo < target ? page.scannedTo : target;
      if (upTo <= from) {
        if (!page.blocked) return;
        await new Promise((r) => setTimeout(r, HOLE_RETRY_MS));
        next = readAfter(from);
        continue;
      }
      next = readAfter(upTo);
      const events = page.events.filter((e) => e.position <= upTo);
      const resume = await apply(events, upTo);
      if (resume !== upTo) {
        await next.catch(() => {});
        next = readAfter(resume);
      }
      from = resume;
    }
  } finally {
    await next.catch(() => {});
  }
}
