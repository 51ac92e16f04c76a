// Queries of the schedules read model: the schedules a worker keeps in step with the queue, and the scheduled
// days' outcomes (alerts first) that finance staff and administrators look at.
import type { ScheduleSpec } from '../../domain/schedules/schedule.ts';
import type { ReadDb } from '../database.ts';
import { SCHEDULE_RUNS, SCHEDULES } from './schedules.ts';

export interface ScheduleRow {
  hospitalId: string;
  scheduleId: string;
  channel: string;
  status: 'active' | 'paused' | 'removed';
  spec: ScheduleSpec;
  changes: number;
  updatedAt: Date;
}

export interface ScheduleRunRow {
  hospitalId: string;
  scheduleId: string;
  businessDate: string;
  channel: string;
  state: 'waiting' | 'completed' | 'missing' | 'failed';
  attempts: number;
  statementId: string | null;
  runId: string | null;
  matched: number | null;
  open: number | null;
  detail: string | null;
  updatedAt: Date;
}

/** Schedules of one hospital, or of every hospital (the worker's view), removed ones left out unless asked. */
export async function listSchedules(
  db: ReadDb,
  q: { hospitalId?: string; includeRemoved?: boolean } = {},
): Promise<ScheduleRow[]> {
  let query = db.withSchema(SCHEDULES.schema).selectFrom('schedules').selectAll();
  if (q.hospitalId !== undefined) query = query.where('hospital_id', '=', q.hospitalId);
  if (!q.includeRemoved) query = query.where('status', '!=', 'removed');
  const rows = await query.orderBy('hospital_id').orderBy('schedule_id').execute();
  return rows.map((r) => ({
    hospitalId: r.hospital_id,
    scheduleId: r.schedule_id,
    channel: r.channel,
    status: r.status as ScheduleRow['status'],
    spec: JSON.parse(r.spec) as ScheduleSpec,
    changes: Number(r.changes),
    updatedAt: new Date(r.updated_at),
  }));
}

/** Scheduled days of a hospital, newest first; `states` narrows to e.g. the alerts (missing, failed). */
export async function listScheduleRuns(
  db: ReadDb,
  q: { hospitalId: string; scheduleId?: string; states?: readonly string[]; limit: number },
): Promise<ScheduleRunRow[]> {
  let query = db
    .withSchema(SCHEDULE_RUNS.schema)
    .selectFrom('schedule_runs')
    .selectAll()
    .where('hospital_id', '=', q.hospitalId);
  if (q.scheduleId !== undefined) query = query.where('schedule_id', '=', q.scheduleId);
  if (q.states && q.states.length > 0) query = query.where('state', 'in', [...q.states]);
  const rows = await query.orderBy('business_date', 'desc').orderBy('schedule_id').limit(q.limit).execute();
  return rows.map((r) => ({
    hospitalId: r.hospital_id,
    scheduleId: r.schedule_id,
    businessDate: r.business_date,
    channel: r.channel,
    state: r.state as ScheduleRunRow['state'],
    attempts: Number(r.attempts),
    statementId: r.statement_id,
    runId: r.run_id,
    matched: r.matched === null ? null : Number(r.matched),
    open: r.open === null ? null : Number(r.open),
    detail: r.detail,
    updatedAt: new Date(r.updated_at),
  }));
}
