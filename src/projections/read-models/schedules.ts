// The schedules read model: each hospital's auto-reconciliation schedules as configured now, and each
// scheduled day's outcome (completed, waiting for its statement, statement missing, failed) — the alerts.
import type { ScheduleSpec } from '../../domain/schedules/schedule.ts';
import type { RunState } from '../../domain/schedules/run.ts';
import { column, keyedProjection, type Row, readModel, tenantTable } from '../projection.ts';

export const SCHEDULES = readModel('schedules', 1);
export const SCHEDULE_RUNS = readModel('schedule_runs', 1);

export const schedulesTable = tenantTable({
  table: 'schedules',
  comment: 'Auto-reconciliation schedules per hospital, as configured now.',
  key: ['schedule_id'],
  columns: {
    schedule_id: column.text('Schedule id (lower-case, unique in the hospital).'),
    channel: column.text('Channel whose statement is reconciled.'),
    status: column.text('active | paused | removed.'),
    spec: column.text('The schedule as JSON: cron, time zone, day offset, source, retry and deadline.'),
    changes: column.integer('Changes recorded so far.'),
    updated_at: column.time('Business time of the last change.'),
  },
});

export const scheduleRunsTable = tenantTable({
  table: 'schedule_runs',
  comment: 'Each scheduled day: its state and what it found; missing and failed are alerts.',
  key: ['schedule_id', 'business_date'],
  indexes: ['hospital_id, state', 'hospital_id, business_date'],
  columns: {
    schedule_id: column.text('Schedule.'),
    business_date: column.text('Business day reconciled (YYYY-MM-DD).'),
    channel: column.text('Channel.'),
    state: column.text('waiting | completed | missing | failed.'),
    attempts: column.integer('Looks for the statement so far.'),
    statement_id: column.optionalText('Statement imported (completed).'),
    run_id: column.optionalText('Reconciliation run (completed).'),
    matched: column.optionalInteger('Items matched by the run.'),
    open: column.optionalInteger('Discrepancies left open by the run.'),
    detail: column.optionalText('Why it waits, is missing or failed.'),
    updated_at: column.time('Business time of the last change.'),
  },
});

const SCHEDULE_EVENTS = ['ScheduleSet', 'SchedulePaused', 'ScheduleResumed', 'ScheduleRemoved'] as const;
const RUN_EVENTS = [
  'StatementAwaited',
  'ScheduledReconciliationCompleted',
  'StatementMissing',
  'ScheduledReconciliationFailed',
] as const;

const STATUS_AFTER: Record<(typeof SCHEDULE_EVENTS)[number], string | null> = {
  ScheduleSet: null,
  SchedulePaused: 'paused',
  ScheduleResumed: 'active',
  ScheduleRemoved: 'removed',
};

export const schedulesProjection = keyedProjection({
  name: SCHEDULES.name,
  version: SCHEDULES.version,
  description: 'Auto-reconciliation schedules per hospital.',
  handles: SCHEDULE_EVENTS,
  table: schedulesTable,
  changes(event) {
    const d = event.data as Record<string, unknown>;
    const type = event.type as (typeof SCHEDULE_EVENTS)[number];
    return [
      {
        key: [event.hospitalId, String(d.scheduleId)],
        update(row: Row | undefined): Row | undefined {
          if (type === 'ScheduleSet') {
            const spec = d as unknown as ScheduleSpec;
            return {
              hospital_id: event.hospitalId,
              schedule_id: spec.scheduleId,
              channel: spec.channel,
              status: row && row.status === 'paused' ? 'paused' : 'active',
              spec: JSON.stringify(spec),
              changes: Number(row?.changes ?? 0) + 1,
              updated_at: event.occurredAt.toISOString(),
            };
          }
          if (!row) return undefined;
          return {
            ...row,
            status: STATUS_AFTER[type]!,
            changes: Number(row.changes) + 1,
            updated_at: event.occurredAt.toISOString(),
          };
        },
      },
    ];
  },
});

export const scheduleRunsProjection = keyedProjection({
  name: SCHEDULE_RUNS.name,
  version: SCHEDULE_RUNS.version,
  description: 'Each scheduled day’s outcome; missing and failed statements are alerts.',
  handles: RUN_EVENTS,
  table: scheduleRunsTable,
  changes(event) {
    const d = event.data as Record<string, unknown>;
    const at = event.occurredAt.toISOString();
    return [
      {
        key: [event.hospitalId, String(d.scheduleId), String(d.businessDate)],
        update(row: Row | undefined): Row {
          const base: Row = row ?? {
            hospital_id: event.hospitalId,
            schedule_id: String(d.scheduleId),
            business_date: String(d.businessDate),
            channel: String(d.channel ?? ''),
            state: 'waiting',
            attempts: 0,
            statement_id: null,
            run_id: null,
            matched: null,
            open: null,
            detail: null,
            updated_at: at,
          };
          const next = (state: RunState, extra: Row): Row => ({ ...base, state, updated_at: at, ...extra });
          switch (event.type) {
            case 'StatementAwaited':
              // A later look never turns a finished day back into waiting.
              if (base.state !== 'waiting') return { ...base, attempts: Number(d.attempt) };
              return next('waiting', {
                attempts: Number(d.attempt),
                detail: `${d.reason}; next look ${d.nextLookAt}`,
              });
            case 'ScheduledReconciliationCompleted':
              return next('completed', {
                channel: String(d.channel),
                attempts: Number(d.attempt),
                statement_id: String(d.statementId),
                run_id: String(d.runId),
                matched: Number(d.matched),
                open: Number(d.open),
                detail: `statement ${d.file}${d.duplicateStatement ? ' (already imported)' : ''}`,
              });
            case 'StatementMissing':
              return next('missing', {
                channel: String(d.channel),
                attempts: Number(d.attempts),
                detail: `statement missing at the deadline ${d.deadline}: ${d.reason}`,
              });
            default:
              return next('failed', {
                channel: String(d.channel),
                attempts: Number(d.attempt),
                detail: `${d.code}: ${d.reason}`,
              });
          }
        },
      },
    ];
  },
});
