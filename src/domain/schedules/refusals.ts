// Schedule refusals: the schedules section of the one refusal table (../refusals.ts).
import { SCHEDULE_REFUSALS } from '../refusals.ts';
import { type RejectionDetails, refusalClass } from '../rejection.ts';

export type ScheduleRefusalCode = keyof typeof SCHEDULE_REFUSALS;

export const ScheduleRefusal = refusalClass('ScheduleRefusal', SCHEDULE_REFUSALS);
export type ScheduleRefusal = InstanceType<typeof ScheduleRefusal>;

export function refuseSchedule(code: ScheduleRefusalCode, details: RejectionDetails = {}): ScheduleRefusal {
  return new ScheduleRefusal(code, details);
}
