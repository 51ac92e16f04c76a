// Bus-client secrets at rest. The verifier must recompute an HMAC, so a one-way hash is not enough:
// secrets are sealed with AES-256-GCM under a master key from `LEDGER_MASTER_KEY`, and every sealed
// value names the key id it was sealed with so keys can be rotated without re-issuing secrets.
//
// LEDGER_MASTER_KEY = "<keyId>:<32 bytes, base64 or 64 hex>[,<keyId>:<key>...]"; the first entry is
// the active key (used to seal), the others stay readable until every secret is re-sealed (`resealSecret`).
// Sealed format: `v1.<keyId>.<iv base64url>.<ciphertext||tag base64url>`, AAD = `v1.<keyId>.<context>`
// where context binds the secret to its owner (e.g. the client id) so rows cannot be swapped.
import { createCipheriv, createDecipheriv, randomBytes } from 'node:crypto';
import { inspect } from 'node:util';

export const MASTER_KEY_ENV = 'LEDGER_MASTER_KEY';
const KEY_BYTES = 32;
const IV_BYTES = 12;
const TAG_BYTES = 16;
const SEALED_VERSION = 'v1';
const KEY_ID_PATTERN = /^[A-Za-z0-9_-]{1,32}$/;
/** Upper bound on master keys held at once (active + retired-but-readable). */
export const MAX_MASTER_KEYS = 16;
/** Upper bound on a secret's plaintext size; bus-client secrets are ~43 chars. */
export const MAX_SECRET_BYTES = 1024;

export type SecretErrorCode =
  | 'MASTER_KEY_MISSING'
  | 'MASTER_KEY_INVALID'
  | 'SECRET_UNKNOWN_KEY'
  | 'SECRET_CORRUPT';

export class SecretError extends Error {
  readonly code: SecretErrorCode;
  constructor(code: SecretErrorCode, message: string) {
    super(message);
    this.name = 'SecretError';
    this.code = code;
  }
}

/** Holds master keys; never prints them (toJSON / util.inspect show key ids only). */
export class MasterKeyring {
  readonly #keys: ReadonlyMap<string, Buffer>;
  readonly activeKeyId: string;

  constructor(entries: ReadonlyArray<{ keyId: string; key: Uint8Array }>) {
    if (entries.length === 0) throw new SecretError('MASTER_KEY_MISSING', 'no master key configured');
    if (entries.length > MAX_MASTER_KEYS)
      throw new SecretError('MASTER_KEY_INVALID', `at most ${MAX_MASTER_KEYS} master keys`);
    const keys = new Map<string, Buffer>();
    for (const { keyId, key } of entries) {
      if (!KEY_ID_PATTERN.test(keyId))
        throw new SecretError('MASTER_KEY_INVALID', `bad master key id: ${keyId}`);
      if (key.length !== KEY_BYTES)
        throw new SecretError('MASTER_KEY_INVALID', `master key ${keyId} must be ${KEY_BYTES} bytes`);
      if (keys.has(keyId)) throw new SecretError('MASTER_KEY_INVALID', `duplicate master key id: ${keyId}`);
      keys.set(keyId, Buffer.from(key));
    }
    this.#keys = keys;
    this.activeKeyId = entries[0]!.keyId;
  }

  get keyIds(): string[] {
    return [...this.#keys.keys()];
  }

  /** @internal used by seal/open only. */
  key(keyId: string): Buffer | undefined {
    return this.#keys.get(keyId);
  }

  toJSON(): { activeKeyId: string; keyIds: string[] } {
    return { activeKeyId: this.activeKeyId, keyIds: this.keyIds };
  }

  [inspect.custom](): string {
    return `MasterKeyring { active: ${this.activeKeyId}, keys: [${this.keyIds.join(', ')}] }`;
  }
}

function decodeKey(text: string): Buffer | undefined {
  if (/^[0-9a-fA-F]{64}$/.test(text)) return Buffer.from(text, 'hex');
  if (/^[A-Za-z0-9+/_-]+={0,2}$/.test(text)) {
    const b = Buffer.from(text, 'base64');
    return b.length === KEY_BYTES ? b : undefined;
  }
  return undefined;
}

/** Parses `LEDGER_MASTER_KEY`; errors never echo key material. */
export function parseMasterKeys(value: string | undefined): MasterKeyring {
  if (value === undefined || value.trim() === '')
    throw new SecretError('MASTER_KEY_MISSING', `${MASTER_KEY_ENV} is not set`);
  const entries = value
    .split(',')
    .map((s) => s.trim())
    .filter((s) => s !== '')
    .map((entry, i) => {
      const colon = entry.indexOf(':');
      const keyId = colon === -1 ? 'default' : entry.slice(0, colon);
      const key = decodeKey(colon === -1 ? entry : entry.slice(colon + 1));
      if (!key)
        throw new SecretError(
          'MASTER_KEY_INVALID',
          `${MASTER_KEY_ENV} entry ${i + 1} (${keyId}) is not ${KEY_BYTES} bytes of base64 or hex`,
        );
      return { keyId, key };
    });
  return new MasterKeyring(entries);
}

export function masterKeyringFromEnv(env: NodeJS.ProcessEnv = process.env): MasterKeyring {
  return parseMasterKeys(env[MASTER_KEY_ENV]);
}

/** A fresh master key, formatted for `LEDGER_MASTER_KEY` (for setup scripts and tests). */
export function generateMasterKey(keyId = 'k1'): string {
  return `${keyId}:${randomBytes(KEY_BYTES).toString('base64')}`;
}

function aad(keyId: string, context: string): Buffer {
  return Buffer.from(`${SEALED_VERSION}.${keyId}.${context}`, 'utf8');
}

/** Encrypts `plaintext` under the active master key, bound to `context` (e.g. `bus-client:<id>`). */
export function sealSecret(keyring: MasterKeyring, plaintext: string, context: string): string {
  const data = Buffer.from(plaintext, 'utf8');
  if (data.length === 0 || data.length > MAX_SECRET_BYTES)
    throw new SecretError('SECRET_CORRUPT', `secret must be 1..${MAX_SECRET_BYTES} bytes`);
  const keyId = keyring.activeKeyId;
  const iv = randomBytes(IV_BYTES);
  const cipher = createCipheriv('aes-256-gcm', keyring.key(keyId)!, iv, { authTagLength: TAG_BYTES });
  cipher.setAAD(aad(keyId, context));
  const sealed = Buffer.concat([cipher.update(data), cipher.final(), cipher.getAuthTag()]);
  return `${SEALED_VERSION}.${keyId}.${iv.toString('base64url')}.${sealed.toString('base64url')}`;
}

/** The key id a sealed value was sealed with (to find values still sealed under a retired key). */
export function sealedKeyId(sealed: string): string | undefined {
  const parts = sealed.split('.');
  return parts.length === 4 && parts[0] === SEALED_VERSION ? parts[1] : undefined;
}

export function openSecret(keyring: MasterKeyring, sealed: string, context: string): string {
  const parts = sealed.split('.');
  if (parts.length !== 4 || parts[0] !== SEALED_VERSION)
    throw new SecretError('SECRET_CORRUPT', 'sealed secret has an unknown format');
  const [, keyId, ivText, bodyText] = parts as [string, string, string, string];
  const key = keyring.key(keyId);
  if (!key) throw new SecretError('SECRET_UNKNOWN_KEY', `sealed with unknown master key id ${keyId}`);
  const iv = Buffer.from(ivText, 'base64url');
  const body = Buffer.from(bodyText, 'base64url');
  if (iv.length !== IV_BYTES || body.length <= TAG_BYTES)
    throw new SecretError('SECRET_CORRUPT', 'sealed secret is truncated');
  try {
    const decipher = createDecipheriv('aes-256-gcm', key, iv, { authTagLength: TAG_BYTES });
    decipher.setAAD(aad(keyId, context));
    decipher.setAuthTag(body.subarray(body.length - TAG_BYTES));
    const plain = Buffer.concat([
      decipher.update(body.subarray(0, body.length - TAG_BYTES)),
      decipher.final(),
    ]);
    return plain.toString('utf8');
  } catch {
    // GCM tag mismatch: wrong key, wrong context, or tampered value. Do not say which.
    throw new SecretError('SECRET_CORRUPT', 'sealed secret failed authentication');
  }
}

/** Re-seals under the active key (rotation); a no-op when already sealed with it. */
export function resealSecret(keyring: MasterKeyring, sealed: string, context: string): string {
  if (sealedKeyId(sealed) === keyring.activeKeyId) return sealed;
  return sealSecret(keyring, openSecret(keyring, sealed, context), context);
}
