// The SecretSealer port over the master keyring: one sealed value for short secrets (client secrets, device
// keys), an envelope for larger ones (a merchant's PEM keys).
import type { SecretSealer } from '../../domain/secrets.ts';
import { openLargeSecret, sealLargeSecret } from './envelope.ts';
import { type MasterKeyring, openSecret, sealSecret } from './keyring.ts';

export function keyringSealer(keyring: MasterKeyring): SecretSealer {
  return {
    seal: (plaintext, context) => sealSecret(keyring, plaintext, context),
    open: (sealed, context) => openSecret(keyring, sealed, context),
  };
}

export function envelopeSealer(keyring: MasterKeyring): SecretSealer {
  return {
    seal: (plaintext, context) => sealLargeSecret(keyring, plaintext, context),
    open: (sealed, context) => openLargeSecret(keyring, sealed, context),
  };
}
