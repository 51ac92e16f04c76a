// Reactions: what must follow a fact, decided purely from the fact. A reaction's policy turns an event into
// intents (work to do, keyed, due at an instant derived from the event); the application layer's runner
// records the intents durably together with its checkpoint and carries them out, retrying until they are
// done. Every command an intent leads to carries an idempotency key derived from the intent, so carrying one
// out twice (a crash between the work and its acknowledgement, a re-run from position 0) appends nothing twice.
import type { JsonObject, RecordedEvent } from '../event-store.ts';

export interface Intent {
  /** Unique per piece of work (the reaction's name is added by the runner): a second intent with it is the same work. */
  key: string;
  /** What to do; the application layer has one executor per kind. */
  kind: string;
  hospitalId: string;
  data: JsonObject;
  /** When it may run: the triggering event's business time, plus any backoff. */
  dueAt: Date;
}

export interface Reaction {
  /** Lower-case identifier: its runner's schema and checkpoint are named after it. */
  readonly name: string;
  /** Bumped when the policy changes what it asks for: the runner re-reads history (idempotent by keys). */
  readonly version: number;
  readonly description: string;
  /** Event types it reacts to. */
  readonly handles: readonly string[];
  /** Pure. */
  react(event: RecordedEvent): Intent[];
}

/** Per event type, the intents an event of that type asks for, from its data. */
export type IntentsByType<E extends { type: string; data: unknown }> = {
  [T in E['type']]: (data: Extract<E, { type: T }>['data'], event: RecordedEvent) => Intent[];
};

/** A reaction that handles exactly the event types it has a function for (none other asks for anything). */
export function reactionByType<E extends { type: string; data: unknown }>(
  about: Pick<Reaction, 'name' | 'version' | 'description'>,
  on: IntentsByType<E>,
): Reaction {
  const byType = new Map<string, (data: unknown, event: RecordedEvent) => Intent[]>(Object.entries(on));
  return {
    ...about,
    handles: [...byType.keys()],
    react: (event) => byType.get(event.type)?.(event.data, event) ?? [],
  };
}

/** Delay before retry `attempt + 1` after `attempt` failed: doubling from `baseMs`, at most `capMs`. */
export function backoffMs(attempt: number, baseMs: number, capMs: number): number {
  const exponent = Math.min(Math.max(attempt - 1, 0), 30);
  return Math.min(baseMs * 2 ** exponent, capMs);
}

export function after(instant: Date, ms: number): Date {
  return new Date(instant.getTime() + ms);
}

/** Work of `kind` keyed `key` for the event's hospital, due at `dueAt`: by default when the event happened. */
export function intent(
  event: RecordedEvent,
  kind: string,
  key: string,
  data: JsonObject,
  dueAt: Date = event.occurredAt,
): Intent {
  return { key, kind, hospitalId: event.hospitalId, data, dueAt };
}

/** Work on one payment attempt of an order, keyed `<prefix>:<order>:<attempt>`. */
export function attemptIntent(
  event: RecordedEvent,
  kind: string,
  prefix: string,
  attempt: { orderId: string; attemptId: string },
  dueAt: Date,
): Intent {
  const { orderId, attemptId } = attempt;
  return intent(event, kind, `${prefix}:${orderId}:${attemptId}`, { orderId, attemptId }, dueAt);
}
