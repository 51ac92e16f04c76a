// The queue's side of scheduled auto-reconciliation (BullMQ job schedulers in production) and what one
// firing of a schedule answers: the use cases (src/app/schedules.ts) work on these, src/adapters/queue
// satisfies them.
import type { ScheduleSpec } from '../schedules/schedule.ts';

/** The queue's side of schedules (BullMQ job schedulers in production). */
export interface ScheduleQueue {
  /** Creates or replaces the job scheduler of an active schedule. */
  upsert(schedule: { hospitalId: string; scheduleId: string; spec: ScheduleSpec }): Promise<void>;
  /** Removes the job scheduler (paused or removed schedule); nothing when there is none. */
  remove(hospitalId: string, scheduleId: string): Promise<void>;
  /** Queues one run now (run-now, a re-run of a past day). Answers the job id. */
  enqueue(run: { hospitalId: string; scheduleId: string; businessDate?: string }): Promise<string>;
}

export type ScheduledRunOutcome =
  | {
      kind: 'completed';
      businessDate: string;
      runId: string;
      statements: string[];
      matched: number;
      open: number;
    }
  | { kind: 'retry'; businessDate: string; at: Date; reason: string }
  | { kind: 'missing'; businessDate: string; deadline: Date }
  | { kind: 'failed'; businessDate: string; code: string; reason: string }
  | { kind: 'skipped'; reason: string };
