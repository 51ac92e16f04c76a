// Secrets at rest are sealed: a use case holds only the sealed form and asks this port to seal or open it under
// a context that binds the secret to its owner (a client id, a device id, a merchant), so sealed values cannot
// be swapped between rows. The keyring behind it (AES-GCM under rotating master keys) is an adapter's.

/** Seals and opens secrets under a context. */
export interface SecretSealer {
  seal(plaintext: string, context: string): string;
  open(sealed: string, context: string): string;
}
