import { hash } from 'node:crypto';
import type { EventMetadata, JsonValue } from '../../domain/event-store.ts';

/**
 * JSON with object keys sorted at every level: the same value always gives the same bytes. For plain JSON data
 * (what JSON.parse returns, what events and request bodies hold); anything else is refused.
 */
export function canonicalJson(value: unknown): string {
  const text = plainCanonicalJson(value);
  if (text === undefined)
    throw new TypeError('not plain JSON data (a Date, a class instance, NaN, undefined …)');
  return text;
}

export interface HashedContent {
  streamId: string;
  eventId: string;
  type: string;
  schemaVersion: number;
  occurredAt: Date;
  data: JsonValue;
  metadata: EventMetadata;
}

/** Hash of what an event says (not where it sits); the store chains these per stream. */
export function contentHash(e: HashedContent): Buffer {
  const canonical = canonicalJson([
    e.streamId,
    e.eventId,
    e.type,
    e.schemaVersion,
    e.occurredAt.toISOString(),
    e.data,
    e.metadata,
  ]);
  return hash('sha256', canonical, 'buffer');
}

/**
 * SHA-256 of a text as hex. crypto.hash() is one call with no Hash object: about 2 µs for an event against
 * 6.6 µs through createHash(), which counted in an append of a thousand events.
 */
export function sha256Hex(text: string): string {
  return hash('sha256', text, 'hex');
}

/** The hash a stream starts from, so that a chain cannot be moved to another stream. */
export function genesisHash(streamId: string): Buffer {
  return hash('sha256', streamId, 'buffer');
}

/** hash(n) = sha256(hash(n-1) ‖ int4(version) ‖ content_hash(n)), as append_event_rows() computes it. */
export function chainHash(previous: Buffer, version: number, content: Buffer): Buffer {
  return sha256Around(previous, 4, (input, at) => input.writeInt32BE(version, at), content);
}

/** One step of a seal: sha256(acc ‖ int8(position) ‖ event hash). */
export function sealStep(acc: Buffer, position: bigint, eventHash: Buffer): Buffer {
  return sha256Around(acc, 8, (input, at) => input.writeBigInt64BE(position, at), eventHash);
}

/** sha256(first ‖ `width` bytes written by `write` ‖ last), in one buffer. */
function sha256Around(
  first: Buffer,
  width: number,
  write: (input: Buffer, at: number) => unknown,
  last: Buffer,
): Buffer {
  const input = Buffer.allocUnsafe(first.length + width + last.length);
  first.copy(input, 0);
  write(input, first.length);
  last.copy(input, first.length + width);
  return hash('sha256', input, 'buffer');
}

/** Marks a value plainCanonicalJson does not take the fast way. */
const NOT_PLAIN = Symbol('not plain');
/** Marks an object with a key JSON.stringify would not keep in insertion order (an array index). */
const INDEX_KEY = Symbol('index key');

/**
 * canonicalJson(JSON.parse(JSON.stringify(value))) in one pass, for values made only of plain objects, arrays,
 * strings, finite numbers, booleans and null (what events carry). Returns undefined for anything else (a Date,
 * a class instance, toJSON, undefined in an array, a cycle, …): the caller then takes the slow, general way.
 *
 * The walk copies the value with every object's keys inserted in sorted order and hands the copy to one
 * native JSON.stringify, which keeps that order: about 3.5 µs for a payment event against 7.6 µs when the
 * text was concatenated key by key. Keys that are array indices ("0", "12") are the exception (objects list
 * them first, in numeric order), so an object holding one is written key by key, as before.
 */
export function plainCanonicalJson(value: unknown): string | undefined {
  const copy = sortedCopy(value, 0);
  if (copy === NOT_PLAIN) return undefined;
  if (copy === INDEX_KEY) return plainCanonicalText(value, 0);
  return JSON.stringify(copy);
}

function sortedCopy(value: unknown, depth: number): unknown {
  switch (typeof value) {
    case 'string':
    case 'boolean':
      return value;
    case 'number':
      return Number.isFinite(value) ? value : NOT_PLAIN;
    case 'object': {
      if (value === null) return null;
      if (depth > 64) return NOT_PLAIN;
      if (Array.isArray(value)) {
        // An array of plain scalars (a statement batch's columns: thousands of strings) needs no copy: JSON
        // writes it as it is. A copy is made only from the first element that changes (an object, re-keyed).
        let out: unknown[] | undefined;
        for (let i = 0; i < value.length; i++) {
          const v = value[i];
          if (v === undefined) return NOT_PLAIN; // a hole or undefined: JSON would write null
          const c = sortedCopy(v, depth + 1);
          if (c === NOT_PLAIN || c === INDEX_KEY) return c;
          if (out) out[i] = c;
          else if (c !== v) {
            out = value.slice(0, i);
            out[i] = c;
          }
        }
        if (out) return out;
        // Returned as it is only when JSON.stringify writes it exactly like a copy: a plain array with no toJSON.
        return Object.getPrototypeOf(value) === Array.prototype && !('toJSON' in value)
          ? value
          : Array.from(value);
      }
      const proto = Object.getPrototypeOf(value);
      if (proto !== Object.prototype && proto !== null) return NOT_PLAIN;
      const o = value as Record<string, unknown>;
      const keys = Object.keys(o).sort();
      const out: Record<string, unknown> = {};
      for (const k of keys) {
        const first = k.charCodeAt(0);
        // A digit first (maybe an array index) or __proto__ (a setter on a plain object): written by hand.
        if ((first >= 48 && first <= 57) || k === '__proto__') return INDEX_KEY;
        const v = o[k];
        if (v === undefined) continue;
        const c = sortedCopy(v, depth + 1);
        if (c === NOT_PLAIN || c === INDEX_KEY) return c;
        out[k] = c;
      }
      return out;
    }
    default:
      return NOT_PLAIN;
  }
}

/** plainCanonicalJson written key by key (the reference; the fast way falls back to it for index keys). */
export function plainCanonicalText(value: unknown, depth = 0): string | undefined {
  switch (typeof value) {
    case 'string':
      return JSON.stringify(value);
    case 'number':
      return Number.isFinite(value) ? JSON.stringify(value) : undefined;
    case 'boolean':
      return value ? 'true' : 'false';
    case 'object': {
      if (value === null) return 'null';
      if (depth > 64) return undefined;
      if (Array.isArray(value)) {
        let out = '[';
        for (let i = 0; i < value.length; i++) {
          const v = value[i];
          if (v === undefined) return undefined;
          const s = plainCanonicalText(v, depth + 1);
          if (s === undefined) return undefined;
          out += i === 0 ? s : `,${s}`;
        }
        return `${out}]`;
      }
      const proto = Object.getPrototypeOf(value);
      if (proto !== Object.prototype && proto !== null) return undefined;
      const o = value as Record<string, unknown>;
      const keys = Object.keys(o).sort();
      let out = '{';
      let first = true;
      for (const k of keys) {
        const v = o[k];
        if (v === undefined) continue;
        const s = plainCanonicalText(v, depth + 1);
        if (s === undefined) return undefined;
        out += `${first ? '' : ','}${JSON.stringify(k)}:${s}`;
        first = false;
      }
      return `${out}}`;
    }
    default:
      return undefined;
  }
}
