// The small helpers every report fold shares: tallies, map entries, keys of several parts, dates, sort order.
import { type BusinessDate, businessDate } from '../domain/business-date.ts';
import type { RecordedEvent } from '../domain/event-store.ts';
import { Money } from '../domain/money.ts';
import type { ReportParams } from './types.ts';

/** A count and an amount: what most report cells add up. */
export interface Tally {
  count: number;
  amount: Money;
}

/** The entry of a map, created on first use. */
export function entry<K, V>(map: Map<K, V>, key: K, create: () => V): V {
  let v = map.get(key);
  if (v === undefined) {
    v = create();
    map.set(key, v);
  }
  return v;
}

export const tally = {
  empty: (): Tally => ({ count: 0, amount: Money.ZERO }),
  /** Adds an amount: one movement, or `count` of them. */
  add(t: Tally, amount: Money, count = 1): void {
    t.count += count;
    t.amount = t.amount.add(amount);
  },
  /** Adds an amount to the tally a map holds at a key, starting that tally at zero. */
  at<K>(map: Map<K, Tally>, key: K, amount: Money, count = 1): void {
    tally.add(entry(map, key, tally.empty), amount, count);
  },
};

export const money = (v: unknown): Money => Money.parseTotal(String(v ?? '0'));

/** The business date of an event's business time, in the hospital's zone and cut-off. */
export function dateOf(event: RecordedEvent, params: ReportParams): BusinessDate {
  return businessDate(event.occurredAt, params.dateOptions);
}

export function inRange(date: string, params: ReportParams): boolean {
  return date >= params.from && date <= params.to;
}

/** Sort keys joined: rows come out in one stable order, so the same events always give the same sheet. */
export function byKeys<T>(keyOf: (x: T) => readonly (string | number)[]): (a: T, b: T) => number {
  return (a, b) => {
    const ka = keyOf(a);
    const kb = keyOf(b);
    for (let i = 0; i < ka.length; i++) {
      const x = ka[i]!;
      const y = kb[i]!;
      if (x < y) return -1;
      if (x > y) return 1;
    }
    return 0;
  };
}

/** Map keys of several parts (a channel or an operator may hold any printable character). */
export const key = (...parts: string[]): string => parts.join('\u001f');
/** The parts of a key made by `key` (callers read only as many parts as they joined). */
export const splitKey = (k: string) => k.split('\u001f') as [string, string, string, string];
