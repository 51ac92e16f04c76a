// Reconciliation days: close (only when nothing of the last run is open), re-open (explicitly, with a reason),
// and where each channel's day stands.
import { handle } from '../../domain/command-handler.ts';
import { type EventStore, streamId } from '../../domain/event-store.ts';
import { HospitalId } from '../../domain/ids.ts';
import { type DayState, dayDecider, dayStreamKey } from '../../domain/reconciliation/day.ts';
import { isOpenStatus } from '../../domain/reconciliation/discrepancy.ts';
import { type DayRow, dayRows } from '../../projections/reconciliation/queries.ts';
import { reconciliationProjection } from '../../projections/reconciliation/read-models.ts';
import { catchUp } from './catch-up.ts';
import { discrepancyState } from './discrepancies.ts';
import { type ReconciliationPorts, staff } from './ports.ts';

export interface DayRef {
  hospitalId: string;
  channel: string;
  businessDate: string;
  by: string;
  at?: Date;
}

/** A reconciliation day's state, folded from its stream. */
export async function loadDay(
  store: EventStore,
  hospitalId: string,
  channel: string,
  businessDate: string,
): Promise<DayState> {
  const r = await store.readStream(streamId(hospitalId, 'recon-day', dayStreamKey(channel, businessDate)));
  let s = dayDecider.initialState();
  for (const e of r.events) s = dayDecider.evolve(s, e as never);
  return s;
}

/** Closes the day (DAY_NOT_BALANCED while a discrepancy of its last run is open). */
export async function closeDay(ports: Pick<ReconciliationPorts, 'store'>, o: DayRef): Promise<DayState> {
  const hospitalId = HospitalId(o.hospitalId);
  const s = await loadDay(ports.store, hospitalId, o.channel, o.businessDate);
  const open: string[] = [];
  for (const id of s.lastRun?.open ?? [])
    if (isOpenStatus((await discrepancyState(ports, hospitalId, id)).status)) open.push(id);
  const r = await handle(ports.store, dayDecider, {
    type: 'CloseDay',
    hospitalId,
    at: o.at ?? new Date(),
    actor: staff(o.by),
    channel: o.channel,
    businessDate: o.businessDate,
    open,
  });
  return r.state;
}

export async function reopenDay(
  ports: Pick<ReconciliationPorts, 'store'>,
  o: DayRef & { reason: string },
): Promise<DayState> {
  const r = await handle(ports.store, dayDecider, {
    type: 'ReopenDay',
    hospitalId: HospitalId(o.hospitalId),
    at: o.at ?? new Date(),
    actor: staff(o.by),
    channel: o.channel,
    businessDate: o.businessDate,
    reason: o.reason,
  });
  return r.state;
}

/** Where the hospital's days of a date stand, per channel (from the reconciliation read model). */
export async function dayStatus(
  ports: ReconciliationPorts,
  f: { hospitalId: string; businessDate: string; channel?: string },
): Promise<DayRow[]> {
  await catchUp(ports, [reconciliationProjection]);
  return dayRows(ports.db, f);
}
