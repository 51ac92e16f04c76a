// Checks the edge cases of a simulated day against what reconciliation reported: each must end as its answer
// key says — pending (with what it awaits), resolved by rule (a timing difference), matched (no finding, not
// pending) or open (a finding) — with or without the next day's statements imported. Pure.
import type { AnswerKeyCase, Finding, PendingItem } from '../domain/reconciliation/types.ts';

export type CaseOutcome = AnswerKeyCase['withNextDay'];

/** What the runs of a day reported, per channel (the reconciliation reports' own fields). */
export interface ReportedDay {
  channel: string;
  findings: readonly Finding[];
  pendingItems: readonly PendingItem[];
  timingSubjects: readonly string[];
}

export interface CaseMismatch {
  case: AnswerKeyCase;
  expected: CaseOutcome;
  found: CaseOutcome;
}

/** The outcome a case has in the reports: pending, open, resolved, else matched. */
export function outcomeOf(c: AnswerKeyCase, reports: readonly ReportedDay[]): CaseOutcome {
  const r = reports.find((x) => x.channel === c.channel);
  if (!r) return 'matched';
  const named = (subject: string) => subject === c.subject || subject.startsWith(`${c.subject}:`);
  if (r.pendingItems.some((p) => named(p.finding.subject) && (!c.awaiting || p.awaiting === c.awaiting)))
    return 'pending';
  if (r.findings.some((f) => named(f.subject))) return 'open';
  if (r.timingSubjects.includes(c.subject)) return 'resolved';
  return 'matched';
}

/** Cases whose outcome differs from the answer key (empty: every case ended as it must). */
export function compareCases(
  cases: readonly AnswerKeyCase[],
  reports: readonly ReportedDay[],
  withNextDay: boolean,
): CaseMismatch[] {
  const out: CaseMismatch[] = [];
  for (const c of cases) {
    const expected = withNextDay ? c.withNextDay : c.withoutNextDay;
    const found = outcomeOf(c, reports);
    if (found !== expected) out.push({ case: c, expected, found });
  }
  return out;
}
