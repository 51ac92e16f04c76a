import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { ALL_SPECS, MAC_FIELD } from '../../../src/adapters/devices/specs/index.ts';
import { CODECS, messageArbitrary, RUNS, SEED } from './arbitraries.ts';

describe('device message specs', () => {
  it.each(ALL_SPECS.map((s) => [s.type, s] as const))('%s is consistent', (_type, spec) => {
    const bits = spec.fields.map((f) => f.iso.bit);
    expect(new Set(bits).size).toBe(bits.length);
    expect(new Set(spec.fields.map((f) => f.name)).size).toBe(spec.fields.length);
    expect(spec.fields.at(-1)!.name).toBe(MAC_FIELD);
    const macBit = spec.fields.at(-1)!.iso.bit;
    // the MAC sits in the last bitmap the message uses
    expect(macBit).toBe(bits.some((b) => b > 64 && b !== macBit) ? 128 : 64);
    for (const f of spec.fields) {
      expect(f.iso.bit).toBeGreaterThan(1);
      if (f.iso.length === 'fixed') expect(f.exact).toBe(true);
      if (f.iso.encoding === 'bcd') expect(f.kind).toBe('n');
    }
  });

  it('codes are unique', () => {
    expect(new Set(ALL_SPECS.map((s) => s.code)).size).toBe(ALL_SPECS.length);
  });
});

describe.each(CODECS)('%s codec', (_name, codec) => {
  it.each(ALL_SPECS.map((s) => [s.type, s] as const))(
    'encode(decode(x)) = x for every valid %s message, signed or not',
    (_type, spec) => {
      for (const signed of [true, false])
        fc.assert(
          fc.property(messageArbitrary(spec, signed), (message) => {
            const bytes = codec.encode(message);
            const decoded = codec.decode(bytes);
            expect(decoded).toEqual(message);
            expect(codec.encode(decoded).equals(bytes)).toBe(true);
          }),
          { seed: SEED, numRuns: RUNS },
        );
    },
  );
});
