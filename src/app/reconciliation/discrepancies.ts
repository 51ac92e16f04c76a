// The discrepancy lifecycle as finance staff drive it: assign, propose a resolution (non-money actions resolve at
// once), approve (another user: maker-checker); and the listing they work from.
import { handle } from '../../domain/command-handler.ts';
import { streamId } from '../../domain/event-store.ts';
import { HospitalId } from '../../domain/ids.ts';
import { assertDayOpen } from '../../domain/reconciliation/day.ts';
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
import { loadDay } from './days.ts';
import { byStaffAt, type ReconciliationPorts, staff } from './ports.ts';

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

/**
 * A finance user's command on a discrepancy, with who, when and which from the reference. A closed day's
 * discrepancies are final with it: any action on them waits for the day to be reopened (DAY_CLOSED).
 */
async function byStaff(
  ports: Pick<ReconciliationPorts, 'store'>,
  o: DiscrepancyRef,
  command: StaffCommand,
): Promise<DiscrepancyState> {
  const current = await discrepancyState(ports, o.hospitalId, o.discrepancyId);
  if (current.status !== 'none')
    assertDayOpen(
      await loadDay(ports.store, o.hospitalId, current.channel, current.businessDate),
      current.channel,
      current.businessDate,
    );
  const r = await handle(ports.store, discrepancyDecider, {
    ...command,
    ...byStaffAt(o),
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

/**
 * The checker's approval of a money-moving resolution (APPROVAL_BY_MAKER when `by` proposed it;
 * APPROVER_NOT_SUPERVISOR when a person of another role approves).
 */
export function approveResolution(
  ports: Pick<ReconciliationPorts, 'store'>,
  o: DiscrepancyRef & { role?: string },
): Promise<DiscrepancyState> {
  return byStaff(ports, o, { type: 'ApproveResolution', ...(o.role !== undefined ? { role: o.role } : {}) });
}

/** The checker sends a money-moving proposal back, with a reason: the discrepancy is worked again. */
export function rejectResolution(
  ports: Pick<ReconciliationPorts, 'store'>,
  o: DiscrepancyRef & { reason: string; role?: string },
): Promise<DiscrepancyState> {
  return byStaff(ports, o, {
    type: 'RejectResolution',
    reason: o.reason,
    ...(o.role !== undefined ? { role: o.role } : {}),
  });
}

/** A note on the discrepancy's history. */
export function commentOnDiscrepancy(
  ports: Pick<ReconciliationPorts, 'store'>,
  o: DiscrepancyRef & { text: string },
): Promise<DiscrepancyState> {
  return byStaff(ports, o, { type: 'CommentOnDiscrepancy', text: o.text });
}

/** Most discrepancies accepted as timing differences in one call. */
export const MAX_BULK_ITEMS = 500;

/**
 * Accepts one-sided items as timing differences, all or none: every id is checked first (it exists, is open,
 * is one-sided, its day is open), and only then are they accepted, one stream each. A refusal names the item.
 */
export async function acceptTimingItems(
  ports: Pick<ReconciliationPorts, 'store'>,
  o: { hospitalId: string; discrepancyIds: readonly string[]; reason: string; by: string; at?: Date },
): Promise<DiscrepancyState[]> {
  const ids = [...new Set(o.discrepancyIds)];
  if (ids.length > MAX_BULK_ITEMS) throw new RangeError(`at most ${MAX_BULK_ITEMS} items per call`);
  const at = o.at ?? new Date();
  for (const id of ids) {
    const s = await discrepancyState(ports, o.hospitalId, id);
    // The decision itself is the domain's: it is taken here against the current state without appending.
    discrepancyDecider.decide(
      {
        type: 'AcceptTimingDifference',
        hospitalId: HospitalId(o.hospitalId),
        at,
        actor: staff(o.by),
        discrepancyId: id,
        reason: o.reason,
      },
      s,
    );
    if (s.status !== 'none')
      assertDayOpen(
        await loadDay(ports.store, o.hospitalId, s.channel, s.businessDate),
        s.channel,
        s.businessDate,
      );
  }
  const out: DiscrepancyState[] = [];
  for (const id of ids)
    out.push(
      await byStaff(
        ports,
        { hospitalId: o.hospitalId, discrepancyId: id, by: o.by, at },
        { type: 'AcceptTimingDifference', reason: o.reason },
      ),
    );
  return out;
}

export async function listDiscrepancies(
  ports: ReconciliationPorts,
  f: DiscrepancyFilter,
): Promise<DiscrepancyRow[]> {
  await catchUp(ports, [reconciliationProjection]);
  return listDiscrepancyRows(ports.db, f);
}
