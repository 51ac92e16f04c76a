// Reading one aggregate's current state from its stream (always current, unlike a read model).
import { type CommandBase, type Decider, type DomainEventShape, fold } from '../domain/decider.ts';
import { depositDecider, depositStreamId } from '../domain/deposit/index.ts';
import type { EventStore, StreamId } from '../domain/event-store.ts';
import { orderDecider, orderStreamId } from '../domain/order/index.ts';

/** A stream folded by the decider that writes it: the state, the version read and the events. */
export async function loadStream<C extends CommandBase, E extends DomainEventShape, S>(
  store: Pick<EventStore, 'readStream'>,
  stream: StreamId,
  decider: Decider<C, E, S>,
): Promise<{ state: S; version: number; events: E[] }> {
  const read = await store.readStream(stream);
  const events = read.events as unknown as E[];
  return { state: fold(decider, events), version: read.version, events };
}

/** A loader of one kind of aggregate's current state, by hospital and the aggregate's id. */
export function stateLoader<C extends CommandBase, E extends DomainEventShape, S>(
  streamOf: (hospitalId: string, id: string) => StreamId,
  decider: Decider<C, E, S>,
): (ports: { store: Pick<EventStore, 'readStream'> }, hospitalId: string, id: string) => Promise<S> {
  return async (ports, hospitalId, id) =>
    (await loadStream(ports.store, streamOf(hospitalId, id), decider)).state;
}

export function loadOrder(store: EventStore, hospitalId: string, orderId: string) {
  return loadStream(store, orderStreamId(hospitalId, orderId), orderDecider);
}

export function loadDeposit(store: EventStore, hospitalId: string, admissionId: string) {
  return loadStream(store, depositStreamId(hospitalId, admissionId), depositDecider);
}
