// One scheduled reconciliation of one business day: stream `<hospitalId>/schedule-run/<scheduleId>:<date>`.
// What happened, in order: each look for the statement, the import, the reconciliation, and — once, when the
// deadline passed with nothing there — the *statement missing* alert. Re-running a day adds a completion only
// when it found something new (the reconciliation's run id says so), so a re-run is safe.
import { addDays, type BusinessDate, businessDate } from '../business-date.ts';
import type { CommandBase, Decider } from '../decider.ts';
import type { ScheduleSpec } from './schedule.ts';

export type RunState = 'waiting' | 'completed' | 'missing' | 'failed';

/** What a completed run found: the statement imported and what its reconciliation left open. */
export type RunCompletion = {
  channel: string;
  statementId: string;
  file: string;
  duplicateStatement: boolean;
  runId: string;
  matched: number;
  open: number;
  attempt: number;
};

export type ScheduleRunEvent =
  | {
      type: 'StatementAwaited';
      data: { scheduleId: string; businessDate: string; attempt: number; nextLookAt: string; reason: string };
    }
  | {
      type: 'ScheduledReconciliationCompleted';
      data: { scheduleId: string; businessDate: string } & RunCompletion;
    }
  | {
      type: 'StatementMissing';
      data: {
        scheduleId: string;
        businessDate: string;
        channel: string;
        deadline: string;
        attempts: number;
        reason: string;
      };
    }
  | {
      type: 'ScheduledReconciliationFailed';
      data: {
        scheduleId: string;
        businessDate: string;
        channel: string;
        code: string;
        reason: string;
        attempt: number;
      };
    };

export interface ScheduleRunState {
  state: RunState | 'none';
  attempts: number;
  runIds: string[];
  alerted: boolean;
}

interface RunBase extends CommandBase {
  scheduleId: string;
  businessDate: string;
}

export type ScheduleRunCommand =
  | (RunBase & { type: 'RecordAwaited'; attempt: number; nextLookAt: Date; reason: string })
  | (RunBase & { type: 'RecordCompleted' } & RunCompletion)
  | (RunBase & { type: 'RecordMissing'; channel: string; deadline: Date; attempts: number; reason: string })
  | (RunBase & { type: 'RecordFailed'; channel: string; code: string; reason: string; attempt: number });

export function decideScheduleRun(c: ScheduleRunCommand, s: ScheduleRunState): ScheduleRunEvent[] {
  const key = { scheduleId: c.scheduleId, businessDate: c.businessDate };
  switch (c.type) {
    case 'RecordAwaited':
      if (s.state === 'completed') return [];
      return [
        {
          type: 'StatementAwaited',
          data: { ...key, attempt: c.attempt, nextLookAt: c.nextLookAt.toISOString(), reason: c.reason },
        },
      ];
    case 'RecordCompleted':
      if (s.runIds.includes(c.runId)) return [];
      return [
        {
          type: 'ScheduledReconciliationCompleted',
          data: {
            ...key,
            channel: c.channel,
            statementId: c.statementId,
            file: c.file,
            duplicateStatement: c.duplicateStatement,
            runId: c.runId,
            matched: c.matched,
            open: c.open,
            attempt: c.attempt,
          },
        },
      ];
    case 'RecordMissing':
      // The alert is raised once for a day, however many workers or re-runs reach the deadline.
      if (s.alerted || s.state === 'completed') return [];
      return [
        {
          type: 'StatementMissing',
          data: {
            ...key,
            channel: c.channel,
            deadline: c.deadline.toISOString(),
            attempts: c.attempts,
            reason: c.reason,
          },
        },
      ];
    case 'RecordFailed':
      return [
        {
          type: 'ScheduledReconciliationFailed',
          data: { ...key, channel: c.channel, code: c.code, reason: c.reason, attempt: c.attempt },
        },
      ];
  }
}

export function evolveScheduleRun(s: ScheduleRunState, e: ScheduleRunEvent): ScheduleRunState {
  switch (e.type) {
    case 'StatementAwaited':
      return {
        ...s,
        state: s.state === 'none' || s.state === 'waiting' ? 'waiting' : s.state,
        attempts: e.data.attempt,
      };
    case 'ScheduledReconciliationCompleted':
      return { ...s, state: 'completed', attempts: e.data.attempt, runIds: [...s.runIds, e.data.runId] };
    case 'StatementMissing':
      return { ...s, state: 'missing', alerted: true, attempts: e.data.attempts };
    case 'ScheduledReconciliationFailed':
      return { ...s, state: 'failed', attempts: e.data.attempt };
  }
}

export const scheduleRunDecider: Decider<ScheduleRunCommand, ScheduleRunEvent, ScheduleRunState> = {
  category: 'schedule-run',
  streamKey: (c) => `${c.scheduleId}:${c.businessDate}`,
  initialState: () => ({ state: 'none', attempts: 0, runIds: [], alerted: false }),
  decide: decideScheduleRun,
  evolve: evolveScheduleRun,
};

/** The business day a firing reconciles: the fire time's local date in the schedule's zone, minus the offset. */
export function businessDateOfFire(
  fireAt: Date,
  spec: Pick<ScheduleSpec, 'timeZone' | 'dayOffset'>,
): BusinessDate {
  return addDays(businessDate(fireAt, { timeZone: spec.timeZone }), -spec.dayOffset);
}

/** Longest wait between two looks for a statement. */
export const MAX_RETRY_MS = 60 * 60_000;

/**
 * A statement not there yet: look again (after retryMinutes, doubling with each attempt, at most hourly, never
 * past the deadline) or, the deadline passed, declare it missing.
 */
export function nextLook(
  spec: Pick<ScheduleSpec, 'retryMinutes' | 'deadlineMinutes'>,
  fireAt: Date,
  now: Date,
  attempt: number,
): { kind: 'retry'; at: Date } | { kind: 'missing'; deadline: Date } {
  const deadline = new Date(fireAt.getTime() + spec.deadlineMinutes * 60_000);
  if (now.getTime() >= deadline.getTime()) return { kind: 'missing', deadline };
  const wait = Math.min(spec.retryMinutes * 60_000 * 2 ** Math.max(0, attempt - 1), MAX_RETRY_MS);
  return { kind: 'retry', at: new Date(Math.min(now.getTime() + wait, deadline.getTime())) };
}
