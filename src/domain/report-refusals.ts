// Report refusals: what a finance report request is refused for, the reports section of the one refusal
// table (refusals.ts).
import { REPORT_REFUSALS } from './refusals.ts';
import { refusalClass } from './rejection.ts';

export type ReportRefusalCode = keyof typeof REPORT_REFUSALS;

export const ReportRefusal = refusalClass('ReportRefusal', REPORT_REFUSALS);
export type ReportRefusal = InstanceType<typeof ReportRefusal>;
