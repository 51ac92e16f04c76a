// The form an amount must have in a layout: its unit (yuan or fen), how many decimals it prints and
// whether it may be negative. A layout declares it; a text in another form refuses the file, because an
// integer `1` is one yuan in one layout and one fen in another, and a parser must never guess which.
import { parseUnits } from '../../domain/reconciliation/units.ts';
import { fault } from './errors.ts';

export type AmountUnit = 'yuan' | 'fen';
export const AMOUNT_UNITS: readonly AmountUnit[] = ['yuan', 'fen'];

export interface AmountForm {
  unit: AmountUnit;
  /** Fewest and most digits after the point (0 = an integer, printed without a point). */
  minDecimals: number;
  maxDecimals: number;
  /** May the text carry a minus sign? */
  signed: boolean;
}

/** Yuan with exactly two decimals, unsigned: the common shape of a channel's amounts. */
export const YUAN_2: AmountForm = { unit: 'yuan', minDecimals: 2, maxDecimals: 2, signed: false };
export const YUAN_2_SIGNED: AmountForm = { ...YUAN_2, signed: true };

/** `yuan, 2 decimals, unsigned` — how a refusal names the form. */
export function describeForm(f: AmountForm): string {
  const dec =
    f.minDecimals === f.maxDecimals
      ? f.maxDecimals === 0
        ? 'an integer'
        : `${f.maxDecimals} decimals`
      : `${f.minDecimals}–${f.maxDecimals} decimals`;
  return `${f.unit}, ${dec}, ${f.signed ? 'signed' : 'unsigned'}`;
}

/** Digits after the point of a decimal text, or -1 when it is not `[+-]digits[.digits]`. */
function decimalsOf(t: string): number {
  let i = t.charCodeAt(0) === 45 || t.charCodeAt(0) === 43 ? 1 : 0;
  const start = i;
  while (i < t.length && t.charCodeAt(i) >= 48 && t.charCodeAt(i) <= 57) i++;
  if (i === start) return -1;
  if (i === t.length) return 0;
  if (t.charCodeAt(i) !== 46) return -1;
  const dot = i++;
  while (i < t.length && t.charCodeAt(i) >= 48 && t.charCodeAt(i) <= 57) i++;
  return i === t.length && i > dot + 1 ? i - dot - 1 : -1;
}

/** True when `t` (trimmed) has the declared form. */
export function hasForm(t: string, f: AmountForm): boolean {
  const d = decimalsOf(t);
  if (d < f.minDecimals || d > f.maxDecimals) return false;
  // An unsigned form prints no sign at all, not even `+`.
  return f.signed || (t.charCodeAt(0) !== 45 && t.charCodeAt(0) !== 43);
}

/**
 * Reads `t` in form `f` as a count of 10^-scale yuan (scale 2: fen), refusing the line when the text is
 * not in the form. Returns NaN for a text too long to count exactly (the caller refuses it: LIMIT_EXCEEDED).
 */
export function readUnits(t: string, f: AmountForm, scale: number, name: string, line: number): number {
  if (!hasForm(t, f))
    throw fault('MALFORMED_LINE', line, `${name} '${t}' is not in the layout's form (${describeForm(f)})`);
  const shift = f.unit === 'fen' ? 2 : 0;
  const u = parseUnits(t, scale - shift);
  // hasForm accepted it: only decimals beyond the scale (never declared so) could make it unreadable.
  if (u === undefined)
    throw fault('MALFORMED_LINE', line, `${name} '${t}' has more decimals than this parser keeps`);
  if (Number.isNaN(u)) throw fault('LIMIT_EXCEEDED', line, `${name} ${t} is beyond the amounts read exactly`);
  return u;
}
