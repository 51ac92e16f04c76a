// A bus client: one credential per channel app, kiosk fleet, window or HIS, with what it may read besides its
// own commands' answers. `own` reads only the orders and deposits the client took part in; `hospital` reads
// every order and deposit of its hospital and the lists served from read models. Patient ids are `masked` in
// what it reads unless granted `full`. Its secret exists only sealed (SecretSealer) under its client id.

export const CLIENT_KINDS = ['channel', 'kiosk-fleet', 'window', 'his'] as const;
export type ClientKind = (typeof CLIENT_KINDS)[number];

export const READ_SCOPES = ['own', 'hospital'] as const;
export type ReadScope = (typeof READ_SCOPES)[number];
export const PATIENT_ID_GRANTS = ['masked', 'full'] as const;
export type PatientIdGrant = (typeof PATIENT_ID_GRANTS)[number];

export interface ReadGrants {
  read: ReadScope;
  patientIds: PatientIdGrant;
}

/** Clients answered by one listing. */
export const MAX_CLIENTS_LISTED = 1_000;

export interface BusClient {
  clientId: string;
  /** The secret sealed under `busClientSecretContext(clientId)`. */
  sealedSecret: string;
  hospitalId: string;
  kind: ClientKind;
  /** The access channel its commands are admitted through (null for the HIS). */
  channelId: string | null;
  disabled: boolean;
  grants: ReadGrants;
}

/** What a client gets when registered without grants: the HIS owns the patients; every other kind its own. */
export function defaultGrants(kind: string): ReadGrants {
  return kind === 'his' ? { read: 'hospital', patientIds: 'full' } : { read: 'own', patientIds: 'masked' };
}

/** Binds a sealed client secret to its client, so sealed values cannot be swapped between rows. */
export function busClientSecretContext(clientId: string): string {
  return `bus-client:${clientId}`;
}

/** What may change on a registered client. */
export type ClientChange = { sealedSecret: string } | { disabled: boolean } | { grants: ReadGrants };

/** The clients' persistence (adapters/clients): one contract. */
export interface ClientStore {
  get(clientId: string): Promise<BusClient | undefined>;
  /** Inserts a new client; undefined when the id is taken. */
  insert(client: Omit<BusClient, 'disabled'>): Promise<BusClient | undefined>;
  /** Changes a client of the hospital; undefined when it has none by that id. */
  update(clientId: string, hospitalId: string, change: ClientChange): Promise<BusClient | undefined>;
  /** The hospital's clients by id, at most MAX_CLIENTS_LISTED. */
  list(hospitalId: string): Promise<BusClient[]>;
}
