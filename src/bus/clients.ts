// The bus-client registry (table bus.clients, migration 0003): one credential per channel app, kiosk
// fleet, window or HIS. Secrets are generated here, shown once, and stored only sealed.
import { type Selectable, sql } from 'kysely';
import { BUS_SCHEMA, type BusTables, type ReadDb } from '../projections/database.ts';
import { type BusClientCredential, busClientSecretContext } from './auth/index.ts';
import { generateClientSecret, type MasterKeyring, sealSecret } from '../adapters/secrets/keyring.ts';
import { defaultGrants, type PatientIdGrant, type ReadGrants, type ReadScope } from './grants.ts';

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
  /** What it may read besides its own commands' answers (grants.ts). */
  grants: ReadGrants;
}

type Row = Selectable<BusTables['clients']>;

function fromRow(r: Row): BusClient {
  return {
    clientId: r.client_id,
    hospitalId: r.hospital_id,
    kind: r.kind as ClientKind,
    channelId: r.channel_id,
    sealedSecret: r.sealed_secret,
    disabled: r.disabled,
    grants: { read: r.read_scope as ReadScope, patientIds: r.patient_ids as PatientIdGrant },
  };
}

export class ClientRegistry {
  readonly #cache = new Map<string, { client: BusClient | undefined; until: number }>();

  constructor(
    private readonly db: ReadDb,
    private readonly keyring: MasterKeyring,
    private readonly now: () => number = Date.now,
  ) {}

  async lookup(clientId: string): Promise<BusClient | undefined> {
    const t = this.now();
    const hit = this.#cache.get(clientId);
    if (hit && hit.until > t) return hit.client;
    const row = await this.clients()
      .selectFrom('clients')
      .selectAll()
      .where('client_id', '=', clientId)
      .executeTakeFirst();
    const client = row && fromRow(row);
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
    const grants = input.grants ?? defaultGrants(input.kind);
    const secret = generateClientSecret();
    const sealed = sealSecret(this.keyring, secret, busClientSecretContext(input.clientId));
    const row = await this.clients()
      .insertInto('clients')
      .values({
        client_id: input.clientId,
        hospital_id: input.hospitalId,
        kind: input.kind,
        channel_id: input.channelId,
        sealed_secret: sealed,
        read_scope: grants.read,
        patient_ids: grants.patientIds,
      })
      .onConflict((oc) => oc.column('client_id').doNothing())
      .returningAll()
      .executeTakeFirst();
    if (!row) throw new ClientExistsError(input.clientId);
    this.#cache.delete(input.clientId);
    return { client: fromRow(row), secret };
  }

  /** Issues a new secret; the old one stops working at once on this instance, within the cache TTL elsewhere. */
  async rotate(clientId: string, hospitalId: string): Promise<string | undefined> {
    const secret = generateClientSecret();
    const sealed = sealSecret(this.keyring, secret, busClientSecretContext(clientId));
    const row = await this.update(clientId, hospitalId, { sealed_secret: sealed });
    this.#cache.delete(clientId);
    return row ? secret : undefined;
  }

  async setDisabled(clientId: string, hospitalId: string, disabled: boolean): Promise<BusClient | undefined> {
    const row = await this.update(clientId, hospitalId, { disabled });
    this.#cache.delete(clientId);
    return row && fromRow(row);
  }

  /** Changes what a client may read; effective at once here, within the cache TTL on other instances. */
  async setGrants(clientId: string, hospitalId: string, grants: ReadGrants): Promise<BusClient | undefined> {
    const row = await this.update(clientId, hospitalId, {
      read_scope: grants.read,
      patient_ids: grants.patientIds,
    });
    this.#cache.delete(clientId);
    return row && fromRow(row);
  }

  async list(hospitalId: string): Promise<BusClient[]> {
    const rows = await this.clients()
      .selectFrom('clients')
      .selectAll()
      .where('hospital_id', '=', hospitalId)
      .orderBy('client_id')
      .limit(MAX_CLIENTS_LISTED)
      .execute();
    return rows.map(fromRow);
  }

  private clients() {
    return this.db.withSchema(BUS_SCHEMA);
  }

  private update(
    clientId: string,
    hospitalId: string,
    set: { sealed_secret: string } | { disabled: boolean } | { read_scope: string; patient_ids: string },
  ): Promise<Row | undefined> {
    return this.clients()
      .updateTable('clients')
      .set({ ...set, updated_at: sql<Date>`now()` })
      .where('client_id', '=', clientId)
      .where('hospital_id', '=', hospitalId)
      .returningAll()
      .executeTakeFirst();
  }
}

export const MAX_CLIENTS_LISTED = 1_000;

export class ClientExistsError extends Error {
  constructor(readonly clientId: string) {
    super(`client ${clientId} already exists`);
    this.name = 'ClientExistsError';
  }
}
