// Schedule refusals: stable codes with zh/en messages and their kind, in the one refusal table (../refusals.ts).
import { Refusal, type RejectionDetails, type RejectionStatus } from '../rejection.ts';

export const SCHEDULE_REFUSALS = {
  SCHEDULE_INVALID: { status: 'invalid', zh: '对账计划设置不正确', en: 'The schedule settings are invalid' },
  SCHEDULE_NOT_FOUND: { status: 'not_found', zh: '对账计划不存在', en: 'The schedule does not exist' },
  SCHEDULE_REASON_REQUIRED: {
    status: 'invalid',
    zh: '暂停或删除对账计划须填写原因',
    en: 'Pausing or removing a schedule needs a reason',
  },
  SCHEDULE_RUN_DATE_INVALID: {
    status: 'invalid',
    zh: '补跑日期不正确',
    en: 'The business date to run is invalid',
  },
  QUEUE_JOB_NOT_FOUND: { status: 'not_found', zh: '后台任务不存在', en: 'The background job does not exist' },
  QUEUE_JOB_NOT_FAILED: {
    status: 'conflict',
    zh: '只能重试失败的任务',
    en: 'Only a failed job can be retried',
  },
  QUEUE_UNAVAILABLE: {
    status: 'conflict',
    zh: '任务队列暂不可用，请稍后再试',
    en: 'The job queue is unavailable; retry later',
  },
  JOB_RESULT_NOT_READY: {
    status: 'conflict',
    zh: '任务尚未完成，或没有可下载的结果',
    en: 'The job has not succeeded yet, or has no file to download',
  },
  PROJECTION_UNKNOWN: { status: 'not_found', zh: '读模型不存在', en: 'No projection of that name' },
} as const satisfies Record<string, { status: RejectionStatus; zh: string; en: string }>;

export type ScheduleRefusalCode = keyof typeof SCHEDULE_REFUSALS;

export class ScheduleRefusal extends Refusal<ScheduleRefusalCode> {
  constructor(code: ScheduleRefusalCode, details: RejectionDetails = {}) {
    const info = SCHEDULE_REFUSALS[code];
    super(code, details, info, info.status);
    this.name = 'ScheduleRefusal';
  }
}

export function refuseSchedule(code: ScheduleRefusalCode, details: RejectionDetails = {}): ScheduleRefusal {
  return new ScheduleRefusal(code, details);
}
