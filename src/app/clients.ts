// The bus-client registry: register a client, rotate its secret, disable it, change its grants, and the lookup
// the request verifier runs on every signed request (cached briefly). Secrets are generated here, shown once,
// and handed to the store only sealed.
import { randomBytes } from 'node:crypto';
import {
  type BusClient,
  busClientSecretContext,
  type ClientChange,
  type ClientKind,
  type ClientStore,
  defaultGrants,
  type ReadGrants,
} from '../domain/clients/client.ts';
import type { SecretSealer } from '../domain/secrets.ts';

export {
  type BusClient,
  CLIENT_KINDS,
  type ClientKind,
  MAX_CLIENTS_LISTED,
} from '../domain/clients/client.ts';

/** How long a looked-up client is trusted before it is read again (a disable reaches other instances within it). */
export const CLIENT_CACHE_TTL_MS = 2_000;
/** Clients held in the lookup cache at once. */
export const CLIENT_CACHE_MAX_ENTRIES = 10_000;
const CLIENT_SECRET_BYTES = 32;

/** 256 random bits, base64url (43 chars): shown once to the client's operator, then only stored sealed. */
export function generateClientSecret(): string {
  return randomBytes(CLIENT_SECRET_BYTES).toString('base64url');
}

export class ClientRegistry {
  readonly #cache = new Map<string, { client: BusClient | undefined; until: number }>();

  constructor(
    private readonly store: ClientStore,
    private readonly sealer: SecretSealer,
    private readonly now: () => number = Date.now,
  ) {}

  async lookup(clientId: string): Promise<BusClient | undefined> {
    const t = this.now();
    const hit = this.#cache.get(clientId);
    if (hit && hit.until > t) return hit.client;
    const client = await this.store.get(clientId);
    if (this.#cache.size >= CLIENT_CACHE_MAX_ENTRIES) this.#cache.clear();
    this.#cache.set(clientId, { client, until: t + CLIENT_CACHE_TTL_MS });
    return client;
  }

  /** Registers a client and answers its secret: the only time the plaintext exists outside the client. */
  async register(input: {
    clientId: string;
    hospitalId: string;
    kind: ClientKind;
    channelId: string | null;
    grants?: ReadGrants;
  }): Promise<{ client: BusClient; secret: string }> {
    const secret = generateClientSecret();
    const client = await this.store.insert({
      clientId: input.clientId,
      hospitalId: input.hospitalId,
      kind: input.kind,
      channelId: input.channelId,
      sealedSecret: this.sealer.seal(secret, busClientSecretContext(input.clientId)),
      grants: input.grants ?? defaultGrants(input.kind),
    });
    if (!client) throw new ClientExistsError(input.clientId);
    this.#cache.delete(input.clientId);
    return { client, secret };
  }

  /** Issues a new secret; the old one stops working at once on this instance, within the cache TTL elsewhere. */
  async rotate(clientId: string, hospitalId: string): Promise<string | undefined> {
    const secret = generateClientSecret();
    const sealedSecret = this.sealer.seal(secret, busClientSecretContext(clientId));
    const client = await this.change(clientId, hospitalId, { sealedSecret });
    return client ? secret : undefined;
  }

  setDisabled(clientId: string, hospitalId: string, disabled: boolean): Promise<BusClient | undefined> {
    return this.change(clientId, hospitalId, { disabled });
  }

  /** Changes what a client may read; effective at once here, within the cache TTL on other instances. */
  setGrants(clientId: string, hospitalId: string, grants: ReadGrants): Promise<BusClient | undefined> {
    return this.change(clientId, hospitalId, { grants });
  }

  list(hospitalId: string): Promise<BusClient[]> {
    return this.store.list(hospitalId);
  }

  private async change(
    clientId: string,
    hospitalId: string,
    change: ClientChange,
  ): Promise<BusClient | undefined> {
    const client = await this.store.update(clientId, hospitalId, change);
    this.#cache.delete(clientId);
    return client;
  }
}

export class ClientExistsError extends Error {
  constructor(readonly clientId: string) {
    super(`client ${clientId} already exists`);
    this.name = 'ClientExistsError';
  }
}
