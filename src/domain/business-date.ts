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

/** Minutes after local midnight at which a business date turns over ('00:00' → 0). */
function cutoffMinutesOf(cutoff: string): number {
  const c = CUTOFF_RE.exec(cutoff);
  if (!c) throw reject('INVALID_BUSINESS_DATE', { reason: 'cutoff must be HH:MM', cutoff });
  return Number(c[1]) * 60 + Number(c[2]);
}

export function businessDate(instant: Date, options: BusinessDateOptions = {}): BusinessDate {
  const timeZone = options.timeZone ?? DEFAULT_TIME_ZONE;
  const cutoffMinutes = cutoffMinutesOf(options.cutoff ?? DEFAULT_CUTOFF);
  const p = localParts(instant, timeZone);
  const date = formatDate(p.year, p.month, p.day);
  return cutoffMinutes > 0 && p.hour * 60 + p.minute >= cutoffMinutes ? addDays(date, 1) : date;
}

function formatDate(year: number, month: number, day: number): BusinessDate {
  return `${String(year).padStart(4, '0')}-${String(month).padStart(2, '0')}-${String(day).padStart(2, '0')}`;
}

/** Whether Intl knows the zone (an IANA name such as 'Asia/Shanghai'). */
export function isTimeZone(zone: string): boolean {
  try {
    new Intl.DateTimeFormat('en-US', { timeZone: zone });
    return true;
  } catch {
    return false;
  }
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

// ---- local wall clock → UTC: the one conversion every part of the platform uses ----

const MINUTE_MS = 60_000;
const DAY_MS = 86_400_000;
/** Steps of the search for a DST gap's end (a gap is at most a day wide: 2^11 minutes > 24 h). */
const GAP_SEARCH_STEPS = 11;

/** A wall-clock reading in some zone (month 1–12; second optional). */
export interface WallClock {
  year: number;
  month: number;
  day: number;
  hour: number;
  minute: number;
  second?: number;
}

/** Offset (ms) of the zone's wall clock from UTC at an instant: whole minutes, as for every zone since 1970. */
export function zoneOffsetMs(utcMs: number, timeZone: string): number {
  const p = localParts(new Date(utcMs), timeZone);
  return Date.UTC(p.year, p.month - 1, p.day, p.hour, p.minute) - Math.floor(utcMs / MINUTE_MS) * MINUTE_MS;
}

/**
 * The UTC instant (epoch ms) of a wall-clock reading in a zone. A reading that happens twice (DST ends) is its
 * first occurrence; one that never happens (DST starts: the clock jumps over it) is the instant the clock
 * jumps, the first instant whose reading is at or after it — so a day or cut-off starting there loses nothing.
 */
export function localToUtc(wall: WallClock, timeZone: string = DEFAULT_TIME_ZONE): number {
  const w = Date.UTC(wall.year, wall.month - 1, wall.day, wall.hour, wall.minute, wall.second ?? 0);
  if (Number.isNaN(w)) throw reject('INVALID_BUSINESS_DATE', { reason: 'invalid wall clock' });
  // The zone's offsets a day either side: a reading is its wall time less one of them (one transition at most).
  const before = zoneOffsetMs(w - DAY_MS, timeZone);
  const after = zoneOffsetMs(w + DAY_MS, timeZone);
  const candidates = before === after ? [w - before] : [w - before, w - after].sort((a, b) => a - b);
  for (const t of candidates) if (zoneOffsetMs(t, timeZone) === w - t) return t;
  // In a gap: the transition lies between the two candidates; find its minute.
  let lo = Math.min(w - before, w - after);
  let hi = Math.max(w - before, w - after);
  for (let i = 0; i < GAP_SEARCH_STEPS && hi - lo > MINUTE_MS; i++) {
    const mid = lo + Math.floor((hi - lo) / 2 / MINUTE_MS) * MINUTE_MS;
    if (zoneOffsetMs(mid, timeZone) === after) hi = mid;
    else lo = mid;
  }
  return hi;
}

/**
 * The instant (epoch ms) a business date starts: its cut-off on the previous calendar day in the hospital's
 * zone (local midnight of the date itself when the cut-off is 00:00). `businessDate(dayStartOf(d)) === d`, and
 * the instant before belongs to the previous date.
 */
export function dayStartOf(date: BusinessDate, options: BusinessDateOptions = {}): number {
  const timeZone = options.timeZone ?? DEFAULT_TIME_ZONE;
  const cutoffMinutes = cutoffMinutesOf(options.cutoff ?? DEFAULT_CUTOFF);
  // A cut-off after midnight starts the date on the previous calendar day at that time.
  const m = DATE_RE.exec(cutoffMinutes === 0 ? parseBusinessDate(date) : addDays(date, -1))!;
  const [y, mo, d] = [Number(m[1]), Number(m[2]), Number(m[3])];
  return localToUtc(
    { year: y, month: mo, day: d, hour: Math.floor(cutoffMinutes / 60), minute: cutoffMinutes % 60 },
    timeZone,
  );
}
