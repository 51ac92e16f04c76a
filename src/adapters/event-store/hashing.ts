import { createHash } from 'node:crypto';
import type { EventMetadata, JsonValue } from '../../domain/event-store.ts';

/** JSON with object keys sorted at every level: the same value always gives the same bytes. */
export function canonicalJson(value: unknown): string {
  if (value === null || typeof value !== 'object') {
    const s = JSON.stringify(value);
    if (s === undefined) throw new TypeError(`not JSON-serialisable: ${typeof value}`);
    return s;
  }
  if (Array.isArray(value)) return `[${value.map(canonicalJson).join(',')}]`;
  const keys = Object.keys(value as object)
    .filter((k) => (value as Record<string, unknown>)[k] !== undefined)
    .sort();
  return `{${keys.map((k) => `${JSON.stringify(k)}:${canonicalJson((value as Record<string, unknown>)[k])}`).join(',')}}`;
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
  return createHash('sha256').update(canonical, 'utf8').digest();
}

/** The hash a stream starts from, so that a chain cannot be moved to another stream. */
export function genesisHash(streamId: string): Buffer {
  return createHash('sha256').update(streamId, 'utf8').digest();
}

/** hash(n) = sha256(hash(n-1) ‖ int4(version) ‖ content_hash(n)), as append_to_stream() computes it. */
export function chainHash(previous: Buffer, version: number, content: Buffer): Buffer {
  const v = Buffer.alloc(4);
  v.writeInt32BE(version);
  return createHash('sha256').update(previous).update(v).update(content).digest();
}

/** One step of a seal: sha256(acc ‖ int8(position) ‖ event hash). */
export function sealStep(acc: Buffer, position: bigint, eventHash: Buffer): Buffer {
  const p = Buffer.alloc(8);
  p.writeBigInt64BE(position);
  return createHash('sha256').update(acc).update(p).update(eventHash).digest();
}

/**
 * canonicalJson(JSON.parse(JSON.stringify(value))) in one pass, for values made only of plain objects, arrays,
 * strings, finite numbers, booleans and null (what events carry). Returns undefined for anything else (a Date,
 * a class instance, toJSON, undefined in an array, a cycle, …): the caller then takes the slow, general way.
 */
export function plainCanonicalJson(value: unknown, depth = 0): string | undefined {
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
          const s = plainCanonicalJson(v, depth + 1);
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
        const s = plainCanonicalJson(v, depth + 1);
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
