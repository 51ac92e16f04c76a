// What a reconciliation run does with a discrepancy an earlier run of the same day raised and this run no
// longer finds: it resolves itself, and the rule says why. Pure.
import type { AutoResolutionRule } from './events.ts';
import type { DiscrepancyType } from './types.ts';

/** What a run cleared, by subject: found on the neighbouring day within the window; HIS written back since. */
export interface Cleared {
  timing: ReadonlySet<string>;
  hisSynced: ReadonlySet<string>;
}

export const AUTO_RESOLUTION_REASONS: Readonly<Record<AutoResolutionRule, string>> = {
  'timing-cleared': 'matched on the neighbouring day within the cut-off window',
  'his-synced': 'the HIS writeback succeeded on retry',
  'no-longer-found': 'a later reconciliation run no longer finds it',
};

/**
 * The rule resolving a discrepancy that is no longer found: a one-sided entry whose counterpart turned up on the
 * neighbouring day is a timing difference; a missing HIS writeback that has since succeeded is synced; anything
 * else simply is not found any more (its inputs changed).
 */
export function autoResolutionOf(
  d: { type: DiscrepancyType | null; subject: string },
  cleared: Cleared,
): { rule: AutoResolutionRule; reason: string } {
  const rule: AutoResolutionRule =
    (d.type === 'PLATFORM_ONLY' || d.type === 'CHANNEL_ONLY') && cleared.timing.has(d.subject)
      ? 'timing-cleared'
      : d.type === 'HIS_MISSING' && cleared.hisSynced.has(d.subject)
        ? 'his-synced'
        : 'no-longer-found';
  return { rule, reason: AUTO_RESOLUTION_REASONS[rule] };
}

/** Discrepancies the last run left open that this run no longer finds (in the last run's order). */
export function noLongerFound(lastOpen: readonly string[], found: ReadonlySet<string>): string[] {
  return lastOpen.filter((id) => !found.has(id));
}
