// The auditor's list of staff actions: who did what, when and from where, a page at a time.
import { findStaffActions, type StaffActionRow } from '../../adapters/event-store/staff-actions.ts';
import type { AnyDb } from '../../projections/projection.ts';

export const DEFAULT_ACTIONS_PAGE = 100;
export const MAX_ACTIONS_PAGE = 1_000;

export interface StaffActionsPage {
  actions: StaffActionRow[];
  /** Pass as `cursor` for the next page; null when this page is the last. */
  nextCursor: string | null;
}

export async function listStaffActions(
  db: AnyDb,
  q: { hospitalId: string; user?: string; from?: Date; to?: Date; cursor?: string; limit?: number },
): Promise<StaffActionsPage> {
  const limit = Math.min(q.limit ?? DEFAULT_ACTIONS_PAGE, MAX_ACTIONS_PAGE);
  const actions = await findStaffActions(db, {
    hospitalId: q.hospitalId,
    ...(q.user !== undefined ? { user: q.user } : {}),
    ...(q.from ? { from: q.from } : {}),
    ...(q.to ? { to: q.to } : {}),
    ...(q.cursor !== undefined ? { after: BigInt(q.cursor) } : {}),
    limit,
  });
  const last = actions.at(-1);
  return { actions, nextCursor: actions.length === limit && last ? last.position.toString() : null };
}
