import { describe, expect, it } from 'vitest';
import { addDays, businessDate, isBusinessDate } from '../../src/domain/business-date.ts';
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
