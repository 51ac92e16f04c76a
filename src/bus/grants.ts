// Per-client read grants: what a bus client may read besides what it sends. `own` reads only the orders and
// deposits the client took part in (it appears as the actor of one of their events) — a kiosk reads back what
// it did, never another kiosk's patients; `hospital` reads every order and deposit of its hospital and the
// lists served from read models (patients' orders and deposits, deposit statements, HIS sync). Patient ids
// are `masked` in what it reads unless granted `full`. Staff are bounded by their roles, not by grants.
import { loadOrder } from '../app/load.ts';
import type { ReadGrants } from '../domain/clients/client.ts';
import { actorRef } from '../domain/decider.ts';
import type { EventStore } from '../domain/event-store.ts';
import { maskRef } from '../domain/ids.ts';
import { reject } from '../domain/rejection.ts';
import { ApiError } from './errors.ts';
import type { Principal } from './principal.ts';
import type { RequestContext } from './server.ts';

const STAFF_GRANTS: ReadGrants = { read: 'hospital', patientIds: 'full' };

export function grantsOf(principal: Principal): ReadGrants {
  return principal.kind === 'client' ? principal.client.grants : STAFF_GRANTS;
}

/** Reads served from read models cover the whole hospital: refused (403) to a client granted only its own. */
export function requireHospitalRead(principal: Principal): void {
  if (grantsOf(principal).read !== 'hospital')
    throw new ApiError('FORBIDDEN_GRANT', { needs: 'read: hospital', has: 'read: own' });
}

/** Whether the caller is the actor of one of these recorded events. */
function tookPart(c: RequestContext, events: readonly object[]): boolean {
  const me = actorRef(c.actor);
  return events.some((e) => (e as { metadata?: { actor?: unknown } }).metadata?.actor === me);
}

/**
 * Refuses an order a client granted `own` took no part in — as not found, so a kiosk cannot probe which
 * ids exist.
 */
export function requireOrderReadable(c: RequestContext, orderId: string, events: readonly object[]): void {
  if (grantsOf(c.principal).read === 'hospital' || tookPart(c, events)) return;
  throw reject('ORDER_NOT_FOUND', { orderId });
}

/**
 * The same for a deposit: its credits are the reactions' events, so a client took part when it acted on the
 * deposit itself (discharge, remainder refund) or on one of its top-up orders (at most MAX_TOP_UPS_PER_ADMISSION).
 */
export async function requireDepositReadable(
  c: RequestContext,
  store: EventStore,
  admissionId: string,
  deposit: { events: readonly object[]; topUpOrderIds: Iterable<string> },
): Promise<void> {
  if (grantsOf(c.principal).read === 'hospital' || tookPart(c, deposit.events)) return;
  for (const orderId of deposit.topUpOrderIds)
    if (tookPart(c, (await loadOrder(store, c.hospitalId, orderId)).events)) return;
  throw reject('DEPOSIT_NOT_FOUND', { admissionId });
}

/** A patient id as this caller may see it. */
export function patientIdFor(principal: Principal, patientId: string): string {
  return grantsOf(principal).patientIds === 'full' ? patientId : maskRef(patientId);
}
