// Report refusals: what a finance report request is refused for (the same shape as the other refusal tables;
// src/domain/refusals.ts gathers them all).
import { Refusal, type RejectionDetails, type RejectionStatus } from './rejection.ts';

export const REPORT_REFUSALS = {
  REPORT_UNKNOWN: { status: 'not_found', zh: '没有这个报表', en: 'There is no report of that name' },
  REPORT_PERIOD_INVALID: {
    status: 'invalid',
    zh: '报表日期范围不正确（须为 YYYY-MM-DD，起始不晚于截止）',
    en: 'The report period is invalid (YYYY-MM-DD dates, from not after to)',
  },
  REPORT_PERIOD_TOO_LONG: {
    status: 'invalid',
    zh: '报表日期范围过长，请缩小范围',
    en: 'The report period is too long: narrow it',
  },
  REPORT_AS_OF_INVALID: {
    status: 'invalid',
    zh: '数据截至时点不正确（须为 ISO-8601 时刻，且不晚于当前时间）',
    en: 'The as-of instant is invalid (an ISO-8601 instant, not in the future)',
  },
  REPORT_TOO_LARGE: {
    status: 'invalid',
    zh: '报表行数超出上限，请缩小日期范围',
    en: 'The report has too many rows: narrow the date range',
  },
  REPORT_OPTION_INVALID: {
    status: 'invalid',
    zh: '报表参数不正确（格式、语言或工作表）',
    en: 'A report option is invalid (format, language or sheet)',
  },
} as const satisfies Record<string, { status: RejectionStatus; zh: string; en: string }>;

export type ReportRefusalCode = keyof typeof REPORT_REFUSALS;

export class ReportRefusal extends Refusal<ReportRefusalCode> {
  constructor(code: ReportRefusalCode, details: RejectionDetails = {}) {
    const info = REPORT_REFUSALS[code];
    super(code, details, info, info.status);
    this.name = 'ReportRefusal';
  }
}
