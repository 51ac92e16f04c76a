// Schedules as configuration: what a schedule may say, the business day a firing reconciles, when a statement
// not there yet is looked for again, and the missing alert raised once.
import { describe, expect, it } from 'vitest';
import { HospitalId } from '../../src/domain/ids.ts';
import { Refusal } from '../../src/domain/rejection.ts';
import {
  businessDateOfFire,
  decideScheduleRun,
  evolveScheduleRun,
  nextLook,
  type ScheduleRunCommand,
  scheduleRunDecider,
} from '../../src/domain/schedules/run.ts';
import { decideSchedule, scheduleDecider, scheduleSpecOf } from '../../src/domain/schedules/schedule.ts';
import { fold } from '../../src/domain/decider.ts';

const folder = { kind: 'folder', path: '/srv/drop', pattern: 'wechat_{yyyymmdd}.csv' };
const base = {
  hospitalId: HospitalId('H1'),
  at: new Date('2026-12-02T02:00:00Z'),
  actor: { kind: 'staff' as const, id: 'admin' },
};

function refusal(f: () => unknown): { code: string; details: unknown } {
  try {
    f();
  } catch (e) {
    if (e instanceof Refusal) return { code: e.code, details: e.details };
    throw e;
  }
  throw new Error('not refused');
}

describe('a schedule', () => {
  it('takes the defaults a finance team expects: 10:00 Asia/Shanghai for T-1, retried every 30 min until 18:00', () => {
    expect(scheduleSpecOf({ scheduleId: 'wechat-daily', channel: 'wechat', source: folder })).toEqual({
      scheduleId: 'wechat-daily',
      channel: 'wechat',
      cron: '0 10 * * *',
      timeZone: 'Asia/Shanghai',
      dayOffset: 1,
      source: folder,
      retryMinutes: 30,
      deadlineMinutes: 480,
      format: 'auto',
    });
  });

  it.each([
    [{ scheduleId: 'Bad Id', channel: 'wechat', source: folder }, 'scheduleId'],
    [{ scheduleId: 'a', channel: 'wechat', source: folder, timeZone: 'Mars/Olympus' }, 'timeZone'],
    [{ scheduleId: 'a', channel: 'wechat', source: folder, cron: 'every day' }, 'cron'],
    [{ scheduleId: 'a', channel: 'wechat', source: { kind: 'ftp' } }, 'source.kind'],
    [{ scheduleId: 'a', channel: 'wechat', source: { ...folder, pattern: '../x' } }, 'source.pattern'],
    [
      { scheduleId: 'a', channel: 'wechat', source: { kind: 'https', url: 'file:///etc/passwd' } },
      'source.url',
    ],
    [
      { scheduleId: 'a', channel: 'wechat', source: { kind: 'channel', channel: 'alipay' } },
      'source.channel',
    ],
    [{ scheduleId: 'a', channel: 'wechat', source: folder, dayOffset: 40 }, 'dayOffset'],
    [{ scheduleId: 'a', channel: 'wechat\u0000', source: folder }, 'channel'],
  ])('refuses %j naming the field', (input, field) => {
    const r = refusal(() => scheduleSpecOf(input as Record<string, unknown>));
    expect(r.code).toBe('SCHEDULE_INVALID');
    expect((r.details as { field: string }).field).toBe(field);
  });

  it('records a change only when something changed; pausing and removing need a reason', () => {
    const spec = scheduleSpecOf({ scheduleId: 'w', channel: 'wechat', source: folder });
    const set = decideSchedule({ ...base, type: 'SetSchedule', spec }, scheduleDecider.initialState());
    expect(set.map((e) => e.type)).toEqual(['ScheduleSet']);
    const state = fold(scheduleDecider, set);
    expect(decideSchedule({ ...base, type: 'SetSchedule', spec }, state)).toEqual([]);
    expect(
      refusal(() => decideSchedule({ ...base, type: 'PauseSchedule', scheduleId: 'w', reason: ' ' }, state))
        .code,
    ).toBe('SCHEDULE_REASON_REQUIRED');
    expect(
      refusal(() =>
        decideSchedule({ ...base, type: 'ResumeSchedule', scheduleId: 'w' }, scheduleDecider.initialState()),
      ).code,
    ).toBe('SCHEDULE_NOT_FOUND');
    const paused = fold(
      scheduleDecider,
      decideSchedule({ ...base, type: 'PauseSchedule', scheduleId: 'w', reason: 'bank holiday' }, state),
      state,
    );
    expect(paused.status).toBe('paused');
    // A change to a paused schedule keeps it paused.
    const changed = fold(
      scheduleDecider,
      decideSchedule({ ...base, type: 'SetSchedule', spec: { ...spec, cron: '0 11 * * *' } }, paused),
      paused,
    );
    expect(changed.status).toBe('paused');
    expect(changed.spec?.cron).toBe('0 11 * * *');
  });
});

describe('a firing', () => {
  it("reconciles the fire time's local day minus the offset", () => {
    // 2026-12-02 01:30 in Shanghai is 2026-12-01 17:30 UTC: T-1 is 2026-12-01, not 2026-11-30.
    expect(
      businessDateOfFire(new Date('2026-12-01T17:30:00Z'), { timeZone: 'Asia/Shanghai', dayOffset: 1 }),
    ).toBe('2026-12-01');
    expect(businessDateOfFire(new Date('2026-12-01T17:30:00Z'), { timeZone: 'UTC', dayOffset: 1 })).toBe(
      '2026-11-30',
    );
    expect(
      businessDateOfFire(new Date('2026-03-01T02:00:00Z'), { timeZone: 'Asia/Shanghai', dayOffset: 2 }),
    ).toBe('2026-02-27');
  });

  it('looks again later, doubling the wait, never past the deadline; then the statement is missing', () => {
    const spec = { retryMinutes: 30, deadlineMinutes: 120 };
    const fired = new Date('2026-12-02T02:00:00Z');
    const at = (min: number) => new Date(fired.getTime() + min * 60_000);
    expect(nextLook(spec, fired, at(0), 1)).toEqual({ kind: 'retry', at: at(30) });
    expect(nextLook(spec, fired, at(30), 2)).toEqual({ kind: 'retry', at: at(90) });
    expect(nextLook(spec, fired, at(90), 3)).toEqual({ kind: 'retry', at: at(120) });
    expect(nextLook(spec, fired, at(120), 4)).toEqual({ kind: 'missing', deadline: at(120) });
    expect(nextLook({ retryMinutes: 50, deadlineMinutes: 100000 }, fired, at(0), 10)).toEqual({
      kind: 'retry',
      at: at(60),
    });
  });

  it('raises the missing alert once for a day, and never after the day completed', () => {
    const run = { ...base, scheduleId: 'w', businessDate: '2026-12-01' };
    const missing: ScheduleRunCommand = {
      ...run,
      type: 'RecordMissing',
      channel: 'wechat',
      deadline: new Date(),
      attempts: 3,
      reason: 'none',
    };
    const first = decideScheduleRun(missing, scheduleRunDecider.initialState());
    expect(first.map((e) => e.type)).toEqual(['StatementMissing']);
    const after = first.reduce(evolveScheduleRun, scheduleRunDecider.initialState());
    expect(decideScheduleRun(missing, after)).toEqual([]);
    const completed: ScheduleRunCommand = {
      ...run,
      type: 'RecordCompleted',
      channel: 'wechat',
      statementId: 's',
      file: 'f',
      duplicateStatement: false,
      runId: 'r1',
      matched: 1,
      open: 0,
      attempt: 1,
    };
    const done = decideScheduleRun(completed, scheduleRunDecider.initialState()).reduce(
      evolveScheduleRun,
      scheduleRunDecider.initialState(),
    );
    expect(decideScheduleRun(missing, done)).toEqual([]);
    expect(decideScheduleRun(completed, done)).toEqual([]);
  });
});
