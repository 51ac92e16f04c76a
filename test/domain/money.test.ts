import { Decimal } from 'decimal.js';
import { describe, expect, it } from 'vitest';
import { Money, positiveAmount } from '../../src/domain/money.ts';
import { expectRejection } from './helpers.ts';

describe('Money', () => {
  it('parses the ways amounts are written, exactly, to two decimals', () => {
    expect(Money.parse('12.5').toString()).toBe('12.50');
    expect(Money.parse('12.50').toString()).toBe('12.50');
    expect(Money.parse('12').toString()).toBe('12.00');
    expect(Money.parse('1,234.00').toString()).toBe('1234.00');
    expect(Money.parse('1,234,567.89').toString()).toBe('1234567.89');
    expect(Money.parse('0.01').toCents()).toBe(1n);
    expect(Money.parse('-3.1', { allowNegative: true }).toString()).toBe('-3.10');
  });

  it('refuses NaN, floats beyond cents, bad grouping, signs and negatives where not allowed', () => {
    for (const bad of [
      'NaN',
      '12.345',
      '1e3',
      '1,23.00',
      '12,34',
      ' 12.00',
      '+1.00',
      '.5',
      '12.',
      '',
      'Infinity',
      '0x10',
    ])
      expectRejection(() => Money.parse(bad), 'INVALID_AMOUNT');
    expectRejection(() => Money.parse('-1.00'), 'INVALID_AMOUNT');
    expectRejection(() => Money.parse('1234567890123456.00'), 'INVALID_AMOUNT');
  });

  it('never accepts a JS number, except a safe integer of cents through fromCents', () => {
    expectRejection(() => Money.parse(12.5 as unknown as string), 'INVALID_AMOUNT');
    expectRejection(() => Money.fromCents(1.5), 'INVALID_AMOUNT');
    expectRejection(() => Money.fromCents(Number.NaN), 'INVALID_AMOUNT');
    expectRejection(() => Money.fromCents(2 ** 60), 'INVALID_AMOUNT');
    expect(Money.fromCents(1250).toString()).toBe('12.50');
    expect(Money.fromCents(-5n).toString()).toBe('-0.05');
    expectRejection(() => Money.fromDecimal(new Decimal('0.001')), 'INVALID_AMOUNT');
    expect(Money.fromDecimal(new Decimal('7.1')).toString()).toBe('7.10');
  });

  it('adds, subtracts and compares exactly (0.1 + 0.2 = 0.3)', () => {
    const a = Money.parse('0.10');
    const b = Money.parse('0.20');
    expect(a.add(b).equals(Money.parse('0.30'))).toBe(true);
    expect(a.sub(b).toString()).toBe('-0.10');
    expect(a.compare(b)).toBe(-1);
    expect(b.compare(a)).toBe(1);
    expect(a.compare(Money.parse('0.1'))).toBe(0);
    expect(a.sub(a).isZero()).toBe(true);
    expect(a.sub(b).isNegative()).toBe(true);
    expect(Money.sum([a, b, a]).toString()).toBe('0.40');
    expect(Money.min(a, b)).toBe(a);
    expect(Money.max(a, b)).toBe(b);
    expect(a.lt(b) && a.lte(b) && b.gt(a) && b.gte(a)).toBe(true);
    expect(a.sub(b).abs().toString()).toBe('0.10');
  });

  it('serializes to a "12.50" string in JSON', () => {
    expect(JSON.stringify({ amount: Money.parse('12.5') })).toBe('{"amount":"12.50"}');
  });

  it('requires movement amounts to be positive', () => {
    expectRejection(() => positiveAmount(Money.ZERO), 'INVALID_AMOUNT');
    expect(positiveAmount('0.01').toString()).toBe('0.01');
  });
});
