// The bus clients in table bus.clients (migration 0003; read grants 0085).
import { type Selectable, sql } from 'kysely';
import {
  type BusClient,
  type ClientChange,
  type ClientKind,
  type ClientStore,
  MAX_CLIENTS_LISTED,
  type PatientIdGrant,
  type ReadScope,
} from '../../domain/clients/client.ts';
import { BUS_SCHEMA, type BusTables, type ReadDb } from '../../projections/database.ts';

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

function columns(change: ClientChange) {
  if ('sealedSecret' in change) return { sealed_secret: change.sealedSecret };
  if ('disabled' in change) return { disabled: change.disabled };
  return { read_scope: change.grants.read, patient_ids: change.grants.patientIds };
}

export class SqlClientStore implements ClientStore {
  constructor(private readonly db: ReadDb) {}

  async get(clientId: string): Promise<BusClient | undefined> {
    const row = await this.clients()
      .selectFrom('clients')
      .selectAll()
      .where('client_id', '=', clientId)
      .executeTakeFirst();
    return row && fromRow(row);
  }

  async insert(client: Omit<BusClient, 'disabled'>): Promise<BusClient | undefined> {
    const row = await this.clients()
      .insertInto('clients')
      .values({
        client_id: client.clientId,
        hospital_id: client.hospitalId,
        kind: client.kind,
        channel_id: client.channelId,
        sealed_secret: client.sealedSecret,
        read_scope: client.grants.read,
        patient_ids: client.grants.patientIds,
      })
      .onConflict((oc) => oc.column('client_id').doNothing())
      .returningAll()
      .executeTakeFirst();
    return row && fromRow(row);
  }

  async update(clientId: string, hospitalId: string, change: ClientChange): Promise<BusClient | undefined> {
    const row = await this.clients()
      .updateTable('clients')
      .set({ ...columns(change), updated_at: sql<Date>`now()` })
      .where('client_id', '=', clientId)
      .where('hospital_id', '=', hospitalId)
      .returningAll()
      .executeTakeFirst();
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
}
