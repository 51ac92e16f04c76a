// The decider shape every aggregate follows (Chassaing/Emmett): pure decide + evolve over a stream.
//
// The generic handler (src/domain/command-handler.ts) does:  stream = streamOf(decider, command)
//   → state = fold(decider, upcast(read events)) → events = decider.decide(command, state)  (throws Rejection)
//   → append(toNewEvents(command, events), expectedVersion = version read); on ConcurrencyError: reload, decide again.
//
// Business time: decided events do NOT carry their time in `data`; the command's `at` is the event's `occurredAt`
// (see `occurredAt` and `toNewEvents`). Event data is JSON only (money as "12.50" strings, ids as strings).
import {
  type EventMetadata,
  type JsonObject,
  type NewEvent,
  type StreamId,
  streamId,
} from './event-store.ts';
import { schemaVersionOf } from './events.ts';
import type { HospitalId } from './ids.ts';

export type ActorKind = 'patient' | 'staff' | 'bus-client' | 'channel' | 'his' | 'system';

/** Who issued the command: a staff user id, a bus client (kiosk, app), a channel callback, the HIS, a job. */
export interface Actor {
  kind: ActorKind;
  id: string;
}

/** Every command carries its tenant, its business time and who issued it. */
export interface CommandBase {
  type: string;
  hospitalId: HospitalId;
  /** Business time: when it happened in the world; becomes the events' occurredAt. */
  at: Date;
  actor: Actor;
}

export interface DomainEventShape {
  type: string;
  data: JsonObject;
}

export interface Decider<Command extends CommandBase, Event extends DomainEventShape, State> {
  /** Stream category, e.g. 'order': the stream id is `<hospitalId>/<category>/<streamKey(command)>`. */
  readonly category: string;
  streamKey(command: Command): string;
  initialState(): State;
  /** Pure. Returns the new facts ([] = nothing to do, e.g. a duplicate callback); throws a Rejection. */
  decide(command: Command, state: State): Event[];
  /** Pure and total over every event the decider ever emitted (after upcasting). */
  evolve(state: State, event: Event): State;
  /**
   * True for a command that can only succeed on a stream that does not exist yet (a creation). The handler then
   * decides on the initial state and appends expecting no stream, without reading it first; when the stream
   * does exist (a repeat, a clash) it reads and decides as for any other command, so the outcome is the same.
   */
  startsStream?(command: Command): boolean;
}

/**
 * The default of a switch over every command (or event) type: the compiler proves it unreachable; should one
 * come that the types do not know, it throws naming its type.
 */
export function unknownType(value: never, what: string): never {
  throw new Error(`unknown ${what} ${(value as { type: string }).type}`);
}

export function occurredAt(command: CommandBase): Date {
  return command.at;
}

export function streamOf<C extends CommandBase>(
  decider: Pick<Decider<C, DomainEventShape, unknown>, 'category' | 'streamKey'>,
  command: C,
): StreamId {
  return streamId(command.hospitalId, decider.category, decider.streamKey(command));
}

export function fold<C extends CommandBase, E extends DomainEventShape, S>(
  decider: Decider<C, E, S>,
  events: Iterable<E>,
  state: S = decider.initialState(),
): S {
  let s = state;
  for (const e of events) s = decider.evolve(s, e);
  return s;
}

export function actorRef(actor: Actor): string {
  return `${actor.kind}:${actor.id}`;
}

/**
 * Decided events → events to append: occurredAt from the command, the type's current schema version (ledger and
 * reconciliation catalogs; 1 for types of neither, such as channel settings), actor in metadata.
 */
export function toNewEvents<E extends DomainEventShape>(
  command: CommandBase,
  events: readonly E[],
  metadata: EventMetadata = {},
): NewEvent<E['type'], E['data']>[] {
  return events.map((e) => ({
    type: e.type,
    data: e.data,
    occurredAt: occurredAt(command),
    schemaVersion: schemaVersionOf(e.type) ?? 1,
    metadata: { actor: actorRef(command.actor), ...metadata },
  }));
}

/**
 * A decider over the streams `<hospitalId>/<category>/<streamKey(command)>`: the stream's identity, then the
 * rules (the initial state, decide and evolve, and startsStream where a command creates its stream).
 */
export function decider<C extends CommandBase, E extends DomainEventShape, S>(
  category: string,
  streamKey: (command: C) => string,
  rules: Omit<Decider<C, E, S>, 'category' | 'streamKey'>,
): Decider<C, E, S> {
  return { category, streamKey, ...rules };
}

/**
 * A decide that folds its own events and checks the state they lead to before returning them (`assert` throws
 * an InvariantViolation): a wrong fact is never appended, as it could never be deleted.
 */
export function checkedDecide<C, E, S>(
  rules: (command: C, state: S) => E[],
  evolve: (state: S, event: E) => S,
  assert: (state: S) => void,
): (command: C, state: S) => E[] {
  return (command, state) => {
    const events = rules(command, state);
    if (events.length > 0) assert(events.reduce(evolve, state));
    return events;
  };
}
