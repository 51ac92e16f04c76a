// Pairs the rules made and a person undid (manual-match.ts, RequestRuleUnmatch) stay apart in every later run of
// the day: the pair is taken out of the matched figures and both sides are raised as one-sided items, channel
// only and platform only, for a person to match again or resolve. Pure.
import { Decimal } from 'decimal.js';
import type { MatchBookState } from './manual-match.ts';
import type { MatchResult } from './matching.ts';
import { withFindings } from './run.ts';
import type { Finding } from './types.ts';

export function keepApart(
  result: MatchResult,
  scope: { hospitalId: string; channel: string; businessDate: string },
  kept: MatchBookState['keptApart'],
): MatchResult {
  const extra: Finding[] = [];
  let matched = { count: result.matched.count, amount: new Decimal(result.matched.amount) };
  const seen = new Set(result.findings.map((f) => f.subject));
  for (const rule of Object.values(kept).sort((a, b) => (a.subject < b.subject ? -1 : 1))) {
    // A subject the run already found a difference for was not paired by the rules this time.
    if (seen.has(rule.subject) || matched.count === 0) continue;
    matched = { count: matched.count - 1, amount: matched.amount.minus(rule.amount) };
    const base = { hospitalId: scope.hospitalId, channel: scope.channel, businessDate: scope.businessDate };
    const reason = `kept apart: a person undid the rules' ${rule.kind} match`;
    extra.push(
      {
        ...base,
        type: 'CHANNEL_ONLY',
        subject: rule.subject,
        amount: rule.amount,
        amounts: { channel: rule.amount },
        reason,
        sources: [{ party: 'channel', ref: `unmatched:${rule.subject}` }],
      },
      {
        ...base,
        type: 'PLATFORM_ONLY',
        subject: rule.subject,
        amount: rule.amount,
        amounts: { platform: rule.amount },
        reason,
        sources: [{ party: 'platform', ref: rule.platformRef }],
      },
    );
  }
  if (extra.length === 0) return result;
  return withFindings(
    { ...result, matched: { count: matched.count, amount: matched.amount.toFixed(2) } },
    extra,
  );
}
