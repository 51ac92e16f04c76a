import { describe, expect, it } from 'vitest';
import fc from 'fast-check';
import {
  addDays,
  businessDate,
  dayStartOf,
  isBusinessDate,
  localToUtc,
  zoneOffsetMs,
} from '../../src/domain/business-date.ts';
import { expectRejection } from './helpers.ts';

describe('business date', () => {
  it('is the calendar date in Asia/Shanghai by default', () => {
    expect(businessDate(new Date('2024-05-01T15:59:59Z'))).toBe('2024-05-01');
    expect(businessDate(new Date('2024-05-01T16:00:00Z'))).toBe('2024-05-02');
  });

  it('moves movements at or after the cut-off to the next date', () => {
    const opts = { cutoff: '17:00' };
    expect(businessDate(new Date('2024-05-01T08:59:59Z'), opts)).toBe('2024-05-01'); // 16:59:59 local
    expect(businessDate(new Date('2024-05-01T09:00:00Z'), opts)).toBe('2024-05-02'); // 17:00 local
    expect(businessDate(new Date('2024-12-31T15:30:00Z'), { cutoff: '23:30' })).toBe('2025-01-01');
  });

  it('follows daylight saving time in a DST zone', () => {
    const ny = { timeZone: 'America/New_York', cutoff: '23:00' };
    // 2024-03-10 spring forward: 23:00 EDT is 03:00Z next day; 22:59 EDT stays on the 10th.
    expect(businessDate(new Date('2024-03-11T02:59:00Z'), ny)).toBe('2024-03-10');
    expect(businessDate(new Date('2024-03-11T03:00:00Z'), ny)).toBe('2024-03-11');
    // Before the switch the same wall time is an hour later in UTC (EST).
    expect(businessDate(new Date('2024-03-09T03:59:00Z'), ny)).toBe('2024-03-08');
    expect(businessDate(new Date('2024-03-09T04:00:00Z'), ny)).toBe('2024-03-09');
    // Fall back, 2024-11-03: 01:30 happens twice; both are the 3rd.
    expect(businessDate(new Date('2024-11-03T05:30:00Z'), { timeZone: 'America/New_York' })).toBe(
      '2024-11-03',
    );
    expect(businessDate(new Date('2024-11-03T06:30:00Z'), { timeZone: 'America/New_York' })).toBe(
      '2024-11-03',
    );
  });

  it('refuses a bad cut-off, zone or instant', () => {
    expectRejection(() => businessDate(new Date(), { cutoff: '24:00' }), 'INVALID_BUSINESS_DATE');
    expectRejection(() => businessDate(new Date(), { timeZone: 'Mars/Olympus' }), 'INVALID_BUSINESS_DATE');
    expectRejection(() => businessDate(new Date(Number.NaN)), 'INVALID_BUSINESS_DATE');
  });

  it('validates and shifts dates', () => {
    expect(isBusinessDate('2024-02-29')).toBe(true);
    expect(isBusinessDate('2023-02-29')).toBe(false);
    expect(addDays('2024-02-28', 2)).toBe('2024-03-01');
  });
});

describe('the start of a business date (local wall clock → UTC)', () => {
  it('is local midnight, or the cut-off on the previous calendar day', () => {
    expect(new Date(dayStartOf('2024-05-01')).toISOString()).toBe('2024-04-30T16:00:00.000Z');
    expect(new Date(dayStartOf('2024-05-01', { cutoff: '17:00' })).toISOString()).toBe(
      '2024-04-30T09:00:00.000Z',
    );
    expect(new Date(dayStartOf('2024-05-01', { timeZone: 'UTC', cutoff: '23:30' })).toISOString()).toBe(
      '2024-04-30T23:30:00.000Z',
    );
  });

  it('a reading DST skips is the instant the clock jumps; a repeated one is its first occurrence', () => {
    const ny = 'America/New_York';
    // 2024-03-10 02:30 never happens in New York: the clock jumps from 02:00 EST (07:00Z) to 03:00 EDT.
    expect(
      new Date(localToUtc({ year: 2024, month: 3, day: 10, hour: 2, minute: 30 }, ny)).toISOString(),
    ).toBe('2024-03-10T07:00:00.000Z');
    // 2024-11-03 01:30 happens twice (EDT, then EST): the first.
    expect(
      new Date(localToUtc({ year: 2024, month: 11, day: 3, hour: 1, minute: 30 }, ny)).toISOString(),
    ).toBe('2024-11-03T05:30:00.000Z');
    expect(zoneOffsetMs(Date.parse('2024-07-01T00:00:00Z'), ny)).toBe(-4 * 3_600_000);
  });

  it('property: every instant belongs to the date whose start is at or before it, the instant before to the one before', () => {
    const zones = ['Asia/Shanghai', 'America/New_York', 'UTC', 'Europe/London'];
    const cutoffs = ['00:00', '00:30', '02:30', '17:00', '23:59'];
    fc.assert(
      fc.property(
        // 1990 … 2037, to the millisecond
        fc.integer({ min: 631_152_000_000, max: 2_145_916_800_000 }),
        fc.constantFrom(...zones),
        fc.constantFrom(...cutoffs),
        (ms, timeZone, cutoff) => {
          const o = { timeZone, cutoff };
          const d = businessDate(new Date(ms), o);
          const start = dayStartOf(d, o);
          expect(start).toBeLessThanOrEqual(ms);
          expect(businessDate(new Date(start), o)).toBe(d);
          expect(businessDate(new Date(start - 1), o)).toBe(addDays(d, -1));
          expect(dayStartOf(addDays(d, 1), o)).toBeGreaterThan(ms);
        },
      ),
      { seed: 20_240_501, numRuns: Number(process.env.PROPERTY_RUNS ?? 500) },
    );
  });
});
