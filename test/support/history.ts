import type { EventStore } from '../../src/domain/event-store.ts';
import type { GeneratedEvent } from '../generators/index.ts';

/** Appends a generated history through the store's normal append path, keeping its global order. */
export async function appendHistory(store: EventStore, events: readonly GeneratedEvent[]): Promise<void> {
  let i = 0;
  while (i < events.length) {
    // Consecutive events of one stream go in one append.
    let j = i + 1;
    while (j < events.length && events[j]!.streamId === events[i]!.streamId) j++;
    const run = events.slice(i, j);
    await store.appendToStream(
      run[0]!.streamId,
      run.map((e) => ({
        type: e.type,
        data: e.data,
        occurredAt: e.occurredAt,
        schemaVersion: e.schemaVersion,
      })),
      { expectedVersion: run[0]!.streamVersion - 1 },
    );
    i = j;
  }
}
