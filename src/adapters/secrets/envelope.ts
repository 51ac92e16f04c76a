// Secrets larger than one sealed value may hold (a merchant's PEM private key is ~1.7 KB; sealSecret takes 1 KB):
// envelope encryption. A fresh data key encrypts the secret (AES-256-GCM, bound to the context); the data key is
// sealed exactly as a bus-client secret is, so master-key rotation (resealSecret on the first part) and the
// keyring's rules apply unchanged. Format: `env1.<sealed data key>~<iv>.<ciphertext+tag>` (base64url parts).
import { createCipheriv, createDecipheriv, randomBytes } from 'node:crypto';
import { type MasterKeyring, openSecret, SecretError, sealSecret } from './keyring.ts';

const ENVELOPE_VERSION = 'env1';
const IV_BYTES = 12;
const TAG_BYTES = 16;
/** Largest secret an envelope takes (several PEM keys together). */
export const MAX_ENVELOPE_SECRET_BYTES = 64 * 1024;

export function sealLargeSecret(keyring: MasterKeyring, plaintext: string, context: string): string {
  const data = Buffer.from(plaintext, 'utf8');
  if (data.length === 0 || data.length > MAX_ENVELOPE_SECRET_BYTES)
    throw new SecretError('SECRET_CORRUPT', `secret must be 1..${MAX_ENVELOPE_SECRET_BYTES} bytes`);
  const dataKey = randomBytes(32);
  const iv = randomBytes(IV_BYTES);
  const cipher = createCipheriv('aes-256-gcm', dataKey, iv, { authTagLength: TAG_BYTES });
  cipher.setAAD(Buffer.from(`${ENVELOPE_VERSION}.${context}`, 'utf8'));
  const body = Buffer.concat([cipher.update(data), cipher.final(), cipher.getAuthTag()]);
  const sealedKey = sealSecret(keyring, dataKey.toString('base64url'), `${context}#data-key`);
  return `${ENVELOPE_VERSION}.${sealedKey}~${iv.toString('base64url')}.${body.toString('base64url')}`;
}

export function openLargeSecret(keyring: MasterKeyring, sealed: string, context: string): string {
  const prefix = `${ENVELOPE_VERSION}.`;
  const tilde = sealed.lastIndexOf('~');
  if (!sealed.startsWith(prefix) || tilde < 0)
    throw new SecretError('SECRET_CORRUPT', 'not a sealed envelope');
  const dataKey = Buffer.from(
    openSecret(keyring, sealed.slice(prefix.length, tilde), `${context}#data-key`),
    'base64url',
  );
  const [ivText, bodyText] = sealed.slice(tilde + 1).split('.');
  const iv = Buffer.from(ivText ?? '', 'base64url');
  const body = Buffer.from(bodyText ?? '', 'base64url');
  if (dataKey.length !== 32 || iv.length !== IV_BYTES || body.length <= TAG_BYTES)
    throw new SecretError('SECRET_CORRUPT', 'sealed envelope is truncated');
  try {
    return openAesGcm(dataKey, iv, `${ENVELOPE_VERSION}.${context}`, body);
  } catch {
    throw new SecretError('SECRET_CORRUPT', 'sealed envelope failed authentication');
  }
}

/**
 * AES-256-GCM decryption of `data` (ciphertext followed by its 16-byte tag) with its additional data, as UTF-8
 * text; throws when the key, iv, additional data or tag do not authenticate it.
 */
export function openAesGcm(key: Buffer, iv: Buffer, associatedData: string, data: Buffer): string {
  const decipher = createDecipheriv('aes-256-gcm', key, iv, { authTagLength: TAG_BYTES });
  decipher.setAAD(Buffer.from(associatedData, 'utf8'));
  decipher.setAuthTag(data.subarray(data.length - TAG_BYTES));
  return Buffer.concat([
    decipher.update(data.subarray(0, data.length - TAG_BYTES)),
    decipher.final(),
  ]).toString('utf8');
}
