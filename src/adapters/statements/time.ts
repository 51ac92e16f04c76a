// Wall-clock times in a statement's zone → UTC. The conversion is the domain's (business-date.ts
// `localToUtc`); a statement has a million lines, so its answer is cached per zone and local hour.
import { DEFAULT_TIME_ZONE, localToUtc, zoneOffsetMs } from '../../domain/business-date.ts';

export { DEFAULT_TIME_ZONE };

export interface LocalDateTime {
  y: number;
  mo: number;
  d: number;
  h: number;
  mi: number;
  s: number;
}

/**
 * Parses `text` with a pattern of `yyyy MM dd HH mm ss` tokens and literal characters
 * (`yyyy-MM-dd HH:mm:ss`, `yyyyMMddHHmmss`, `yyyy/MM/dd`, `yyyy年MM月dd日 HH:mm:ss`). Returns undefined on mismatch.
 */
export function parseLocal(text: string, pattern: string): LocalDateTime | undefined {
  if (pattern === 'yyyy-MM-dd HH:mm:ss') return parseIsoLocal(text);
  const t = text.trim();
  const out: LocalDateTime = { y: 0, mo: 1, d: 1, h: 0, mi: 0, s: 0 };
  let i = 0;
  let p = 0;
  while (p < pattern.length) {
    const tok = /^(yyyy|MM|dd|HH|mm|ss)/.exec(pattern.slice(p))?.[1];
    if (tok) {
      const len = tok.length;
      const part = t.slice(i, i + len);
      if (part.length !== len || !/^\d+$/.test(part)) return undefined;
      const n = Number(part);
      if (tok === 'yyyy') out.y = n;
      else if (tok === 'MM') out.mo = n;
      else if (tok === 'dd') out.d = n;
      else if (tok === 'HH') out.h = n;
      else if (tok === 'mm') out.mi = n;
      else out.s = n;
      i += len;
      p += len;
    } else {
      if (t[i] !== pattern[p]) return undefined;
      i++;
      p++;
    }
  }
  if (i !== t.length) return undefined;
  if (!validLocal(out)) return undefined;
  return out;
}

/** `yyyy-MM-dd HH:mm:ss` without regular expressions (the hot path of every statement line). Same answers as the generic pattern. */
function parseIsoLocal(text: string): LocalDateTime | undefined {
  const t = text.length === 19 ? text : text.trim();
  if (t.length !== 19) return undefined;
  if (
    t.charCodeAt(4) !== 45 ||
    t.charCodeAt(7) !== 45 ||
    t.charCodeAt(10) !== 32 ||
    t.charCodeAt(13) !== 58 ||
    t.charCodeAt(16) !== 58
  )
    return undefined;
  const y = digits(t, 0, 4);
  const mo = digits(t, 5, 2);
  const d = digits(t, 8, 2);
  const h = digits(t, 11, 2);
  const mi = digits(t, 14, 2);
  const s = digits(t, 17, 2);
  if (y < 0 || mo < 0 || d < 0 || h < 0 || mi < 0 || s < 0) return undefined;
  const out: LocalDateTime = { y, mo, d, h, mi, s };
  return validLocal(out) ? out : undefined;
}

/** The ASCII digits t[at … at+len) as a number, or -1 when one is not a digit. */
function digits(t: string, at: number, len: number): number {
  let n = 0;
  for (let i = at; i < at + len; i++) {
    const c = t.charCodeAt(i) - 48;
    if (c < 0 || c > 9) return -1;
    n = n * 10 + c;
  }
  return n;
}

/** Days per month, cached per year and month (validLocal runs once per statement line). */
const monthDays = new Map<number, number>();

export function validLocal(x: LocalDateTime): boolean {
  if (x.y < 1970 || x.y > 9999 || x.mo < 1 || x.mo > 12 || x.d < 1 || x.h > 23 || x.mi > 59 || x.s > 59)
    return false;
  if (x.d <= 28) return true;
  const ym = x.y * 16 + x.mo;
  let dim = monthDays.get(ym);
  if (dim === undefined) monthDays.set(ym, (dim = new Date(Date.UTC(x.y, x.mo, 0)).getUTCDate()));
  return x.d <= dim;
}

const pad2 = (n: number): string => (n < 10 ? '0' : '') + n;

export function formatLocal(x: LocalDateTime): string {
  return `${x.y}-${pad2(x.mo)}-${pad2(x.d)} ${pad2(x.h)}:${pad2(x.mi)}:${pad2(x.s)}`;
}

export function localDate(x: LocalDateTime): string {
  return `${x.y}-${pad2(x.mo)}-${pad2(x.d)}`;
}

/** Formats with the same token pattern as `parseLocal`. */
export function formatPattern(x: LocalDateTime, pattern: string): string {
  return pattern.replace(/yyyy|MM|dd|HH|mm|ss/g, (tok) => {
    if (tok === 'yyyy') return String(x.y).padStart(4, '0');
    if (tok === 'MM') return pad2(x.mo);
    if (tok === 'dd') return pad2(x.d);
    if (tok === 'HH') return pad2(x.h);
    if (tok === 'mm') return pad2(x.mi);
    return pad2(x.s);
  });
}

/** Offsets per zone, keyed by the local hour (y, mo, d, h as one number): one conversion per zone and hour. */
const offsetCache = new Map<string, Map<number, number>>();
/** Local hours cached per zone before its cache starts afresh (a bill spans a day or two of them). */
const MAX_CACHED_HOURS = 100_000;

/** The UTC instant of a wall-clock time in `timeZone`. */
export function localToUtcMs(x: LocalDateTime, timeZone: string = DEFAULT_TIME_ZONE): number {
  const wall = Date.UTC(x.y, x.mo - 1, x.d, x.h, x.mi, x.s);
  let zone = offsetCache.get(timeZone);
  if (zone === undefined) offsetCache.set(timeZone, (zone = new Map()));
  const key = ((x.y * 16 + x.mo) * 32 + x.d) * 32 + x.h;
  let off = zone.get(key);
  if (off === undefined) {
    // Zones change offset on the hour or half hour: the offset at the start of the hour holds for all of it
    // unless the hour holds a transition (then the domain's conversion answers each reading itself).
    const start = Date.UTC(x.y, x.mo - 1, x.d, x.h);
    const at = localToUtc({ year: x.y, month: x.mo, day: x.d, hour: x.h, minute: 0 }, timeZone);
    const end = localToUtc({ year: x.y, month: x.mo, day: x.d, hour: x.h, minute: 59 }, timeZone);
    if (end - at !== 59 * 60_000)
      return localToUtc({ year: x.y, month: x.mo, day: x.d, hour: x.h, minute: x.mi, second: x.s }, timeZone);
    off = start - at;
    if (zone.size > MAX_CACHED_HOURS) zone.clear();
    zone.set(key, off);
  }
  return wall - off;
}

let lastIsoMs = Number.NaN;
let lastIso = '';

export function localToUtcIso(x: LocalDateTime, timeZone: string = DEFAULT_TIME_ZONE): string {
  // Statement lines come in time order, many to a second: the last text is reused for the same instant.
  const ms = localToUtcMs(x, timeZone);
  if (ms !== lastIsoMs) {
    lastIso = new Date(ms).toISOString();
    lastIsoMs = ms;
  }
  return lastIso;
}

/** The wall clock in `timeZone` of a UTC instant (for writers). */
export function utcToLocal(iso: string, timeZone: string = DEFAULT_TIME_ZONE): LocalDateTime {
  const ms = Date.parse(iso);
  const w = new Date(ms + zoneOffsetMs(ms, timeZone));
  return {
    y: w.getUTCFullYear(),
    mo: w.getUTCMonth() + 1,
    d: w.getUTCDate(),
    h: w.getUTCHours(),
    mi: w.getUTCMinutes(),
    s: w.getUTCSeconds(),
  };
}

export function isIsoDate(s: string): boolean {
  const m = /^(\d{4})-(\d{2})-(\d{2})$/.exec(s);
  return !!m && validLocal({ y: Number(m[1]), mo: Number(m[2]), d: Number(m[3]), h: 0, mi: 0, s: 0 });
}
