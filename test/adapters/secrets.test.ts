import { inspect } from 'node:util';
import { generateClientSecret } from '../../src/app/clients.ts';
import { describe, expect, it } from 'vitest';
import {
  generateMasterKey,
  openSecret,
  parseMasterKeys,
  resealSecret,
  SecretError,
  sealedKeyId,
  sealSecret,
} from '../../src/adapters/secrets/keyring.ts';

describe('sealed client secrets', () => {
  const k1 = generateMasterKey('k1');
  const k2 = generateMasterKey('k2');

  it('round-trips and never stores the plaintext', () => {
    const ring = parseMasterKeys(k1);
    const secret = generateClientSecret();
    expect(secret).toMatch(/^[A-Za-z0-9_-]{43}$/);
    const sealed = sealSecret(ring, secret, 'bus-client:a');
    expect(sealed).not.toContain(secret);
    expect(sealed.startsWith('v1.k1.')).toBe(true);
    expect(openSecret(ring, sealed, 'bus-client:a')).toBe(secret);
    expect(sealSecret(ring, secret, 'bus-client:a')).not.toBe(sealed); // fresh IV each time
  });

  it('refuses a wrong context, a tampered value and an unknown key id', () => {
    const ring = parseMasterKeys(k1);
    const sealed = sealSecret(ring, 's3cret', 'bus-client:a');
    expect(() => openSecret(ring, sealed, 'bus-client:b')).toThrow(SecretError);
    const parts = sealed.split('.');
    const body = Buffer.from(parts[3]!, 'base64url');
    body[0] = body[0]! ^ 1;
    parts[3] = body.toString('base64url');
    expect(() => openSecret(ring, parts.join('.'), 'bus-client:a')).toThrow(/failed authentication/);
    expect(() => openSecret(parseMasterKeys(k2), sealed, 'bus-client:a')).toThrow(
      expect.objectContaining({ code: 'SECRET_UNKNOWN_KEY' }),
    );
  });

  it('rotates: a new active key still opens old values, and reseal moves them to the new key', () => {
    const old = parseMasterKeys(k1);
    const sealed = sealSecret(old, 'abc', 'ctx');
    const rotated = parseMasterKeys(`${k2},${k1}`);
    expect(rotated.activeKeyId).toBe('k2');
    expect(openSecret(rotated, sealed, 'ctx')).toBe('abc');
    const resealed = resealSecret(rotated, sealed, 'ctx');
    expect(sealedKeyId(resealed)).toBe('k2');
    expect(openSecret(parseMasterKeys(k2), resealed, 'ctx')).toBe('abc');
  });

  it('never prints key material, and rejects bad configuration without echoing it', () => {
    const ring = parseMasterKeys(k1);
    const material = k1.split(':')[1]!;
    expect(JSON.stringify(ring)).not.toContain(material);
    expect(inspect(ring)).not.toContain(material);
    expect(() => parseMasterKeys(undefined)).toThrow(expect.objectContaining({ code: 'MASTER_KEY_MISSING' }));
    try {
      parseMasterKeys('k1:c2hvcnQ=');
      expect.unreachable();
    } catch (e) {
      expect(e).toMatchObject({ code: 'MASTER_KEY_INVALID' });
      expect(String(e)).not.toContain('c2hvcnQ=');
    }
    expect(parseMasterKeys('a'.repeat(64)).activeKeyId).toBe('default');
  });
});
