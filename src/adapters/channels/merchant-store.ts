// The merchant accounts' SQL store (table channels.merchants, migration 0075): the MerchantStore port on
// PostgreSQL / PGlite. Holds sealed secrets only; sealing and opening is the use case's (app/merchants.ts).
import { type Kysely, sql } from 'kysely';
import type { GatewayChannel } from '../../domain/channel/gateway.ts';
import {
  MAX_MERCHANTS_PER_HOSPITAL,
  type MerchantAccount,
  type MerchantStore,
} from '../../domain/channel/merchants.ts';

interface MerchantRow {
  hospital_id: string;
  channel: string;
  merchant_id: string;
  public_config: Record<string, unknown>;
  sealed_secrets: string;
  is_primary: boolean;
  enabled: boolean;
  updated_at: Date;
  updated_by: string;
}

type Db = Kysely<{ merchants: MerchantRow }>;

function fromRow(r: MerchantRow): MerchantAccount {
  return {
    hospitalId: r.hospital_id,
    channel: r.channel as GatewayChannel,
    merchantId: r.merchant_id,
    publicConfig: r.public_config,
    sealedSecrets: r.sealed_secrets,
    primary: r.is_primary,
    enabled: r.enabled,
    updatedAt: r.updated_at,
    updatedBy: r.updated_by,
  };
}

export class SqlMerchantStore implements MerchantStore {
  readonly #db: Db;

  // biome-ignore lint/suspicious/noExplicitAny: any database of the ledger (its schemas differ per module)
  constructor(db: Kysely<any>) {
    this.#db = (db as Db).withSchema('channels') as unknown as Db;
  }

  async put(a: MerchantAccount): Promise<void> {
    await this.#db.transaction().execute(async (trx) => {
      if (a.primary)
        await trx
          .updateTable('merchants')
          .set({ is_primary: false })
          .where('hospital_id', '=', a.hospitalId)
          .where('channel', '=', a.channel)
          .where('merchant_id', '<>', a.merchantId)
          .execute();
      await trx
        .insertInto('merchants')
        .values({
          hospital_id: a.hospitalId,
          channel: a.channel,
          merchant_id: a.merchantId,
          public_config: JSON.stringify(a.publicConfig) as never,
          sealed_secrets: a.sealedSecrets,
          is_primary: a.primary,
          enabled: a.enabled,
          updated_at: a.updatedAt,
          updated_by: a.updatedBy,
        })
        .onConflict((oc) =>
          oc.columns(['hospital_id', 'channel', 'merchant_id']).doUpdateSet((eb) => ({
            public_config: eb.ref('excluded.public_config'),
            sealed_secrets: eb.ref('excluded.sealed_secrets'),
            is_primary: eb.ref('excluded.is_primary'),
            enabled: eb.ref('excluded.enabled'),
            updated_at: eb.ref('excluded.updated_at'),
            updated_by: eb.ref('excluded.updated_by'),
          })),
        )
        .execute();
    });
  }

  async get(
    hospitalId: string,
    channel: GatewayChannel,
    merchantId: string,
  ): Promise<MerchantAccount | undefined> {
    return this.#first({ hospital_id: hospitalId, channel, merchant_id: merchantId });
  }

  async primary(hospitalId: string, channel: GatewayChannel): Promise<MerchantAccount | undefined> {
    return this.#first({ hospital_id: hospitalId, channel, is_primary: true, enabled: true });
  }

  /** The account whose row has every value of `where`. */
  async #first(where: Partial<MerchantRow>): Promise<MerchantAccount | undefined> {
    const row = await this.#db
      .selectFrom('merchants')
      .selectAll()
      .where((eb) => eb.and(where))
      .executeTakeFirst();
    return row && fromRow(row);
  }

  async list(hospitalId: string): Promise<MerchantAccount[]> {
    const rows = await this.#db
      .selectFrom('merchants')
      .selectAll()
      .where('hospital_id', '=', hospitalId)
      .orderBy('channel')
      .orderBy('merchant_id')
      .limit(MAX_MERCHANTS_PER_HOSPITAL)
      .execute();
    return rows.map(fromRow);
  }

  async setEnabled(
    hospitalId: string,
    channel: GatewayChannel,
    merchantId: string,
    enabled: boolean,
  ): Promise<boolean> {
    const r = await this.#db
      .updateTable('merchants')
      .set({ enabled, updated_at: sql<Date>`now()` })
      .where('hospital_id', '=', hospitalId)
      .where('channel', '=', channel)
      .where('merchant_id', '=', merchantId)
      .executeTakeFirst();
    return Number(r.numUpdatedRows) > 0;
  }
}
