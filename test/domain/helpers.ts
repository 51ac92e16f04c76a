import { expect } from 'vitest';
import type { DomainEvent } from '../../src/domain/events.ts';
import { Rejection, type RejectionCode } from '../../src/domain/rejection.ts';
import type { DomainCommand } from '../generators/builders.ts';
import { type AggregateState, World } from '../generators/world.ts';

/** A world where the given commands were all accepted. */
export function given(...commands: DomainCommand[]): World {
  const world = new World();
  for (const c of commands) {
    const out = world.execute(c);
    if (!out.ok) throw new Error(`given: ${c.type} rejected: ${out.rejection.code}`);
  }
  return world;
}

/** Decides `command` after `history`: the new events (not appended). */
export function when(history: DomainCommand[], command: DomainCommand): DomainEvent[] {
  return given(...history).decide(command).events;
}

export function stateAfter<S extends AggregateState>(...commands: DomainCommand[]): S {
  const last = commands[commands.length - 1]!;
  return given(...commands).stateOf(last) as S;
}

export function expectRejection(fn: () => unknown, code: RejectionCode): Rejection {
  try {
    fn();
  } catch (e) {
    expect(e).toBeInstanceOf(Rejection);
    expect((e as Rejection).code).toBe(code);
    return e as Rejection;
  }
  throw new Error(`expected rejection ${code}, nothing was thrown`);
}

export function types(events: DomainEvent[]): string[] {
  return events.map((e) => e.type);
}
