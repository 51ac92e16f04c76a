// An in-memory model of the command handler (load stream → evolve → decide → append with expected version),
// used by property tests, the seeded history generator and the simulator. Deliberately tiny and synchronous:
// the real handler lives in src/domain/command-handler.ts; this one exists to attack the deciders.
import { depositDecider } from '../../src/domain/deposit/index.ts';
import type { DepositEvent, DepositState } from '../../src/domain/deposit/types.ts';
import type { JsonObject } from '../../src/domain/event-store.ts';
import {
  CURRENT_SCHEMA_VERSION,
  type DomainEvent,
  type DomainEventType,
  EVENT_CATEGORY,
} from '../../src/domain/events.ts';
import { Money } from '../../src/domain/money.ts';
import { orderDecider } from '../../src/domain/order/index.ts';
import type { OrderEvent, OrderState } from '../../src/domain/order/types.ts';
import { Rejection } from '../../src/domain/rejection.ts';
import { settlementDecider } from '../../src/domain/settlement/index.ts';
import type { SettlementEvent, SettlementState } from '../../src/domain/settlement/types.ts';
import type { DomainCommand } from './builders.ts';

export type Category = 'order' | 'deposit' | 'settlement';
export type AggregateState = OrderState | DepositState | SettlementState;

/** One event as a store would hold it (a NewEvent plus its stream and version). */
export interface GeneratedEvent {
  streamId: string;
  hospitalId: string;
  category: Category;
  streamVersion: number;
  type: DomainEventType;
  schemaVersion: number;
  data: JsonObject;
  occurredAt: Date;
}

const DEPOSIT_COMMANDS = new Set(['TopUpDeposit', 'ApplyDepositAtDischarge', 'RefundDepositRemainder']);
const SETTLEMENT_COMMANDS = new Set(['RecordChannelFee', 'RecordChannelSettlement']);

export function categoryOf(command: DomainCommand): Category {
  if (DEPOSIT_COMMANDS.has(command.type)) return 'deposit';
  if (SETTLEMENT_COMMANDS.has(command.type)) return 'settlement';
  return 'order';
}

export function streamIdOf(command: DomainCommand): string {
  switch (categoryOf(command)) {
    case 'deposit':
      return `${command.hospitalId}/deposit/${depositDecider.streamKey(command as never)}`;
    case 'settlement':
      return `${command.hospitalId}/settlement/${settlementDecider.streamKey(command as never)}`;
    default:
      return `${command.hospitalId}/order/${orderDecider.streamKey(command as never)}`;
  }
}

export function initialStateOf(category: Category): AggregateState {
  if (category === 'deposit') return depositDecider.initialState();
  if (category === 'settlement') return settlementDecider.initialState();
  return orderDecider.initialState();
}

export function decideAny(command: DomainCommand, state: AggregateState): DomainEvent[] {
  switch (categoryOf(command)) {
    case 'deposit':
      return depositDecider.decide(command as never, state as DepositState);
    case 'settlement':
      return settlementDecider.decide(command as never, state as SettlementState);
    default:
      return orderDecider.decide(command as never, state as OrderState);
  }
}

export function evolveAny(state: AggregateState, event: DomainEvent): AggregateState {
  switch (EVENT_CATEGORY[event.type]) {
    case 'deposit':
      return depositDecider.evolve(state as DepositState, event as DepositEvent);
    case 'settlement':
      return settlementDecider.evolve(state as SettlementState, event as SettlementEvent);
    default:
      return orderDecider.evolve(state as OrderState, event as OrderEvent);
  }
}

export type Outcome =
  | { ok: true; events: DomainEvent[]; retries: number }
  | { ok: false; rejection: Rejection };

interface Stream {
  category: Category;
  version: number;
  state: AggregateState;
}

/** A decision taken against one version of a stream, not yet appended. */
export interface Decision {
  command: DomainCommand;
  streamId: string;
  version: number;
  events: DomainEvent[];
}

export class ConcurrencyConflict extends Error {}

/** Retries on a conflict, like the real handler (bounded). */
export const MAX_HANDLER_RETRIES = 3;

export class World {
  readonly streams = new Map<string, Stream>();
  readonly log: GeneratedEvent[] = [];
  conflicts = 0;

  stream(streamId: string, category: Category): Stream {
    let s = this.streams.get(streamId);
    if (!s) {
      s = { category, version: 0, state: initialStateOf(category) };
      this.streams.set(streamId, s);
    }
    return s;
  }

  stateOf(command: DomainCommand): AggregateState {
    return this.stream(streamIdOf(command), categoryOf(command)).state;
  }

  /** Load + decide (throws Rejection). */
  decide(command: DomainCommand): Decision {
    const streamId = streamIdOf(command);
    const s = this.stream(streamId, categoryOf(command));
    return { command, streamId, version: s.version, events: decideAny(command, s.state) };
  }

  /** Append with expected version: throws ConcurrencyConflict if the stream moved since the decision. */
  append(decision: Decision): void {
    const s = this.stream(decision.streamId, categoryOf(decision.command));
    if (decision.events.length === 0) return;
    if (s.version !== decision.version) throw new ConcurrencyConflict(decision.streamId);
    const hospitalId = decision.command.hospitalId;
    for (const e of decision.events) {
      s.state = evolveAny(s.state, e);
      s.version++;
      this.log.push({
        streamId: decision.streamId,
        hospitalId,
        category: s.category,
        streamVersion: s.version,
        type: e.type,
        schemaVersion: CURRENT_SCHEMA_VERSION[e.type],
        data: e.data,
        occurredAt: decision.command.at,
      });
    }
  }

  /** The handler: decide, append, on conflict reload and decide again. Rejections are outcomes, not errors. */
  execute(command: DomainCommand): Outcome {
    return this.finish(command, () => this.decide(command));
  }

  /**
   * Two handlers racing: both decide on the same version; the first appends; the second's append conflicts
   * (when the first wrote something to the same stream) and it re-decides on the new state.
   */
  executeConcurrently(a: DomainCommand, b: DomainCommand): [Outcome, Outcome] {
    let da: Decision | Rejection;
    let db: Decision | Rejection;
    try {
      da = this.decide(a);
    } catch (e) {
      da = asRejection(e);
    }
    try {
      db = this.decide(b);
    } catch (e) {
      db = asRejection(e);
    }
    const first = this.finish(a, () => unwrap(da));
    let initial = true;
    const second = this.finish(b, () => {
      if (initial) {
        initial = false;
        return unwrap(db);
      }
      return this.decide(b);
    });
    return [first, second];
  }

  private finish(command: DomainCommand, decideFirst: () => Decision): Outcome {
    let next = decideFirst;
    for (let retries = 0; ; retries++) {
      try {
        const d = next();
        this.append(d);
        return { ok: true, events: d.events, retries };
      } catch (e) {
        if (e instanceof ConcurrencyConflict && retries < MAX_HANDLER_RETRIES) {
          this.conflicts++;
          next = () => this.decide(command);
          continue;
        }
        return { ok: false, rejection: asRejection(e) };
      }
    }
  }
}

function asRejection(e: unknown): Rejection {
  if (e instanceof Rejection) return e;
  throw e; // anything else is a bug the property tests must see
}

function unwrap(d: Decision | Rejection): Decision {
  if (d instanceof Rejection) throw d;
  return d;
}

/** Folds a log from scratch, stream by stream (what a replay does). */
export function replay(
  log: Iterable<{ streamId: string; type: string; data: JsonObject }>,
): Map<string, AggregateState> {
  const states = new Map<string, AggregateState>();
  for (const e of log) {
    const type = e.type as DomainEventType;
    const s = states.get(e.streamId) ?? initialStateOf(EVENT_CATEGORY[type]);
    states.set(e.streamId, evolveAny(s, { type, data: e.data } as DomainEvent));
  }
  return states;
}

/** A canonical, comparable form of states: Money as strings, Maps as sorted entries. */
export function canon(x: unknown): unknown {
  if (Money.isMoney(x)) return `¥${x.toString()}`;
  if (x instanceof Map)
    return [...x.entries()].map(([k, v]) => [String(k), canon(v)]).sort((p, q) => (p[0]! < q[0]! ? -1 : 1));
  if (Array.isArray(x)) return x.map(canon);
  if (x instanceof Date) return x.toISOString();
  if (x && typeof x === 'object')
    return Object.fromEntries(
      Object.entries(x)
        .sort(([a], [b]) => (a < b ? -1 : 1))
        .map(([k, v]) => [k, canon(v)]),
    );
  return x;
}
