// Codecs and framing under garbage and mutated messages: every input is either a valid message (that
// encodes back to a message equal to itself) or a DeviceError with a code — never another exception.
import fc from 'fast-check';
import { afterAll, describe, expect, it } from 'vitest';
import { DEVICE_ERRORS, DeviceError, type DeviceCodec } from '../../../src/adapters/devices/codecs/index.ts';
import { FrameReader, type Framing } from '../../../src/adapters/devices/framing.ts';
import { signMessage, verifyMac } from '../../../src/adapters/devices/mac.ts';
import { CODECS, anyMessage, RUNS, SEED } from './arbitraries.ts';

const FUZZ_RUNS = RUNS * 5;
const tried = new Map<string, number>();
const count = (name: string) => tried.set(name, (tried.get(name) ?? 0) + 1);

afterAll(() => {
  const total = [...tried.values()].reduce((a, b) => a + b, 0);
  console.log(
    `device codec fuzz: ${total} inputs tried (seed ${SEED}): ${[...tried].map(([k, v]) => `${k} ${v}`).join(', ')}`,
  );
});

/** Decodes without letting anything but a DeviceError out; a message decoded must re-encode and re-decode equal. */
function survive(codec: DeviceCodec, bytes: Buffer): void {
  let decoded: ReturnType<DeviceCodec['decode']>;
  try {
    decoded = codec.decode(bytes);
  } catch (error) {
    if (!(error instanceof DeviceError)) throw error;
    expect(DEVICE_ERRORS[error.code]).toBeDefined();
    return;
  }
  expect(codec.decode(codec.encode(decoded))).toEqual(decoded);
}

const mutation = fc.oneof(
  fc.record({ kind: fc.constant('truncate' as const), at: fc.nat() }),
  fc.record({ kind: fc.constant('flip' as const), at: fc.nat(), mask: fc.integer({ min: 1, max: 255 }) }),
  fc.record({ kind: fc.constant('insert' as const), at: fc.nat(), byte: fc.integer({ min: 0, max: 255 }) }),
  fc.record({ kind: fc.constant('delete' as const), at: fc.nat() }),
);

function mutate(bytes: Buffer, m: { kind: string; at: number; mask?: number; byte?: number }): Buffer {
  const at = bytes.length === 0 ? 0 : m.at % bytes.length;
  switch (m.kind) {
    case 'truncate':
      return bytes.subarray(0, at);
    case 'flip': {
      const out = Buffer.from(bytes);
      out[at] = out[at]! ^ m.mask!;
      return out;
    }
    case 'insert':
      return Buffer.concat([bytes.subarray(0, at), Buffer.from([m.byte!]), bytes.subarray(at)]);
    default:
      return Buffer.concat([bytes.subarray(0, at), bytes.subarray(at + 1)]);
  }
}

const KEY = Buffer.alloc(32, 9);

describe.each(CODECS)('%s codec under fuzzing', (name, codec) => {
  it('random bytes decode to a valid message or a coded refusal', () => {
    fc.assert(
      fc.property(fc.uint8Array({ maxLength: 600 }), (bytes) => {
        count(name);
        survive(codec, Buffer.from(bytes));
      }),
      { seed: SEED, numRuns: FUZZ_RUNS },
    );
  });

  it('a mutated signed message is refused, or decodes to a message whose MAC no longer verifies', () => {
    fc.assert(
      fc.property(anyMessage, fc.array(mutation, { minLength: 1, maxLength: 3 }), (message, mutations) => {
        count(name);
        const signed = signMessage(codec, message, KEY);
        const bytes = mutations.reduce((b, m) => mutate(b, m), codec.encode(signed));
        survive(codec, bytes);
        try {
          const decoded = codec.decode(bytes);
          const same = JSON.stringify(decoded) === JSON.stringify(signed);
          expect(verifyMac(codec, decoded, KEY)).toBe(same);
        } catch (error) {
          if (!(error instanceof DeviceError)) throw error;
        }
      }),
      { seed: SEED, numRuns: FUZZ_RUNS },
    );
  });
});

const FRAMINGS: Framing[] = [
  { kind: 'binary', bytes: 2 },
  { kind: 'binary', bytes: 4 },
  { kind: 'ascii', digits: 4 },
  { kind: 'ascii', digits: 6 },
];

describe.each(FRAMINGS.map((f) => [JSON.stringify(f), f] as const))(
  'framing %s under fuzzing',
  (name, framing) => {
    it('any chunking of any bytes yields whole frames or a coded refusal', () => {
      fc.assert(
        fc.property(fc.array(fc.uint8Array({ maxLength: 64 }), { maxLength: 8 }), (chunks) => {
          count(`frames ${name}`);
          const reader = new FrameReader(framing, 256);
          try {
            for (const c of chunks)
              for (const f of reader.push(Buffer.from(c))) expect(f.length).toBeGreaterThan(0);
          } catch (error) {
            if (!(error instanceof DeviceError)) throw error;
            expect(['BAD_LENGTH', 'FRAME_TOO_LARGE']).toContain(error.code);
          }
        }),
        { seed: SEED, numRuns: FUZZ_RUNS },
      );
    });
  },
);
