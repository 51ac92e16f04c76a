// Exact money arithmetic in integer units, for the hot paths (a million statement lines): a decimal text is
// read into an integer count of 10^-scale units (fen at scale 2). Integers in a JS number are exact only up
// to Number.MAX_SAFE_INTEGER (2^53 − 1 ≈ 9.007e15): a text with more than 15 digits (integer digits + scale)
// is not read here (the caller refuses it or takes the Decimal path), and sums that would leave the safe range
// continue in BigInt (UnitSum). Money is never a fractional JS number; Decimal/strings stay at the boundaries.
import { Decimal } from 'decimal.js';

/** Most digits (integer digits + scale) a unit count read into a number may have: always a safe integer. */
export const MAX_UNIT_DIGITS = 15;

/** Returned by parseUnits when the text is a number but has more than MAX_UNIT_DIGITS digits. */
export const TOO_MANY_DIGITS = Number.NaN;

/**
 * `12`, `12.3`, `-0.50`, `+1.00` → units of 10^-scale (scale 2: 1200, 1230, -50, 100). Exactly the texts
 * `parseMoney(text, scale)` accepts: one or more digits, optionally `.` and one or more digits, more decimals
 * than `scale` only when they are zeros. The text must be trimmed. Returns undefined when it is not such a
 * number, NaN (TOO_MANY_DIGITS) when it is one too long for a safe integer. `-0.00` gives -0 (negative).
 */
export function parseUnits(t: string, scale: number): number | undefined {
  const len = t.length;
  let i = 0;
  let neg = false;
  const c0 = t.charCodeAt(0);
  if (c0 === 45 /* - */ || c0 === 43 /* + */) {
    neg = c0 === 45;
    i = 1;
  }
  let n = 0;
  let digits = 0;
  const intStart = i;
  for (; i < len; i++) {
    const c = t.charCodeAt(i) - 48;
    if (c < 0 || c > 9) break;
    if (digits > 0 || c > 0) digits++;
    n = n * 10 + c;
  }
  if (i === intStart) return undefined;
  let frac = 0;
  if (i < len) {
    if (t.charCodeAt(i) !== 46 /* . */) return undefined;
    i++;
    const fracStart = i;
    for (; i < len; i++) {
      const c = t.charCodeAt(i) - 48;
      if (c < 0 || c > 9) return undefined;
      if (frac < scale) {
        n = n * 10 + c;
        frac++;
      } else if (c !== 0) return undefined;
    }
    if (i === fracStart) return undefined;
  }
  if (digits + scale > MAX_UNIT_DIGITS) return TOO_MANY_DIGITS;
  for (; frac < scale; frac++) n *= 10;
  return neg ? -n : n;
}

/** True for negative counts including -0 (a `-0.00` text), as Decimal's isNegative. */
export function isNegativeUnits(n: number): boolean {
  return n < 0 || Object.is(n, -0);
}

/** A non-negative count of fen as a two-decimal text (`12345` → `123.45`). */
export function formatFen(fen: number): string {
  const neg = fen < 0;
  const a = neg ? -fen : fen;
  const frac = a % 100;
  return `${neg ? '-' : ''}${(a - frac) / 100}.${frac < 10 ? '0' : ''}${frac}`;
}

/** An exact running sum of unit counts: a safe-integer number while it fits, BigInt beyond. */
export class UnitSum {
  private n = 0;
  private big = 0n;
  add(x: number): void {
    const s = this.n + x;
    if (Number.isSafeInteger(s)) this.n = s;
    else {
      this.big += BigInt(this.n) + BigInt(x);
      this.n = 0;
    }
  }
  units(): bigint {
    return this.big + BigInt(this.n);
  }
  /** The sum as a Decimal of `scale` decimals (exact: built from the digits, no division). */
  decimal(scale: number): Decimal {
    return new Decimal(`${this.units().toString()}e-${scale}`);
  }
}

/**
 * An exact sum of decimal texts of any size: texts of at most 6 decimals and 15 digits go through unit counts,
 * anything else through Decimal. `decimal()` is the exact total.
 */
export class TextSum {
  private readonly units = new UnitSum();
  private rest: Decimal | undefined;
  add(text: string): void {
    const u = parseUnits(text, 6);
    if (u !== undefined && !Number.isNaN(u)) this.units.add(u);
    else this.rest = (this.rest ?? new Decimal(0)).plus(text);
  }
  decimal(): Decimal {
    const d = this.units.decimal(6);
    return this.rest ? d.plus(this.rest) : d;
  }
}
