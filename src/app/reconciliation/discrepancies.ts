// The discrepancy lifecycle as finance staff drive it: assign, propose a resolution (non-money actions resolve at
// once), approve (another user: maker-checker); and the listing they work from.
import { handle } from '../../domain/command-handler.ts';
import { streamId } from '../../domain/event-store.ts';
import { HospitalId } from '../../domain/ids.ts';
import {
  type DiscrepancyCommand,
  type DiscrepancyState,
  discrepancyDecider,
  evolveDiscrepancy,
  initialDiscrepancyState,
} from '../../domain/reconciliation/discrepancy.ts';
import type { DiscrepancyEvent, ResolutionAction } from '../../domain/reconciliation/events.ts';
import {
  type DiscrepancyFilter,
  type DiscrepancyRow,
  listDiscrepancyRows,
} from '../../projections/reconciliation/queries.ts';
import { reconciliationProjection } from '../../projections/reconciliation/read-models.ts';
import { catchUp } from './catch-up.ts';
import { type ReconciliationPorts, staff } from './ports.ts';

export interface DiscrepancyRef {
  hospitalId: string;
  discrepancyId: string;
  /** Staff user id. */
  by: string;
  at?: Date;
}

/** The current state of a discrepancy, folded from its stream. */
export async function discrepancyState(
  ports: Pick<ReconciliationPorts, 'store'>,
  hospitalId: string,
  discrepancyId: string,
): Promise<DiscrepancyState> {
  const r = await ports.store.readStream(streamId(hospitalId, 'discrepancy', discrepancyId));
  let s = initialDiscrepancyState();
  for (const e of r.events) s = evolveDiscrepancy(s, e as unknown as DiscrepancyEvent);
  return s;
}

type StaffCommand = DistributiveOmit<
  Exclude<DiscrepancyCommand, { type: 'RaiseDiscrepancy' | 'AutoResolveDiscrepancy' }>,
  'hospitalId' | 'at' | 'actor' | 'discrepancyId'
>;
type DistributiveOmit<T, K extends PropertyKey> = T extends unknown ? Omit<T, K> : never;

/** A finance user's command on a discrepancy, with who, when and which from the reference. */
async function byStaff(
  ports: Pick<ReconciliationPorts, 'store'>,
  o: DiscrepancyRef,
  command: StaffCommand,
): Promise<DiscrepancyState> {
  const r = await handle(ports.store, discrepancyDecider, {
    ...command,
    hospitalId: HospitalId(o.hospitalId),
    at: o.at ?? new Date(),
    actor: staff(o.by),
    discrepancyId: o.discrepancyId,
  } as DiscrepancyCommand);
  return r.state;
}

export function assignDiscrepancy(
  ports: Pick<ReconciliationPorts, 'store'>,
  o: DiscrepancyRef & { assignee: string },
): Promise<DiscrepancyState> {
  return byStaff(ports, o, { type: 'AssignDiscrepancy', assignee: o.assignee });
}

/**
 * Proposes a resolution. `accept` and `repush-his` (补单) resolve at once; refund-patient, adjusting-entry and
 * write-off wait for approveResolution by another user.
 */
export function resolveDiscrepancy(
  ports: Pick<ReconciliationPorts, 'store'>,
  o: DiscrepancyRef & { action: ResolutionAction; reason: string },
): Promise<DiscrepancyState> {
  return byStaff(ports, o, { type: 'ProposeResolution', action: o.action, reason: o.reason });
}

/** The checker's approval of a money-moving resolution (APPROVAL_BY_MAKER when `by` proposed it). */
export function approveResolution(
  ports: Pick<ReconciliationPorts, 'store'>,
  o: DiscrepancyRef,
): Promise<DiscrepancyState> {
  return byStaff(ports, o, { type: 'ApproveResolution' });
}

export async function listDiscrepancies(
  ports: ReconciliationPorts,
  f: DiscrepancyFilter,
): Promise<DiscrepancyRow[]> {
  await catchUp(ports, [reconciliationProjection]);
  return listDiscrepancyRows(ports.db, f);
}
