import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { addDays, businessDate } from '../../src/domain/business-date.ts';
import {
  AUTO_RESOLUTION_REASONS,
  autoResolutionOf,
  noLongerFound,
} from '../../src/domain/reconciliation/auto-resolution.ts';
import {
  FINAL_DISCREPANCY_STATUSES,
  isFinalStatus,
  isOpenStatus,
} from '../../src/domain/reconciliation/discrepancy.ts';
import { DEFAULT_MATCHING_CONFIG, type MatchResult } from '../../src/domain/reconciliation/matching.ts';
import { matchingConfigOf, runIdOf, runStateOf } from '../../src/domain/reconciliation/run.ts';
import { dayWindow, isCoreStatement, roleOf } from '../../src/domain/reconciliation/window.ts';

const at = (iso: string) => Date.parse(iso);

describe('the day window: core and edge', () => {
  const w = dayWindow('2024-05-01', 30);

  it('spans the date in the hospital zone, with the cut-off window either side', () => {
    expect(new Date(w.start).toISOString()).toBe('2024-04-30T16:00:00.000Z');
    expect(new Date(w.end).toISOString()).toBe('2024-05-01T16:00:00.000Z');
    expect([w.previous, w.next]).toEqual(['2024-04-30', '2024-05-02']);
  });

  it('an item of the date is core; of a neighbouring date, edge only within the window', () => {
    expect(roleOf(w, '2024-05-01', at('2024-05-01T03:00:00Z'))).toBe('core');
    // 23:35 local on the 30th: 25 minutes before the date starts.
    expect(roleOf(w, '2024-04-30', at('2024-04-30T15:35:00Z'))).toBe('edge');
    expect(roleOf(w, '2024-04-30', at('2024-04-30T15:29:59Z'))).toBeUndefined();
    // 00:29:59 local on the 2nd: inside; 00:30 outside.
    expect(roleOf(w, '2024-05-02', at('2024-05-01T16:29:59Z'))).toBe('edge');
    expect(roleOf(w, '2024-05-02', at('2024-05-01T16:30:00Z'))).toBeUndefined();
    expect(roleOf(w, '2024-05-03', at('2024-05-01T16:00:00Z'))).toBeUndefined();
  });

  it('a cut-off moves the window with the date', () => {
    const c = dayWindow('2024-05-01', 30, { cutoff: '17:00' });
    expect(new Date(c.start).toISOString()).toBe('2024-04-30T09:00:00.000Z');
    expect(new Date(c.end).toISOString()).toBe('2024-05-01T09:00:00.000Z');
  });

  it('an undated statement (the HIS extract) and one of the date are read in the core pass', () => {
    expect(isCoreStatement(w, null)).toBe(true);
    expect(isCoreStatement(w, '2024-05-01')).toBe(true);
    expect(isCoreStatement(w, '2024-05-02')).toBe(false);
  });

  it('property: an instant within the window of its own date is core, and edge for the neighbouring dates', () => {
    fc.assert(
      fc.property(
        fc.integer({ min: at('2020-01-01T00:00:00Z'), max: at('2030-01-01T00:00:00Z') }),
        fc.constantFrom('Asia/Shanghai', 'America/New_York', 'UTC'),
        fc.constantFrom('00:00', '17:00', '23:30'),
        fc.integer({ min: 0, max: 120 }),
        (ms, timeZone, cutoff, minutes) => {
          const o = { timeZone, cutoff };
          const d = businessDate(new Date(ms), o);
          expect(roleOf(dayWindow(d, minutes, o), d, ms)).toBe('core');
          const before = dayWindow(addDays(d, 1), minutes, o);
          const after = dayWindow(addDays(d, -1), minutes, o);
          expect(roleOf(before, d, ms)).toBe(ms >= before.start - minutes * 60_000 ? 'edge' : undefined);
          expect(roleOf(after, d, ms)).toBe(ms < after.end + minutes * 60_000 ? 'edge' : undefined);
        },
      ),
      { seed: 42, numRuns: 300 },
    );
  });
});

describe('auto-resolution of what a later run no longer finds', () => {
  const cleared = { timing: new Set(['O1']), hisSynced: new Set(['O2']) };

  it('a one-sided entry matched across the cut-off is a timing difference', () => {
    expect(autoResolutionOf({ type: 'PLATFORM_ONLY', subject: 'O1' }, cleared)).toEqual({
      rule: 'timing-cleared',
      reason: AUTO_RESOLUTION_REASONS['timing-cleared'],
    });
    expect(autoResolutionOf({ type: 'CHANNEL_ONLY', subject: 'O1' }, cleared).rule).toBe('timing-cleared');
  });

  it('a missing HIS writeback that succeeded since is synced', () => {
    expect(autoResolutionOf({ type: 'HIS_MISSING', subject: 'O2' }, cleared).rule).toBe('his-synced');
  });

  it('anything else is no longer found, whatever subject the other rules cleared', () => {
    expect(autoResolutionOf({ type: 'AMOUNT_MISMATCH', subject: 'O1' }, cleared).rule).toBe(
      'no-longer-found',
    );
    expect(autoResolutionOf({ type: 'HIS_MISSING', subject: 'O1' }, cleared).rule).toBe('no-longer-found');
    expect(autoResolutionOf({ type: 'PLATFORM_ONLY', subject: 'O9' }, cleared).rule).toBe('no-longer-found');
  });

  it('only the last run’s open discrepancies this run did not find are candidates, in their order', () => {
    expect(noLongerFound(['a', 'b', 'c'], new Set(['b']))).toEqual(['a', 'c']);
  });
});

describe('discrepancy status', () => {
  it('open means raised and not final', () => {
    expect(FINAL_DISCREPANCY_STATUSES).toEqual(['resolved', 'auto-resolved', 'matched', 'withdrawn']);
    for (const s of ['open', 'assigned', 'proposed'])
      expect([s, isOpenStatus(s), isFinalStatus(s)]).toEqual([s, true, false]);
    for (const s of FINAL_DISCREPANCY_STATUSES)
      expect([isOpenStatus(s), isFinalStatus(s)]).toEqual([false, true]);
    expect(isOpenStatus('none')).toBe(false);
  });
});

describe('a run’s own facts', () => {
  const result = (subjects: string[]): MatchResult =>
    ({
      matched: { count: 2, amount: '10.00' },
      timing: { count: 0, amount: '0.00' },
      findings: subjects.map((subject) => ({ type: 'PLATFORM_ONLY', subject, amount: '1.00' })),
      pending: [],
    }) as unknown as MatchResult;

  it('the run id depends on the statements, the configuration and the findings only', () => {
    const config = matchingConfigOf({});
    const a = runIdOf(['s1'], config, result(['O1']));
    expect(a).toMatch(/^[0-9a-f]{32}$/);
    expect(runIdOf(['s1'], matchingConfigOf({}), result(['O1']))).toBe(a);
    expect(runIdOf(['s2'], config, result(['O1']))).not.toBe(a);
    expect(runIdOf(['s1'], config, result(['O2']))).not.toBe(a);
    expect(runIdOf(['s1'], matchingConfigOf({ cutoffWindowMinutes: 5 }), result(['O1']))).not.toBe(a);
  });

  it('the configuration merges fee rates per channel over the defaults', () => {
    const c = matchingConfigOf({ feeRates: { wechat: '0.006' }, keylessWindowSeconds: 60 });
    expect(c).toMatchObject({
      ...DEFAULT_MATCHING_CONFIG,
      keylessWindowSeconds: 60,
      feeRates: { wechat: '0.006' },
    });
  });

  it('a run with anything open leaves the day open, else balanced', () => {
    expect(runStateOf([])).toBe('balanced');
    expect(runStateOf(['d1'])).toBe('open');
  });
});
