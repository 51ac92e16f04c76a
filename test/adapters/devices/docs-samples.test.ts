// The samples in docs/devices.md are real: each decodes with its model's codec and its MAC verifies.
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import iconv from 'iconv-lite';
import { describe, expect, it } from 'vitest';
import { FrameReader } from '../../../src/adapters/devices/framing.ts';
import { verifyMac } from '../../../src/adapters/devices/mac.ts';
import { DEVICE_MODELS, modelCodec } from '../../../src/adapters/devices/models.ts';

const KEY = Buffer.from('000102030405060708090a0b0c0d0e0f101112131415161718191a1b1c1d1e1f', 'hex');
const doc = readFileSync(join(import.meta.dirname, '../../../docs/devices.md'), 'utf8');
const samples = [
  ...doc.matchAll(/^([a-z0-9-]+) \([a-z0-9]+; length header [^\n]*\n\n```(hex|text)\n([\s\S]*?)\n```/gm),
].map((m) => ({ model: m[1]!, kind: m[2]!, body: m[3]! }));

describe('docs/devices.md samples', () => {
  it('has a sample of every message type in every documented model', () => {
    expect(samples.length).toBe(7 * 4);
  });

  it.each(samples.map((s, i) => [i, s.model, s] as const))(
    'sample %i (%s) decodes and its MAC verifies',
    (_i, model, s) => {
      const m = DEVICE_MODELS[model]!;
      const codec = modelCodec(m);
      let body: Buffer;
      if (s.kind === 'hex') {
        const frames = new FrameReader(m.framing).push(Buffer.from(s.body.replace(/\s/g, ''), 'hex'));
        expect(frames).toHaveLength(1);
        body = frames[0]!;
      } else {
        const bytes = iconv.encode(s.body, 'gbk');
        body = m.framing.kind === 'ascii' ? new FrameReader(m.framing).push(bytes)[0]! : bytes;
      }
      const message = codec.decode(body);
      expect(verifyMac(codec, message, KEY)).toBe(true);
      expect(codec.encode(message).equals(body)).toBe(true);
    },
  );
});
