// Scheduled auto-reconciliation: the use cases behind `ledger schedules …`, `/v1/schedules` and the worker.
// A schedule is configuration recorded as events (domain/schedules/schedule.ts); the queue's job schedulers
// are derived from it (set here when it changes, re-synced by every worker at start and periodically). A
// firing runs one business day: fetch the statement from its source, import it, reconcile, record the
// outcome — or record that it waits, and at the deadline that it is missing (once).
import { handle } from '../domain/command-handler.ts';
import type { Actor } from '../domain/decider.ts';
import type { EventStore } from '../domain/event-store.ts';
import { fold } from '../domain/decider.ts';
import { isBusinessDate } from '../domain/business-date.ts';
import { HospitalId } from '../domain/ids.ts';
import { streamId } from '../domain/event-store.ts';
import { dayStreamKey } from '../domain/reconciliation/day.ts';
import type { MatchingConfig } from '../domain/reconciliation/matching.ts';
import type { ScheduledRunOutcome, ScheduleQueue } from '../domain/ports/schedules.ts';
import { Refusal } from '../domain/rejection.ts';
import { refuseSchedule } from '../domain/schedules/refusals.ts';
import {
  businessDateOfFire,
  nextLook,
  type ScheduleRunCommand,
  scheduleRunDecider,
} from '../domain/schedules/run.ts';
import {
  type ScheduleCommand,
  type ScheduleState,
  scheduleDecider,
  scheduleSpecOf,
} from '../domain/schedules/schedule.ts';
import { streamOf } from '../domain/decider.ts';
import type { ReadDb } from '../projections/database.ts';
import { scheduleRunsProjection, schedulesProjection } from '../projections/read-models/schedules.ts';
import {
  listScheduleRuns,
  listSchedules,
  type ScheduleRow,
  type ScheduleRunRow,
} from '../projections/read-models/schedules-queries.ts';
import type { StatementFetcher } from '../adapters/sources/fetch.ts';
import { daysWithPending } from '../projections/reconciliation/queries.ts';
import { reconciliationProjection } from '../projections/reconciliation/read-models.ts';
import { SourceError } from '../adapters/sources/errors.ts';
import { isStatementError } from '../adapters/statements/errors.ts';
import {
  catchUp,
  dayStatus,
  importStatement,
  type ReconciliationPorts,
  reconcileDay,
} from './reconciliation/index.ts';

/** What configuring and listing schedules needs. */
export interface ScheduleConfigPorts extends Pick<ReconciliationPorts, 'store' | 'dateOptions'> {
  db: ReadDb;
  queue?: ScheduleQueue;
  now?: () => Date;
}

/** What running a scheduled day needs besides. */
export interface SchedulePorts extends ScheduleConfigPorts {
  fetcher: StatementFetcher;
}

export const SCHEDULER_ACTOR: Actor = { kind: 'system', id: 'scheduler' };

const schedulePorts = (p: ScheduleConfigPorts) => ({ ...p, db: p.db as ReconciliationPorts['db'] });

async function scheduleState(
  store: EventStore,
  hospitalId: string,
  scheduleId: string,
): Promise<ScheduleState> {
  const stream = streamOf(scheduleDecider, {
    hospitalId: HospitalId(hospitalId),
    type: 'ResumeSchedule',
    scheduleId,
  } as ScheduleCommand);
  const read = await store.readStream(stream);
  return fold(scheduleDecider, read.events as never);
}

async function command(ports: ScheduleConfigPorts, c: ScheduleCommand): Promise<ScheduleState> {
  const result = await handle(ports.store, scheduleDecider, c);
  const state = result.state;
  // The queue follows the configuration; a queue that is away now is brought in step by the next worker sync.
  if (ports.queue && result.events.length > 0) {
    try {
      if (state.status === 'active' && state.spec)
        await ports.queue.upsert({
          hospitalId: c.hospitalId,
          scheduleId: state.spec.scheduleId,
          spec: state.spec,
        });
      else
        await ports.queue.remove(c.hospitalId, c.type === 'SetSchedule' ? c.spec.scheduleId : c.scheduleId);
    } catch {
      /* recorded already; the worker's periodic sync applies it */
    }
  }
  return state;
}

const base = (ports: ScheduleConfigPorts, hospitalId: string, actor: Actor) => ({
  hospitalId: HospitalId(hospitalId),
  at: (ports.now ?? (() => new Date()))(),
  actor,
});

export function setSchedule(
  ports: ScheduleConfigPorts,
  hospitalId: string,
  actor: Actor,
  input: Record<string, unknown>,
) {
  return command(ports, {
    ...base(ports, hospitalId, actor),
    type: 'SetSchedule',
    spec: scheduleSpecOf(input),
  });
}

export function pauseSchedule(
  ports: ScheduleConfigPorts,
  hospitalId: string,
  actor: Actor,
  scheduleId: string,
  reason: string,
) {
  return command(ports, { ...base(ports, hospitalId, actor), type: 'PauseSchedule', scheduleId, reason });
}

export function resumeSchedule(
  ports: ScheduleConfigPorts,
  hospitalId: string,
  actor: Actor,
  scheduleId: string,
) {
  return command(ports, { ...base(ports, hospitalId, actor), type: 'ResumeSchedule', scheduleId });
}

export function removeSchedule(
  ports: ScheduleConfigPorts,
  hospitalId: string,
  actor: Actor,
  scheduleId: string,
  reason: string,
) {
  return command(ports, { ...base(ports, hospitalId, actor), type: 'RemoveSchedule', scheduleId, reason });
}

/** Schedules as configured (read model caught up first, so a change just made is listed). */
export async function schedules(ports: ScheduleConfigPorts, hospitalId?: string): Promise<ScheduleRow[]> {
  await catchUp(schedulePorts(ports), [schedulesProjection]);
  return listSchedules(ports.db, hospitalId === undefined ? {} : { hospitalId });
}

/** Scheduled days, newest first; `alerts` keeps the missing and failed ones. */
export async function scheduleRuns(
  ports: ScheduleConfigPorts,
  q: { hospitalId: string; scheduleId?: string; alerts?: boolean; limit?: number },
): Promise<ScheduleRunRow[]> {
  await catchUp(schedulePorts(ports), [scheduleRunsProjection]);
  return listScheduleRuns(ports.db, {
    hospitalId: q.hospitalId,
    ...(q.scheduleId !== undefined ? { scheduleId: q.scheduleId } : {}),
    ...(q.alerts ? { states: ['missing', 'failed'] } : {}),
    limit: q.limit ?? 100,
  });
}

/** Brings the queue's job schedulers in step with the configuration (every worker at start, then periodically). */
export async function syncSchedules(
  ports: ScheduleConfigPorts & { queue: ScheduleQueue },
): Promise<{ active: number; removed: number }> {
  const all = await (async () => {
    await catchUp(schedulePorts(ports), [schedulesProjection]);
    return listSchedules(ports.db, { includeRemoved: true });
  })();
  let active = 0;
  let removed = 0;
  for (const s of all) {
    if (s.status === 'active') {
      await ports.queue.upsert({ hospitalId: s.hospitalId, scheduleId: s.scheduleId, spec: s.spec });
      active++;
    } else {
      await ports.queue.remove(s.hospitalId, s.scheduleId);
      removed++;
    }
  }
  return { active, removed };
}

/** Queues a run of a schedule now, for its usual day or for a given past day (safe to repeat). */
export async function runScheduleNow(
  ports: ScheduleConfigPorts & { queue: ScheduleQueue },
  hospitalId: string,
  scheduleId: string,
  businessDate?: string,
): Promise<string> {
  if (businessDate !== undefined && !isBusinessDate(businessDate))
    throw refuseSchedule('SCHEDULE_RUN_DATE_INVALID', { businessDate });
  const state = await scheduleState(ports.store, hospitalId, scheduleId);
  if (state.status === 'none' || state.status === 'removed')
    throw refuseSchedule('SCHEDULE_NOT_FOUND', { scheduleId });
  return ports.queue.enqueue({
    hospitalId,
    scheduleId,
    ...(businessDate !== undefined ? { businessDate } : {}),
  });
}

type Common = 'hospitalId' | 'at' | 'actor' | 'scheduleId' | 'businessDate';
/** A run command without what every command of the run shares. */
type RunFacts = ScheduleRunCommand extends infer C
  ? C extends ScheduleRunCommand
    ? Omit<C, Common>
    : never
  : never;

export interface ScheduledRun {
  hospitalId: string;
  scheduleId: string;
  /** When the schedule fired (a late run still reconciles the day its firing was for). */
  firedAt: Date;
  /** A given day (run-now for a past day); default: the fire time's day minus the offset. */
  businessDate?: string;
  /** 1 for the first look, then 2, 3 … */
  attempt: number;
  onProgress?: (message: string) => void;
}

/** Codes that say the file or its source is wrong now but may be right later (a half-delivered file). */
const RETRYABLE_IMPORT = new Set([
  'TRUNCATED',
  'MALFORMED_FILE',
  'TOTALS_MISMATCH',
  'MISSING_HEADER',
  'FILE_CHANGED',
  'IMPORT_IN_PROGRESS',
]);

/**
 * One firing of a schedule for one business day. Safe to run again for the same day (by a retry, a second
 * worker after a crash, or run-now): the import recognises a file it has, the reconciliation a run it made,
 * and the outcome is recorded once.
 */
export async function runScheduledDay(ports: SchedulePorts, run: ScheduledRun): Promise<ScheduledRunOutcome> {
  const now = (ports.now ?? (() => new Date()))();
  const state = await scheduleState(ports.store, run.hospitalId, run.scheduleId);
  if (!state.spec || state.status !== 'active')
    return {
      kind: 'skipped',
      reason: `schedule ${run.scheduleId} is ${state.status === 'none' ? 'unknown' : state.status}`,
    };
  const spec = state.spec;
  const businessDate = run.businessDate ?? businessDateOfFire(run.firedAt, spec);
  const record = (c: RunFacts) =>
    handle(ports.store, scheduleRunDecider, {
      ...c,
      hospitalId: HospitalId(run.hospitalId),
      at: now,
      actor: SCHEDULER_ACTOR,
      scheduleId: run.scheduleId,
      businessDate,
    } as ScheduleRunCommand);

  const notYet = async (reason: string, code = 'STATEMENT_NOT_THERE'): Promise<ScheduledRunOutcome> => {
    const next = nextLook(spec, run.firedAt, now, run.attempt);
    if (next.kind === 'missing') {
      if (code === 'STATEMENT_NOT_THERE') {
        await record({
          type: 'RecordMissing',
          channel: spec.channel,
          deadline: next.deadline,
          attempts: run.attempt,
          reason,
        });
        return { kind: 'missing', businessDate, deadline: next.deadline };
      }
      await record({ type: 'RecordFailed', channel: spec.channel, code, reason, attempt: run.attempt });
      return { kind: 'failed', businessDate, code, reason };
    }
    await record({ type: 'RecordAwaited', attempt: run.attempt, nextLookAt: next.at, reason });
    return { kind: 'retry', businessDate, at: next.at, reason };
  };

  run.onProgress?.(`fetching ${spec.channel} statement of ${businessDate} from ${spec.source.kind}`);
  let fetched: Awaited<ReturnType<StatementFetcher['fetch']>>;
  try {
    fetched = await ports.fetcher.fetch(run.hospitalId, spec.source, businessDate);
  } catch (e) {
    if (e instanceof SourceError) return notYet(e.message, e.code);
    throw e;
  }
  try {
    if (fetched.files.length === 0)
      return await notYet(`no ${spec.channel} statement for ${businessDate} at the source yet`);
    const statements: string[] = [];
    let duplicates = 0;
    for (const file of fetched.files) {
      run.onProgress?.(`importing ${file.name}`);
      try {
        const imported = await importStatement(ports, file.source, {
          hospitalId: run.hospitalId,
          channel: spec.channel,
          businessDate,
          origin: `schedule:${run.scheduleId}:${spec.source.kind}`,
          at: now,
          ...(spec.format !== 'auto' ? { format: spec.format as never } : {}),
        });
        statements.push(imported.statementId);
        if (imported.duplicate) duplicates++;
      } catch (e) {
        if (!isStatementError(e)) throw e;
        const reason = `${e.file}:${e.line}: ${e.reason}`;
        if (RETRYABLE_IMPORT.has(e.code)) return await notYet(reason, e.code);
        await record({
          type: 'RecordFailed',
          channel: spec.channel,
          code: e.code,
          reason,
          attempt: run.attempt,
        });
        return { kind: 'failed', businessDate, code: e.code, reason };
      }
    }
    run.onProgress?.(`reconciling ${spec.channel} ${businessDate}`);
    let report: Awaited<ReturnType<typeof reconcileDay>>;
    try {
      report = await reconcileDay(schedulePorts(ports), {
        hospitalId: run.hospitalId,
        channel: spec.channel,
        businessDate,
        actor: SCHEDULER_ACTOR,
        at: now,
      });
    } catch (e) {
      // A day finance has closed stays as they closed it: the scheduler does not reopen it.
      if (e instanceof Refusal && e.code === 'DAY_CLOSED')
        return { kind: 'skipped', reason: `${businessDate} is closed` };
      throw e;
    }
    await record({
      type: 'RecordCompleted',
      channel: spec.channel,
      statementId: statements.join(','),
      file: fetched.files.map((f) => f.name).join(', '),
      duplicateStatement: duplicates === fetched.files.length,
      runId: report.runId,
      matched: report.matched.count,
      open: report.discrepancies.open.length,
      attempt: run.attempt,
    });
    return {
      kind: 'completed',
      businessDate,
      runId: report.runId,
      statements,
      matched: report.matched.count,
      open: report.discrepancies.open.length,
    };
  } finally {
    await fetched.release();
  }
}

/** Days looked at per deadline round (the rest wait for the next round). */
export const PENDING_ROUND_DAYS = 500;

/**
 * The pending-items deadline job: every day still holding pending items is reconciled again at `now`, so an item
 * whose neighbouring statement never came is raised with its real type once its deadline passes (and one whose
 * statement came is cleared). A day where nothing changed records nothing (its run id is the same); a closed
 * day is left as finance closed it.
 */
export async function reconcileOverduePending(
  ports: ScheduleConfigPorts,
  now: Date = (ports.now ?? (() => new Date()))(),
): Promise<{ days: number; changed: number; raised: number }> {
  const rp = schedulePorts(ports);
  await catchUp(rp, [reconciliationProjection]);
  const days = await daysWithPending(ports.db, PENDING_ROUND_DAYS);
  let changed = 0;
  let raised = 0;
  for (const d of days) {
    try {
      const runs = async () => (await dayStatus(rp, d))[0]?.runs ?? 0;
      const before = await runs();
      // Again with the configuration the day was last reconciled with (fee rates and windows as finance set them).
      const events = (
        await ports.store.readStream(
          streamId(d.hospitalId, 'recon-day', dayStreamKey(d.channel, d.businessDate)),
        )
      ).events;
      const last = events.filter((e) => e.type === 'ReconciliationRun').at(-1);
      const config = (last?.data as { config?: Partial<MatchingConfig> } | undefined)?.config ?? {};
      const report = await reconcileDay(rp, { ...d, config, actor: SCHEDULER_ACTOR, at: now });
      if ((await runs()) > before) changed++;
      raised += report.discrepancies.raised;
    } catch (e) {
      if (e instanceof Refusal && e.code === 'DAY_CLOSED') continue;
      throw e;
    }
  }
  return { days: days.length, changed, raised };
}
