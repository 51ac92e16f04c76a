// The bus-client registry (table bus.clients, migration 0003): one credential per channel app, kiosk
// fleet, window or HIS. Secrets are generated here, shown once, and stored only sealed.
import { type Kysely, sql } from 'kysely';
import {
  type BusClientCredential,
  busClientSecretContext,
  generateClientSecret,
  type MasterKeyring,
  sealSecret,
} from './auth/index.ts';

export const CLIENT_KINDS = ['channel', 'kiosk-fleet', 'window', 'his'] as const;
export type ClientKind = (typeof CLIENT_KINDS)[number];

/** How long a looked-up client is trusted before it is read again (a disable reaches other instances within it). */
export const CLIENT_CACHE_TTL_MS = 2_000;
/** Clients held in the lookup cache at once. */
export const CLIENT_CACHE_MAX_ENTRIES = 10_000;

export interface BusClient extends BusClientCredential {
  hospitalId: string;
  kind: ClientKind;
  /** The access channel its commands are admitted through (null for the HIS). */
  channelId: string | null;
  disabled: boolean;
}

interface Row {
  client_id: string;
  hospital_id: string;
  kind: string;
  channel_id: string | null;
  sealed_secret: string;
  disabled: boolean;
}

function fromRow(r: Row): BusClient {
  return {
    clientId: r.client_id,
    hospitalId: r.hospital_id,
    kind: r.kind as ClientKind,
    channelId: r.channel_id,
    sealedSecret: r.sealed_secret,
    disabled: r.disabled,
  };
}

export class ClientRegistry {
  readonly #cache = new Map<string, { client: BusClient | undefined; until: number }>();

  constructor(
    // biome-ignore lint/suspicious/noExplicitAny: the bus schema is addressed with raw SQL
    private readonly db: Kysely<any>,
    private readonly keyring: MasterKeyring,
    private readonly now: () => number = Date.now,
  ) {}

  async lookup(clientId: string): Promise<BusClient | undefined> {
    const t = this.now();
    const hit = this.#cache.get(clientId);
    if (hit && hit.until > t) return hit.client;
    const { rows } = await sql<Row>`SELECT * FROM bus.clients WHERE client_id = ${clientId}`.execute(this.db);
    const client = rows[0] ? fromRow(rows[0]) : undefined;
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
  }): Promise<{ client: BusClient; secret: string }> {
    const secret = generateClientSecret();
    const sealed = sealSecret(this.keyring, secret, busClientSecretContext(input.clientId));
    const { rows } =
      await sql<Row>`INSERT INTO bus.clients (client_id, hospital_id, kind, channel_id, sealed_secret)
      VALUES (${input.clientId}, ${input.hospitalId}, ${input.kind}, ${input.channelId}, ${sealed})
      ON CONFLICT (client_id) DO NOTHING RETURNING *`.execute(this.db);
    if (!rows[0]) throw new ClientExistsError(input.clientId);
    this.#cache.delete(input.clientId);
    return { client: fromRow(rows[0]), secret };
  }

  /** Issues a new secret; the old one stops working at once on this instance, within the cache TTL elsewhere. */
  async rotate(clientId: string, hospitalId: string): Promise<string | undefined> {
    const secret = generateClientSecret();
    const sealed = sealSecret(this.keyring, secret, busClientSecretContext(clientId));
    const { rows } = await sql<Row>`UPDATE bus.clients SET sealed_secret = ${sealed}, updated_at = now()
      WHERE client_id = ${clientId} AND hospital_id = ${hospitalId} RETURNING *`.execute(this.db);
    this.#cache.delete(clientId);
    return rows[0] ? secret : undefined;
  }

  async setDisabled(clientId: string, hospitalId: string, disabled: boolean): Promise<BusClient | undefined> {
    const { rows } = await sql<Row>`UPDATE bus.clients SET disabled = ${disabled}, updated_at = now()
      WHERE client_id = ${clientId} AND hospital_id = ${hospitalId} RETURNING *`.execute(this.db);
    this.#cache.delete(clientId);
    return rows[0] ? fromRow(rows[0]) : undefined;
  }

  async list(hospitalId: string): Promise<BusClient[]> {
    const { rows } = await sql<Row>`SELECT * FROM bus.clients WHERE hospital_id = ${hospitalId}
      ORDER BY client_id LIMIT ${MAX_CLIENTS_LISTED}`.execute(this.db);
    return rows.map(fromRow);
  }
}

export const MAX_CLIENTS_LISTED = 1_000;

export class ClientExistsError extends Error {
  constructor(readonly clientId: string) {
    super(`client ${clientId} already exists`);
    this.name = 'ClientExistsError';
  }
}
