// Reading one aggregate's current state from its stream (always current, unlike a read model).
import { fold } from '../domain/decider.ts';
import {
  type DepositEvent,
  type DepositState,
  depositDecider,
  depositStreamId,
} from '../domain/deposit/index.ts';
import type { EventStore } from '../domain/event-store.ts';
import { type OrderEvent, type OrderState, orderDecider, orderStreamId } from '../domain/order/index.ts';

export async function loadOrder(
  store: EventStore,
  hospitalId: string,
  orderId: string,
): Promise<{ state: OrderState; version: number; events: OrderEvent[] }> {
  const read = await store.readStream(orderStreamId(hospitalId, orderId));
  const events = read.events as unknown as OrderEvent[];
  return { state: fold(orderDecider, events), version: read.version, events };
}

export async function loadDeposit(
  store: EventStore,
  hospitalId: string,
  admissionId: string,
): Promise<{ state: DepositState; version: number; events: DepositEvent[] }> {
  const read = await store.readStream(depositStreamId(hospitalId, admissionId));
  const events = read.events as unknown as DepositEvent[];
  return { state: fold(depositDecider, events), version: read.version, events };
}
