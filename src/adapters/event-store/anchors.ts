import {
  createPrivateKey,
  createPublicKey,
  generateKeyPairSync,
  hash,
  type KeyObject,
  sign,
  verify,
} from 'node:crypto';
import { appendFileSync, existsSync, mkdirSync, readFileSync, renameSync, writeFileSync } from 'node:fs';
import { homedir } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { DEFAULT_PGLITE_DIR } from '../db/database.ts';
import type { SealFacts, SealRow } from './audit-read.ts';
import type { IntegrityBreak, SealWitness } from './verification.ts';

export type { SealFacts };

// Seals anchored outside the database. Each seal is signed with an Ed25519 key whose private half lives in a file,
// never in the database, and the signed seal is appended to a JSON-lines anchor file (which an operator can put on
// write-once storage). A superuser who rewrites events and recomputes every hash and seal can neither sign the new
// seals nor change what the anchor file already holds.

export const ANCHOR_FILE = 'anchors.jsonl';
export const KEYS_FILE = 'keys.jsonl';
export const DEFAULT_ANCHOR_DIR = '.data/anchors';
/** What a signature covers, versioned so that the message can change without old seals becoming unverifiable. */
const MESSAGE_TAG = 'ledger-seal/v1';

/** The bytes a seal's signature covers: every fact of the seal, one per line. */
export function sealMessage(s: SealFacts): Buffer {
  return Buffer.from(
    [MESSAGE_TAG, s.sealNo, s.fromPosition, s.toPosition, s.eventCount, s.prevHash, s.hash].join('\n'),
    'utf8',
  );
}

/** `ed25519:` and the first 128 bits of the SHA-256 of the public key (SubjectPublicKeyInfo, DER). */
export function keyIdOf(publicKey: KeyObject): string {
  const der = publicKey.export({ type: 'spki', format: 'der' });
  return `ed25519:${hash('sha256', der, 'hex').slice(0, 32)}`;
}

export interface SealSigner {
  readonly keyId: string;
  readonly publicKeyPem: string;
  /** Base64 signature of the seal's message. */
  sign(seal: SealFacts): string;
}

function signerOf(privateKey: KeyObject): SealSigner {
  const publicKey = createPublicKey(privateKey);
  return {
    keyId: keyIdOf(publicKey),
    publicKeyPem: publicKey.export({ type: 'spki', format: 'pem' }).toString(),
    sign: (seal) => sign(null, sealMessage(seal), privateKey).toString('base64'),
  };
}

export function verifySeal(seal: SealFacts, signature: string, publicKeyPem: string): boolean {
  try {
    return verify(null, sealMessage(seal), createPublicKey(publicKeyPem), Buffer.from(signature, 'base64'));
  } catch {
    return false;
  }
}

export interface SealKeyConfig {
  /** The private key file; undefined when none is configured (PostgreSQL without LEDGER_SEAL_KEY_FILE). */
  keyFile?: string;
  anchorDir: string;
}

/**
 * Where the embedded database's key lives by default: in the user's configuration directory
 * (`$XDG_CONFIG_HOME/hospital-ledger/seal-keys/`, else `~/.config/…`), one file per data directory, named by the
 * SHA-256 of its absolute path. Never beside the data: a data directory inside a project (`.data`) would put the
 * private key in the project's working tree, one `git add` away from being published.
 */
export function defaultSealKeyFile(env: NodeJS.ProcessEnv, dataDir: string): string {
  const configHome = env.XDG_CONFIG_HOME?.trim() || join(env.HOME?.trim() || homedir(), '.config');
  const digest = hash('sha256', resolve(dataDir), 'hex').slice(0, 16);
  return join(configHome, 'hospital-ledger', 'seal-keys', `${digest}.pem`);
}

/**
 * LEDGER_SEAL_KEY_FILE and LEDGER_ANCHOR_DIR. On the embedded database the key defaults to a file in the user's
 * configuration directory (so a first run needs no setup); on PostgreSQL the operator must say where it lives.
 */
export function sealKeyConfigFromEnv(env: NodeJS.ProcessEnv): SealKeyConfig {
  const anchorDir = env.LEDGER_ANCHOR_DIR?.trim() || DEFAULT_ANCHOR_DIR;
  const explicit = env.LEDGER_SEAL_KEY_FILE?.trim();
  if (explicit) return { keyFile: explicit, anchorDir };
  if (env.DATABASE_URL?.trim()) return { anchorDir };
  const dataDir = env.LEDGER_DATA_DIR?.trim() || DEFAULT_PGLITE_DIR;
  return { keyFile: defaultSealKeyFile(env, dataDir), anchorDir };
}

export class SealKeyError extends Error {
  readonly code = 'SEAL_KEY';
}

function writeKeyFile(file: string, key: KeyObject, flag: 'wx' | 'w'): void {
  mkdirSync(dirname(file), { recursive: true });
  writeFileSync(file, key.export({ type: 'pkcs8', format: 'pem' }), { mode: 0o600, flag });
}

function readKeyFile(file: string): KeyObject {
  const key = createPrivateKey(readFileSync(file));
  if (key.asymmetricKeyType !== 'ed25519') throw new SealKeyError(`${file}: not an Ed25519 private key`);
  return key;
}

/**
 * The signer of the configured key, generated on first use (`onGenerated` is told, so the operator knows a key
 * now exists and must be kept). Its public key is registered in the anchor directory.
 */
export function openSealSigner(config: SealKeyConfig, onGenerated: (message: string) => void): SealSigner {
  if (!config.keyFile)
    throw new SealKeyError(
      'LEDGER_SEAL_KEY_FILE is not set: on PostgreSQL, seals are signed with a key file kept outside the database',
    );
  const anchors = new AnchorDir(config.anchorDir);
  if (!existsSync(config.keyFile)) {
    writeKeyFile(config.keyFile, generateKeyPairSync('ed25519').privateKey, 'wx');
    const signer = signerOf(readKeyFile(config.keyFile));
    anchors.registerKey(signer);
    onGenerated(
      `generated a new Ed25519 seal-signing key in ${config.keyFile} (key id ${signer.keyId}). Keep this file ` +
        `outside the database and back it up; its public key is listed in ${join(config.anchorDir, KEYS_FILE)}.`,
    );
    return signer;
  }
  const signer = signerOf(readKeyFile(config.keyFile));
  anchors.registerKey(signer);
  return signer;
}

/**
 * Replaces the key with a new one. The old public key stays listed (retired), so the seals it signed still
 * verify; the old private key is overwritten and signs nothing more.
 */
export function rotateSealKey(config: SealKeyConfig): { retired: string; current: string } {
  if (!config.keyFile || !existsSync(config.keyFile))
    throw new SealKeyError(`no seal key to rotate${config.keyFile ? ` at ${config.keyFile}` : ''}`);
  const anchors = new AnchorDir(config.anchorDir);
  const old = signerOf(readKeyFile(config.keyFile));
  anchors.registerKey(old);
  const fresh = generateKeyPairSync('ed25519').privateKey;
  const temporary = `${config.keyFile}.new`;
  writeKeyFile(temporary, fresh, 'w');
  renameSync(temporary, config.keyFile);
  const current = signerOf(fresh);
  anchors.registerKey(current);
  anchors.retireKey(old.keyId);
  return { retired: old.keyId, current: current.keyId };
}

/** A seal's facts as JSON holds them (numbers too large for JSON as decimal text). */
export interface SealJson {
  sealNo: string;
  fromPosition: string;
  toPosition: string;
  eventCount: number;
  prevHash: string;
  hash: string;
}

export function sealJson(seal: SealFacts): SealJson {
  return {
    sealNo: seal.sealNo.toString(),
    fromPosition: seal.fromPosition.toString(),
    toPosition: seal.toPosition.toString(),
    eventCount: seal.eventCount,
    prevHash: seal.prevHash,
    hash: seal.hash,
  };
}

export interface Anchor extends SealJson {
  keyId: string;
  signature: string;
  anchoredAt: string;
}

export interface KnownKey {
  keyId: string;
  publicKeyPem: string;
  activatedAt: string;
  retiredAt?: string;
}

type KeyLine =
  | { event: 'activated'; keyId: string; publicKeyPem: string; at: string }
  | { event: 'retired'; keyId: string; at: string };

function readJsonLines<T>(file: string): T[] {
  if (!existsSync(file)) return [];
  return readFileSync(file, 'utf8')
    .split('\n')
    .filter((line) => line.trim() !== '')
    .map((line, i) => {
      try {
        return JSON.parse(line) as T;
      } catch {
        throw new SealKeyError(`${file}:${i + 1}: not a JSON line`);
      }
    });
}

/** The anchor directory: signed seals and the public keys, each an append-only JSON-lines file. */
export class AnchorDir {
  constructor(readonly dir: string) {}

  private append(file: string, line: object): void {
    mkdirSync(this.dir, { recursive: true });
    // One write per line with O_APPEND: lines from two writers never interleave.
    appendFileSync(join(this.dir, file), `${JSON.stringify(line)}\n`, { flag: 'a' });
  }

  anchors(): Anchor[] {
    return readJsonLines<Anchor>(join(this.dir, ANCHOR_FILE));
  }

  appendAnchor(seal: SealFacts, keyId: string, signature: string): Anchor {
    const anchor: Anchor = {
      ...sealJson(seal),
      keyId,
      signature,
      anchoredAt: new Date().toISOString(),
    };
    this.append(ANCHOR_FILE, anchor);
    return anchor;
  }

  keys(): Map<string, KnownKey> {
    const keys = new Map<string, KnownKey>();
    for (const line of readJsonLines<KeyLine>(join(this.dir, KEYS_FILE))) {
      if (line.event === 'activated') {
        // A listed key id must be the fingerprint of the key it lists.
        if (keyIdOf(createPublicKey(line.publicKeyPem)) !== line.keyId) continue;
        if (!keys.has(line.keyId))
          keys.set(line.keyId, { keyId: line.keyId, publicKeyPem: line.publicKeyPem, activatedAt: line.at });
      } else {
        const k = keys.get(line.keyId);
        if (k && !k.retiredAt) k.retiredAt = line.at;
      }
    }
    return keys;
  }

  registerKey(signer: SealSigner): void {
    if (this.keys().has(signer.keyId)) return;
    this.append(KEYS_FILE, {
      event: 'activated',
      keyId: signer.keyId,
      publicKeyPem: signer.publicKeyPem,
      at: new Date().toISOString(),
    });
  }

  retireKey(keyId: string): void {
    this.append(KEYS_FILE, { event: 'retired', keyId, at: new Date().toISOString() });
  }
}

function sameFacts(a: Anchor, s: SealRow): boolean {
  return (
    a.sealNo === s.sealNo.toString() &&
    a.fromPosition === s.fromPosition.toString() &&
    a.toPosition === s.toPosition.toString() &&
    a.eventCount === s.eventCount &&
    a.prevHash === s.prevHash &&
    a.hash === s.hash &&
    a.keyId === s.keyId &&
    a.signature === s.signature
  );
}

/**
 * Checks seals against the anchor directory: each signed by a listed key, each matching its anchor, each anchor
 * matching a seal. Seals made before signing began (unsigned, before the first signed one, with no anchor) are
 * accepted as they are: nothing outside the database ever vouched for them.
 */
export function anchorWitness(dir: string): SealWitness {
  return {
    async check(seals, wholeStore) {
      const anchorDir = new AnchorDir(dir);
      const keys = anchorDir.keys();
      const anchors = new Map<string, Anchor[]>();
      for (const a of anchorDir.anchors()) anchors.set(a.sealNo, [...(anchors.get(a.sealNo) ?? []), a]);
      const breaks: IntegrityBreak[] = [];
      const at = (s: SealRow, kind: IntegrityBreak['kind'], detail: string) =>
        breaks.push({ kind, position: s.fromPosition, sealNo: s.sealNo, detail });
      let signedSeen = false;
      let checked = 0;
      for (const s of seals) {
        const anchored = anchors.get(s.sealNo.toString()) ?? [];
        checked++;
        if (s.signature === null || s.keyId === null) {
          if (signedSeen || anchored.length > 0)
            at(s, 'seal-signature', `seal ${s.sealNo} carries no signature, though seals are signed`);
        } else {
          signedSeen = true;
          const key = keys.get(s.keyId);
          if (!key)
            at(
              s,
              'seal-signature',
              `seal ${s.sealNo} is signed by ${s.keyId}, a key the anchors do not list`,
            );
          else if (!verifySeal(s, s.signature, key.publicKeyPem))
            at(s, 'seal-signature', `the signature of seal ${s.sealNo} does not verify with ${s.keyId}`);
        }
        if (anchored.length === 0) {
          if (s.signature !== null) at(s, 'anchor-mismatch', `seal ${s.sealNo} has no anchor`);
        } else if (!anchored.every((a) => sameFacts(a, s)))
          at(
            s,
            'anchor-mismatch',
            `seal ${s.sealNo} differs from its anchor (anchored hash ${anchored[0]!.hash.slice(0, 12)}…, stored ${s.hash.slice(0, 12)}…)`,
          );
        anchors.delete(s.sealNo.toString());
      }
      if (wholeStore)
        for (const [sealNo, [a]] of anchors)
          breaks.push({
            kind: 'anchor-mismatch',
            position: BigInt(a!.fromPosition),
            sealNo: BigInt(sealNo),
            detail: `anchor of seal ${sealNo} (${a!.fromPosition}–${a!.toPosition}) has no seal in the database`,
          });
      return { breaks, checked };
    },
  };
}
