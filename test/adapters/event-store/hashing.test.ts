// The canonical JSON every event hash and every request hash is taken over: the fast way must write exactly
// what the reference writes, whatever the keys (array indices, __proto__, unicode) and however deep.
import fc from 'fast-check';
import { FC_SEED } from '../../support/property.ts';
import { describe, expect, it } from 'vitest';
import {
  canonicalJson,
  plainCanonicalJson,
  plainCanonicalText,
} from '../../../src/adapters/event-store/hashing.ts';

const key = fc.oneof(
  fc.string(),
  fc.constantFrom(
    '__proto__',
    'constructor',
    '0',
    '1',
    '10',
    '9',
    '01',
    '4294967295',
    '-1',
    '1.5',
    'é',
    '中文',
    '',
  ),
);
const json = fc.letrec((tie) => ({
  value: fc.oneof(
    { depthSize: 'small' },
    fc.string(),
    fc.double({ noNaN: true, noDefaultInfinity: true }),
    fc.integer(),
    fc.boolean(),
    fc.constant(null),
    fc.array(tie('value'), { maxLength: 5 }),
    fc.dictionary(key, tie('value'), { maxKeys: 6 }),
  ),
})).value;

describe('canonical JSON', () => {
  it('the fast way writes what the reference writes, and what canonicalJson writes of the parsed JSON', () => {
    fc.assert(
      fc.property(json, (v) => {
        const fast = plainCanonicalJson(v);
        expect(fast).toBe(plainCanonicalText(v));
        expect(canonicalJson(JSON.parse(JSON.stringify(v)))).toBe(fast);
        expect(JSON.parse(fast!)).toEqual(JSON.parse(JSON.stringify(v)));
      }),
      { seed: FC_SEED, numRuns: 2_000 },
    );
  });

  it('keys are sorted at every level, index-like keys as text, and undefined members are left out', () => {
    const v = { b: 1, a: { d: [1, { z: true, y: null }], c: 'x' }, 10: 'ten', 9: 'nine', u: undefined };
    expect(plainCanonicalJson(v)).toBe(
      '{"10":"ten","9":"nine","a":{"c":"x","d":[1,{"y":null,"z":true}]},"b":1}',
    );
    const proto = JSON.parse('{"__proto__": {"x": 1}, "a": 2}');
    expect(plainCanonicalJson(proto)).toBe('{"__proto__":{"x":1},"a":2}');
  });

  it('anything but plain JSON data is left to the general way', () => {
    for (const v of [new Date(0), { a: new Date(0) }, [undefined], { n: Number.NaN }, { f: () => 1 }, 1n])
      expect(plainCanonicalJson(v)).toBeUndefined();
    expect(() => canonicalJson({ at: new Date(0) })).toThrow(TypeError);
  });
});
