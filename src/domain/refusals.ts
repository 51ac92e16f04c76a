// The one refusal table: every code the domain refuses with (orders and deposits, channels, reconciliation),
// each with its Chinese and English message and its kind. Each code is defined beside the rules that raise it;
// this is where any code is looked up (an edge's docs, a message in the caller's language).
import { CHANNEL_REFUSALS } from './channel/refusals.ts';
import { MAPPING_REFUSALS } from './mappings/refusals.ts';
import { PAYMENT_REFUSALS } from './payment/refusals.ts';
import { RECONCILIATION_REFUSALS } from './reconciliation/refusals.ts';
import { REFUND_PLAN_REFUSALS } from './refund/refusals.ts';
import { REPORT_REFUSALS } from './report-refusals.ts';
import { REJECTIONS, type RefusalKind } from './rejection.ts';
import { STAFF_REFUSALS } from './staff/refusals.ts';
import { SCHEDULE_REFUSALS } from './schedules/refusals.ts';

export const REFUSALS = {
  ...REJECTIONS,
  ...CHANNEL_REFUSALS,
  ...RECONCILIATION_REFUSALS,
  ...STAFF_REFUSALS,
  ...MAPPING_REFUSALS,
  ...REPORT_REFUSALS,
  ...SCHEDULE_REFUSALS,
  ...REFUND_PLAN_REFUSALS,
  ...PAYMENT_REFUSALS,
} as const satisfies Record<string, { status: RefusalKind; zh: string; en: string }>;

export type RefusalCode = keyof typeof REFUSALS;

/** The tables REFUSALS is made of, each kept beside its rules. */
const SOURCE_TABLES: readonly Readonly<Record<string, unknown>>[] = [
  REJECTIONS,
  CHANNEL_REFUSALS,
  RECONCILIATION_REFUSALS,
  STAFF_REFUSALS,
  MAPPING_REFUSALS,
  REPORT_REFUSALS,
  SCHEDULE_REFUSALS,
  REFUND_PLAN_REFUSALS,
  PAYMENT_REFUSALS,
];

/** Codes in more than one source table: the spread above would hide one of them (a test keeps this empty). */
export function clashingRefusalCodes(): string[] {
  const seen = new Map<string, number>();
  for (const table of SOURCE_TABLES)
    for (const code of Object.keys(table)) seen.set(code, (seen.get(code) ?? 0) + 1);
  return [...seen].filter(([, n]) => n > 1).map(([code]) => code);
}
