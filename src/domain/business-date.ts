// Business date: the date a money movement belongs to, in the hospital's time zone, with a cut-off. Pure: the
// instant comes in; Intl supplies the zone rules (no dependency).
import { reject } from './rejection.ts';

/** 'YYYY-MM-DD'. */
export type BusinessDate = string;

export const DEFAULT_TIME_ZONE = 'Asia/Shanghai';
export const DEFAULT_CUTOFF = '00:00';

export interface BusinessDateOptions {
  /** IANA zone of the hospital. */
  timeZone?: string;
  /** 'HH:MM' local: movements at or after it belong to the next date ('00:00' = calendar date). */
  cutoff?: string;
}

const CUTOFF_RE = /^([01]\d|2[0-3]):([0-5]\d)$/;
const DATE_RE = /^(\d{4})-(\d{2})-(\d{2})$/;
/** Formatters are costly to build; a hospital uses one zone, the platform a handful. */
const MAX_CACHED_ZONES = 64;
const formatters = new Map<string, Intl.DateTimeFormat>();

function formatterFor(timeZone: string): Intl.DateTimeFormat {
  let f = formatters.get(timeZone);
  if (!f) {
    try {
      f = new Intl.DateTimeFormat('en-US', {
        timeZone,
        hourCycle: 'h23',
        year: 'numeric',
        month: '2-digit',
        day: '2-digit',
        hour: '2-digit',
        minute: '2-digit',
      });
    } catch {
      throw reject('INVALID_BUSINESS_DATE', { reason: 'unknown time zone', timeZone });
    }
    if (formatters.size >= MAX_CACHED_ZONES) formatters.clear();
    formatters.set(timeZone, f);
  }
  return f;
}

/** Local wall-clock parts of an instant in a zone. */
export function localParts(
  instant: Date,
  timeZone: string,
): { year: number; month: number; day: number; hour: number; minute: number } {
  if (!(instant instanceof Date) || Number.isNaN(instant.getTime()))
    throw reject('INVALID_BUSINESS_DATE', { reason: 'invalid instant' });
  const parts: Record<string, number> = {};
  for (const p of formatterFor(timeZone).formatToParts(instant))
    if (p.type !== 'literal') parts[p.type] = Number(p.value);
  return {
    year: parts.year ?? 0,
    month: parts.month ?? 0,
    day: parts.day ?? 0,
    hour: (parts.hour ?? 0) % 24,
    minute: parts.minute ?? 0,
  };
}

export function businessDate(instant: Date, options: BusinessDateOptions = {}): BusinessDate {
  const timeZone = options.timeZone ?? DEFAULT_TIME_ZONE;
  const cutoff = options.cutoff ?? DEFAULT_CUTOFF;
  const c = CUTOFF_RE.exec(cutoff);
  if (!c) throw reject('INVALID_BUSINESS_DATE', { reason: 'cutoff must be HH:MM', cutoff });
  const cutoffMinutes = Number(c[1]) * 60 + Number(c[2]);
  const p = localParts(instant, timeZone);
  const date = formatDate(p.year, p.month, p.day);
  return cutoffMinutes > 0 && p.hour * 60 + p.minute >= cutoffMinutes ? addDays(date, 1) : date;
}

function formatDate(year: number, month: number, day: number): BusinessDate {
  return `${String(year).padStart(4, '0')}-${String(month).padStart(2, '0')}-${String(day).padStart(2, '0')}`;
}

export function isBusinessDate(s: unknown): s is BusinessDate {
  if (typeof s !== 'string') return false;
  const m = DATE_RE.exec(s);
  if (!m) return false;
  const d = new Date(Date.UTC(Number(m[1]), Number(m[2]) - 1, Number(m[3])));
  return (
    d.getUTCFullYear() === Number(m[1]) &&
    d.getUTCMonth() === Number(m[2]) - 1 &&
    d.getUTCDate() === Number(m[3])
  );
}

export function parseBusinessDate(s: string): BusinessDate {
  if (!isBusinessDate(s)) throw reject('INVALID_BUSINESS_DATE', { input: String(s).slice(0, 40) });
  return s;
}

export function addDays(date: BusinessDate, days: number): BusinessDate {
  const m = DATE_RE.exec(parseBusinessDate(date))!;
  const d = new Date(Date.UTC(Number(m[1]), Number(m[2]) - 1, Number(m[3]) + days));
  return formatDate(d.getUTCFullYear(), d.getUTCMonth() + 1, d.getUTCDate());
}
