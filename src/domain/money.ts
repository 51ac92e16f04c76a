// Money: CNY with exactly two decimals on decimal.js. A JavaScript `number` never holds money: amounts come in as
// strings ("12.5", "12.50", "1,234.00") or as a safe integer of cents through the explicit `Money.fromCents`.
import { Decimal } from 'decimal.js';
import { reject } from './rejection.ts';

// Enough precision that sums of any realistic ledger never round (default decimal.js precision is 20 digits).
const D = Decimal.clone({ precision: 40, rounding: Decimal.ROUND_HALF_EVEN });

/** Largest absolute amount one parsed value may hold: fits SQL numeric(17,2). */
export const MAX_AMOUNT_INTEGER_DIGITS = 15;
/**
 * Largest absolute sum a read model keeps (SQL numeric(30,2)): two maximal payments already sum past
 * MAX_AMOUNT_INTEGER_DIGITS, and a running total of accepted amounts must still be stored and read back.
 */
export const MAX_TOTAL_INTEGER_DIGITS = 28;

// Plain digits or correctly grouped thousands, then at most two decimals. No sign, exponent, spaces or bare dot.
const AMOUNT_RE = /^(-)?(\d+|\d{1,3}(?:,\d{3})+)(?:\.(\d{1,2}))?$/;

export type MoneyString = string;

export class Money {
  private constructor(private readonly value: Decimal) {}

  static readonly ZERO: Money = new Money(new D(0));

  /** Exact parse; refuses anything that is not a string of at most two decimals. Negatives only when allowed. */
  static parse(input: string, options: { allowNegative?: boolean } = {}): Money {
    return Money.parseWithin(input, MAX_AMOUNT_INTEGER_DIGITS, options.allowNegative ?? false);
  }

  /** A sum read back from a read model: signed, up to MAX_TOTAL_INTEGER_DIGITS integer digits. */
  static parseTotal(input: string): Money {
    return Money.parseWithin(input, MAX_TOTAL_INTEGER_DIGITS, true);
  }

  private static parseWithin(input: string, maxIntegerDigits: number, allowNegative: boolean): Money {
    if (typeof input !== 'string')
      throw reject('INVALID_AMOUNT', { reason: 'not a string', input: String(input) });
    const m = AMOUNT_RE.exec(input);
    if (!m) throw reject('INVALID_AMOUNT', { reason: 'malformed', input });
    const [, sign, intPart = '', frac = ''] = m;
    const digits = intPart.replaceAll(',', '');
    if (digits.replace(/^0+(?=\d)/, '').length > maxIntegerDigits)
      throw reject('INVALID_AMOUNT', { reason: 'too large', input });
    const value = new D(`${sign ?? ''}${digits}.${frac.padEnd(2, '0')}`);
    if (value.isNegative() && !value.isZero() && !allowNegative)
      throw reject('INVALID_AMOUNT', { reason: 'negative', input });
    return new Money(value.isZero() ? new D(0) : value);
  }

  /** An exact integer number of cents (分). */
  static fromCents(cents: number | bigint): Money {
    if (typeof cents === 'number' && !Number.isSafeInteger(cents))
      throw reject('INVALID_AMOUNT', { reason: 'cents must be a safe integer', input: String(cents) });
    if (typeof cents !== 'number' && typeof cents !== 'bigint')
      throw reject('INVALID_AMOUNT', { reason: 'cents must be an integer', input: String(cents) });
    return new Money(new D(cents.toString()).div(100));
  }

  /** From a Decimal that already has at most two decimals (e.g. a SQL numeric read back). */
  static fromDecimal(d: Decimal): Money {
    const v = new D(d);
    if (!v.isFinite() || v.decimalPlaces() > 2)
      throw reject('INVALID_AMOUNT', { reason: 'not exact cents', input: v.toString() });
    return new Money(v);
  }

  static isMoney(x: unknown): x is Money {
    return x instanceof Money;
  }

  static sum(amounts: Iterable<Money>): Money {
    let total = new D(0);
    for (const a of amounts) total = total.plus(a.value);
    return new Money(total);
  }

  static min(a: Money, b: Money): Money {
    return a.lte(b) ? a : b;
  }

  static max(a: Money, b: Money): Money {
    return a.gte(b) ? a : b;
  }

  add(other: Money): Money {
    return new Money(this.value.plus(other.value));
  }

  sub(other: Money): Money {
    return new Money(this.value.minus(other.value));
  }

  negate(): Money {
    return this.isZero() ? this : new Money(this.value.negated());
  }

  abs(): Money {
    return this.isNegative() ? this.negate() : this;
  }

  compare(other: Money): -1 | 0 | 1 {
    return this.value.comparedTo(other.value) as -1 | 0 | 1;
  }

  equals(other: Money): boolean {
    return this.value.eq(other.value);
  }

  lt(other: Money): boolean {
    return this.value.lt(other.value);
  }

  lte(other: Money): boolean {
    return this.value.lte(other.value);
  }

  gt(other: Money): boolean {
    return this.value.gt(other.value);
  }

  gte(other: Money): boolean {
    return this.value.gte(other.value);
  }

  isZero(): boolean {
    return this.value.isZero();
  }

  isNegative(): boolean {
    return this.value.isNegative() && !this.value.isZero();
  }

  isPositive(): boolean {
    return this.value.isPositive() && !this.value.isZero();
  }

  toCents(): bigint {
    return BigInt(this.value.times(100).toFixed(0));
  }

  toDecimal(): Decimal {
    return new Decimal(this.value);
  }

  /** "12.50", "-3.00", "1234567.89": what event data and SQL numeric carry. */
  toString(): MoneyString {
    return this.value.toFixed(2);
  }

  toJSON(): MoneyString {
    return this.toString();
  }
}

/** Parses an amount that must be strictly positive (every movement amount). */
export function positiveAmount(input: string | Money, field = 'amount'): Money {
  const m = typeof input === 'string' ? Money.parse(input) : input;
  if (!Money.isMoney(m) || !m.isPositive()) throw reject('INVALID_AMOUNT', { reason: 'must be > 0', field });
  return m;
}
