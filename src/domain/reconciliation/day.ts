// A reconciliation day of one hospital and channel: stream `<hospitalId>/recon-day/<channel>:<businessDate>`.
// Every run is recorded (what was matched, per category, from which statement files); the day closes only
// when nothing is open, its summary becoming an event; a closed day is re-opened only explicitly, with a reason.
import { type CommandBase, type Decider, decider } from '../decider.ts';
import type { JsonObject } from '../event-store.ts';
import type { DaySummary, ReconciliationDayEvent } from './events.ts';
import { refuse } from './refusals.ts';

export const MAX_REOPEN_REASON_LENGTH = 500;

export type DayStatus = 'none' | 'reconciled' | 'closed';

export interface DayState {
  status: DayStatus;
  runs: number;
  lastRun: { runId: string; summary: DaySummary; open: string[]; statements: string[] } | null;
  closedRunId: string | null;
  reopened: number;
}

interface DayCommandBase extends CommandBase {
  channel: string;
  businessDate: string;
}

export interface RecordReconciliationRun extends DayCommandBase {
  type: 'RecordReconciliationRun';
  /** Derived from what the run saw and found: the same inputs give the same id, and nothing new is recorded. */
  runId: string;
  summary: DaySummary;
  statements: string[];
  findings: number;
  open: string[];
  config: JsonObject;
}

export interface CloseDay extends DayCommandBase {
  type: 'CloseDay';
  /** Discrepancies of the day still open now (the caller reads them from their streams). */
  open: string[];
}

export interface ReopenDay extends DayCommandBase {
  type: 'ReopenDay';
  reason: string;
}

export type DayCommand = RecordReconciliationRun | CloseDay | ReopenDay;

export function dayStreamKey(channel: string, businessDate: string): string {
  return `${channel}:${businessDate}`;
}

export function initialDayState(): DayState {
  return { status: 'none', runs: 0, lastRun: null, closedRunId: null, reopened: 0 };
}

/** A closed day's figures are final: reconciling it again needs an explicit, visible reopen first. */
export function assertDayOpen(state: DayState, channel: string, businessDate: string): void {
  if (state.status === 'closed') throw refuse('DAY_CLOSED', { channel, businessDate });
}

export function decideDay(command: DayCommand, state: DayState): ReconciliationDayEvent[] {
  const { channel, businessDate } = command;
  switch (command.type) {
    case 'RecordReconciliationRun': {
      assertDayOpen(state, channel, businessDate);
      if (state.lastRun?.runId === command.runId) return [];
      return [
        {
          type: 'ReconciliationRun',
          data: {
            runId: command.runId,
            channel,
            businessDate,
            summary: command.summary as DaySummary & JsonObject,
            statements: command.statements,
            findings: command.findings,
            open: command.open,
            config: command.config,
          },
        },
      ];
    }
    case 'CloseDay': {
      if (state.status === 'closed') throw refuse('DAY_CLOSED', { channel, businessDate });
      if (!state.lastRun) throw refuse('DAY_NOT_RECONCILED', { channel, businessDate });
      if (command.open.length > 0)
        throw refuse('DAY_NOT_BALANCED', { channel, businessDate, open: command.open.length });
      return [
        {
          type: 'DayClosed',
          data: {
            channel,
            businessDate,
            runId: state.lastRun.runId,
            summary: state.lastRun.summary as DaySummary & JsonObject,
            by: command.actor.id,
          },
        },
      ];
    }
    case 'ReopenDay': {
      if (state.status !== 'closed') throw refuse('DAY_NOT_CLOSED', { channel, businessDate });
      const reason = command.reason.trim();
      if (reason.length === 0 || reason.length > MAX_REOPEN_REASON_LENGTH)
        throw refuse('REOPEN_REASON_REQUIRED', { maxLength: MAX_REOPEN_REASON_LENGTH });
      return [{ type: 'DayReopened', data: { channel, businessDate, reason, by: command.actor.id } }];
    }
  }
}

export function evolveDay(state: DayState, event: ReconciliationDayEvent): DayState {
  switch (event.type) {
    case 'ReconciliationRun': {
      const d = event.data;
      return {
        ...state,
        status: 'reconciled',
        runs: state.runs + 1,
        lastRun: { runId: d.runId, summary: d.summary, open: d.open, statements: d.statements },
      };
    }
    case 'DayClosed':
      return { ...state, status: 'closed', closedRunId: event.data.runId };
    case 'DayReopened':
      return { ...state, status: 'reconciled', reopened: state.reopened + 1 };
    default:
      return state;
  }
}

export const dayDecider: Decider<DayCommand, ReconciliationDayEvent, DayState> = decider(
  'recon-day',
  (command) => dayStreamKey(command.channel, command.businessDate),
  { initialState: initialDayState, decide: decideDay, evolve: evolveDay },
);
