// A hospital's auto-reconciliation schedule: stream `<hospitalId>/schedule/<scheduleId>`. Which channel's
// statement is fetched from where, when (cron in the hospital's time zone), for which business day (T-1 by
// default), how often a statement not there yet is looked for again and until when. Configuration as events:
// set (create or change), pause, resume, remove; every change says who made it.
import type { CommandBase, Decider } from '../decider.ts';
import type { JsonObject } from '../event-store.ts';
import { refuseSchedule } from './refusals.ts';

export const SCHEDULE_ID_PATTERN = /^[a-z0-9][a-z0-9-]{0,63}$/;
/** Longest wait after the fire time before a statement still absent is declared missing. */
export const MAX_DEADLINE_MINUTES = 7 * 24 * 60;
export const MAX_DAY_OFFSET = 31;

/** Where the statement comes from. `{date}` / `{yyyymmdd}` in a path or URL stand for the business date. */
export type StatementSourceSpec =
  | { kind: 'folder'; path: string; pattern: string }
  | {
      kind: 'sftp';
      host: string;
      port: number;
      username: string;
      path: string;
      pattern: string;
      credential: string;
    }
  | { kind: 'https'; url: string; credential?: string }
  | { kind: 'channel'; channel: string; bill: 'trade' | 'fundflow' };

export const SOURCE_KINDS = ['folder', 'sftp', 'https', 'channel'] as const;

export interface ScheduleSpec {
  scheduleId: string;
  /** The platform channel whose statement is reconciled (wechat, alipay, unionpay …). */
  channel: string;
  /** Five-field cron (or six with seconds), read in `timeZone`. */
  cron: string;
  timeZone: string;
  /** Business day reconciled = the fire time's local date minus this many days (1 = T-1). */
  dayOffset: number;
  source: StatementSourceSpec;
  /** A statement not there yet is looked for again after this many minutes (then doubling, at most hourly). */
  retryMinutes: number;
  /** … until this many minutes after the fire time; then *statement missing* is recorded. */
  deadlineMinutes: number;
  /** Statement format passed to the import (`auto` detects). */
  format: string;
}

export type ScheduleEvent =
  | { type: 'ScheduleSet'; data: ScheduleSpec & JsonObject }
  | { type: 'SchedulePaused'; data: { scheduleId: string; reason: string } }
  | { type: 'ScheduleResumed'; data: { scheduleId: string } }
  | { type: 'ScheduleRemoved'; data: { scheduleId: string; reason: string } };

export interface ScheduleState {
  spec: ScheduleSpec | null;
  status: 'none' | 'active' | 'paused' | 'removed';
  changes: number;
}

export type ScheduleCommand =
  | (CommandBase & { type: 'SetSchedule'; spec: ScheduleSpec })
  | (CommandBase & { type: 'PauseSchedule'; scheduleId: string; reason: string })
  | (CommandBase & { type: 'ResumeSchedule'; scheduleId: string })
  | (CommandBase & { type: 'RemoveSchedule'; scheduleId: string; reason: string });

const scheduleIdOf = (c: ScheduleCommand): string =>
  c.type === 'SetSchedule' ? c.spec.scheduleId : c.scheduleId;

/** No control characters (a name or path is printed in logs and tables). */
const printable = (v: string): boolean =>
  ![...v].some((ch) => ch.charCodeAt(0) < 0x20 || ch.charCodeAt(0) === 0x7f);

function text(field: string, v: unknown, max: number, required = true): string {
  if (typeof v !== 'string' || (required && v.trim() === '') || v.length > max || !printable(v))
    throw refuseSchedule('SCHEDULE_INVALID', {
      field,
      reason: `a string of at most ${max} printable characters`,
    });
  return v;
}

function integer(field: string, v: unknown, min: number, max: number): number {
  if (typeof v !== 'number' || !Number.isInteger(v) || v < min || v > max)
    throw refuseSchedule('SCHEDULE_INVALID', { field, reason: `an integer from ${min} to ${max}` });
  return v;
}

/** A file name pattern: `*` and `?` wildcards and the date placeholders; no path separators. */
function pattern(field: string, v: unknown): string {
  const p = text(field, v, 200);
  if (/[/\\]/.test(p)) throw refuseSchedule('SCHEDULE_INVALID', { field, reason: 'a file name, not a path' });
  return p;
}

function source(v: unknown): StatementSourceSpec {
  if (typeof v !== 'object' || v === null) throw refuseSchedule('SCHEDULE_INVALID', { field: 'source' });
  const s = v as Record<string, unknown>;
  switch (s.kind) {
    case 'folder':
      return {
        kind: 'folder',
        path: text('source.path', s.path, 1000),
        pattern: pattern('source.pattern', s.pattern),
      };
    case 'sftp':
      return {
        kind: 'sftp',
        host: text('source.host', s.host, 253),
        port: integer('source.port', s.port ?? 22, 1, 65535),
        username: text('source.username', s.username, 100),
        path: text('source.path', s.path, 1000),
        pattern: pattern('source.pattern', s.pattern),
        credential: text('source.credential', s.credential, 100),
      };
    case 'https': {
      const url = text('source.url', s.url, 2000);
      let parsed: URL;
      try {
        parsed = new URL(url.replaceAll('{date}', '2000-01-01').replaceAll('{yyyymmdd}', '20000101'));
      } catch {
        throw refuseSchedule('SCHEDULE_INVALID', { field: 'source.url', reason: 'not a URL' });
      }
      if (parsed.protocol !== 'https:' && parsed.protocol !== 'http:')
        throw refuseSchedule('SCHEDULE_INVALID', {
          field: 'source.url',
          reason: 'https (or http on a private network)',
        });
      return {
        kind: 'https',
        url,
        ...(s.credential !== undefined ? { credential: text('source.credential', s.credential, 100) } : {}),
      };
    }
    case 'channel': {
      const bill = s.bill ?? 'trade';
      if (bill !== 'trade' && bill !== 'fundflow')
        throw refuseSchedule('SCHEDULE_INVALID', { field: 'source.bill', reason: 'trade or fundflow' });
      return { kind: 'channel', channel: text('source.channel', s.channel, 32), bill };
    }
    default:
      throw refuseSchedule('SCHEDULE_INVALID', { field: 'source.kind', reason: SOURCE_KINDS.join(' | ') });
  }
}

function timeZone(v: unknown): string {
  const tz = text('timeZone', v, 64);
  try {
    new Intl.DateTimeFormat('en-US', { timeZone: tz });
  } catch {
    throw refuseSchedule('SCHEDULE_INVALID', {
      field: 'timeZone',
      reason: 'an IANA time zone, e.g. Asia/Shanghai',
    });
  }
  return tz;
}

/** Field-level shape of a cron expression (the scheduler adapter parses it whole before anything is recorded). */
function cron(v: unknown): string {
  const c = text('cron', v, 100).trim().replace(/\s+/g, ' ');
  const fields = c.split(' ');
  if (fields.length < 5 || fields.length > 6 || fields.some((f) => !/^[0-9*,/?LW#A-Za-z-]+$/.test(f)))
    throw refuseSchedule('SCHEDULE_INVALID', {
      field: 'cron',
      reason: 'five (or six, with seconds) cron fields',
    });
  return c;
}

/** The defaults a finance team expects: 10:00 each morning for T-1, retried every 30 minutes until 18:00. */
export function scheduleSpecOf(input: Record<string, unknown>): ScheduleSpec {
  const scheduleId = text('scheduleId', input.scheduleId, 64);
  if (!SCHEDULE_ID_PATTERN.test(scheduleId))
    throw refuseSchedule('SCHEDULE_INVALID', {
      field: 'scheduleId',
      reason: 'lower-case letters, digits and -',
    });
  const spec: ScheduleSpec = {
    scheduleId,
    channel: text('channel', input.channel, 32),
    cron: cron(input.cron ?? '0 10 * * *'),
    timeZone: timeZone(input.timeZone ?? 'Asia/Shanghai'),
    dayOffset: integer('dayOffset', input.dayOffset ?? 1, 0, MAX_DAY_OFFSET),
    source: source(input.source),
    retryMinutes: integer('retryMinutes', input.retryMinutes ?? 30, 1, 24 * 60),
    deadlineMinutes: integer('deadlineMinutes', input.deadlineMinutes ?? 8 * 60, 0, MAX_DEADLINE_MINUTES),
    format: text('format', input.format ?? 'auto', 32),
  };
  if (spec.source.kind === 'channel' && spec.source.channel !== spec.channel)
    throw refuseSchedule('SCHEDULE_INVALID', {
      field: 'source.channel',
      reason: 'the schedule’s own channel',
    });
  return spec;
}

const reasonOf = (r: string): string => {
  const t = r.trim();
  if (t === '' || t.length > 500) throw refuseSchedule('SCHEDULE_REASON_REQUIRED', { maxLength: 500 });
  return t;
};

export function decideSchedule(command: ScheduleCommand, state: ScheduleState): ScheduleEvent[] {
  const scheduleId = scheduleIdOf(command);
  if (command.type !== 'SetSchedule' && (state.status === 'none' || state.status === 'removed'))
    throw refuseSchedule('SCHEDULE_NOT_FOUND', { scheduleId });
  switch (command.type) {
    case 'SetSchedule': {
      const spec = scheduleSpecOf(command.spec as unknown as Record<string, unknown>);
      if (state.spec && state.status !== 'removed' && JSON.stringify(state.spec) === JSON.stringify(spec))
        return [];
      return [{ type: 'ScheduleSet', data: spec as ScheduleSpec & JsonObject }];
    }
    case 'PauseSchedule':
      if (state.status === 'paused') return [];
      return [{ type: 'SchedulePaused', data: { scheduleId, reason: reasonOf(command.reason) } }];
    case 'ResumeSchedule':
      if (state.status === 'active') return [];
      return [{ type: 'ScheduleResumed', data: { scheduleId } }];
    case 'RemoveSchedule':
      return [{ type: 'ScheduleRemoved', data: { scheduleId, reason: reasonOf(command.reason) } }];
  }
}

export function evolveSchedule(state: ScheduleState, event: ScheduleEvent): ScheduleState {
  const changes = state.changes + 1;
  switch (event.type) {
    case 'ScheduleSet':
      return { spec: event.data, status: state.status === 'paused' ? 'paused' : 'active', changes };
    case 'SchedulePaused':
      return { ...state, status: 'paused', changes };
    case 'ScheduleResumed':
      return { ...state, status: 'active', changes };
    case 'ScheduleRemoved':
      return { ...state, status: 'removed', changes };
  }
}

export const scheduleDecider: Decider<ScheduleCommand, ScheduleEvent, ScheduleState> = {
  category: 'schedule',
  streamKey: scheduleIdOf,
  initialState: () => ({ spec: null, status: 'none', changes: 0 }),
  decide: decideSchedule,
  evolve: evolveSchedule,
};
