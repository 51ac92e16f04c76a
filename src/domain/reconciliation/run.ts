// A reconciliation run's own facts: the configuration it ran with, its id, its summary and the state it leaves
// the day in. Pure (SHA-256 from node:crypto, as for discrepancy ids).
import { createHash } from 'node:crypto';
import type { DaySummary } from './events.ts';
import { DEFAULT_MATCHING_CONFIG, type MatchingConfig, type MatchResult } from './matching.ts';

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
        matched: result.matched,
        timing: result.timing,
      }),
    )
    .digest('hex')
    .slice(0, RUN_ID_HEX);
}

export function daySummaryOf(result: MatchResult): DaySummary {
  return { matched: result.matched, timing: result.timing, byType: result.byType, parties: result.parties };
}

/** What a day's read model says of a day: reconciled with nothing open, with something open, or closed. */
export type DayState3 = 'balanced' | 'open' | 'closed';

/** The state a run leaves its day in. */
export const runStateOf = (open: readonly string[]): DayState3 => (open.length > 0 ? 'open' : 'balanced');
