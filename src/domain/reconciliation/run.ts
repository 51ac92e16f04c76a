// A reconciliation run's own facts: the configuration it ran with, its id, its summary and the state it leaves
// the day in. Pure (SHA-256 from node:crypto, as for discrepancy ids).
import { createHash } from 'node:crypto';
import { Decimal } from 'decimal.js';
import type { DaySummary } from './events.ts';
import { DEFAULT_MATCHING_CONFIG, emptyByType, type MatchingConfig, type MatchResult } from './matching.ts';
import { type Finding, findingKey, type PendingItem } from './types.ts';

/** Hex digits of the run id (128 bits). */
const RUN_ID_HEX = 32;

/** The defaults with the caller's settings over them (fee rates merged per channel). */
export function matchingConfigOf(partial: Partial<MatchingConfig> | undefined): MatchingConfig {
  return {
    ...DEFAULT_MATCHING_CONFIG,
    ...partial,
    feeRates: { ...DEFAULT_MATCHING_CONFIG.feeRates, ...partial?.feeRates },
  };
}

/**
 * The run id: a hash of what the run read (statements, configuration) and found. Re-running over the same
 * inputs gives the same id, so the day's stream shows whether anything changed between runs.
 */
export function runIdOf(statements: readonly string[], config: MatchingConfig, result: MatchResult): string {
  return createHash('sha256')
    .update(
      JSON.stringify({
        statements,
        config,
        findings: result.findings.map((f) => [f.type, f.subject, f.amount]),
        pending: result.pending.map((p) => [p.awaiting, p.finding.type, p.finding.subject, p.finding.amount]),
        matched: result.matched,
        timing: result.timing,
      }),
    )
    .digest('hex')
    .slice(0, RUN_ID_HEX);
}

export function daySummaryOf(result: MatchResult): DaySummary {
  return {
    matched: result.matched,
    timing: result.timing,
    byType: result.byType,
    parties: result.parties,
    pending: pendingTotal(result.pending),
    pendingItems: result.pending,
    failed: result.failed,
    carriedIn: result.carriedIn,
  };
}

/**
 * The result with further findings (the payout check's) among its own: sorted by key and counted by type as
 * the matcher's are.
 */
export function withFindings(result: MatchResult, extra: readonly Finding[]): MatchResult {
  if (extra.length === 0) return result;
  const findings = [...result.findings, ...extra].sort((a, b) => {
    const [x, y] = [findingKey(a), findingKey(b)];
    return x < y ? -1 : x > y ? 1 : 0;
  });
  const byType = emptyByType();
  for (const f of findings) {
    const t = byType[f.type];
    t.count++;
    t.amount = new Decimal(t.amount).plus(f.amount).toFixed(2);
  }
  return { ...result, findings, byType };
}

/** Count and amount of pending items. */
export function pendingTotal(items: readonly PendingItem[]): { count: number; amount: string } {
  return {
    count: items.length,
    amount: items.reduce((s, p) => s.plus(p.finding.amount), new Decimal(0)).toFixed(2),
  };
}

/** The pending items a day's last run left to carry forward (none for runs recorded before they existed). */
export const pendingOf = (summary: DaySummary | undefined): PendingItem[] => summary?.pendingItems ?? [];

/** What a day's read model says of a day: reconciled with nothing open, with something open, or closed. */
export type DayState3 = 'balanced' | 'open' | 'closed';

/** The state a run leaves its day in. */
export const runStateOf = (open: readonly string[]): DayState3 => (open.length > 0 ? 'open' : 'balanced');
