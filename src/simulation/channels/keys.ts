// The sandbox's key material, and what it hands to the platform (as a real merchant console would): the
// merchant's own keys, the APIv3 key, and the channel's public side (WeChat platform certificate or WeChat Pay
// public key, Alipay public key). Platform certificates are X.509, which node:crypto cannot issue: the
// system's openssl does (the sandbox is a test double; production never issues certificates).
import { execFileSync } from 'node:child_process';
import { generateKeyPairSync, type KeyObject, randomBytes } from 'node:crypto';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

export interface KeyPair {
  publicKey: KeyObject;
  privateKey: KeyObject;
}

export function rsaKeyPair(): KeyPair {
  return generateKeyPairSync('rsa', { modulusLength: 2048 });
}

export function privatePem(k: KeyObject): string {
  return k.export({ type: 'pkcs8', format: 'pem' }).toString();
}

export function publicPem(k: KeyObject): string {
  return k.export({ type: 'spki', format: 'pem' }).toString();
}

export interface PlatformCertificate extends KeyPair {
  /** Upper-case hex, as WeChat sends it in Wechatpay-Serial. */
  serial: string;
  pem: string;
  effectiveAt: Date;
  expiresAt: Date;
}

/** A self-signed certificate in the shape of a WeChat platform certificate, valid `days` days. */
export function platformCertificate(days = 365): PlatformCertificate {
  const pair = rsaKeyPair();
  const serial = randomBytes(20).toString('hex').toUpperCase().replace(/^0+/, '1');
  const dir = mkdtempSync(join(tmpdir(), 'sandbox-cert-'));
  try {
    const keyFile = join(dir, 'key.pem');
    writeFileSync(keyFile, privatePem(pair.privateKey), { mode: 0o600 });
    const pem = execFileSync(
      'openssl',
      [
        'req',
        '-x509',
        '-key',
        keyFile,
        '-subj',
        '/C=CN/O=Tenpay.com/CN=Tenpay.com sandbox platform',
        '-days',
        String(days),
        '-set_serial',
        `0x${serial}`,
      ],
      { encoding: 'utf8' },
    );
    const now = Date.now();
    return {
      ...pair,
      serial,
      pem,
      effectiveAt: new Date(now),
      expiresAt: new Date(now + days * 86_400_000),
    };
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

/** A 32-character APIv3 key. */
export function apiV3Key(): string {
  return randomBytes(24).toString('base64url').slice(0, 32);
}
