import type { Kysely } from 'kysely';
import { sql } from 'kysely';

// Channel management's merchant accounts: per hospital, the WeChat Pay merchants and Alipay apps the platform
// calls and whose callbacks it verifies. The secrets (private keys, the APIv3 key) are one sealed string
// (AES-256-GCM under LEDGER_MASTER_KEY, bound to hospital, channel and merchant); the table never holds a usable
// secret. At most one enabled primary per hospital and channel.
export async function up(db: Kysely<unknown>): Promise<void> {
  await sql`CREATE SCHEMA IF NOT EXISTS channels`.execute(db);
  await sql`CREATE TABLE channels.merchants (
    hospital_id text NOT NULL,
    channel text NOT NULL CHECK (channel IN ('wechat', 'alipay')),
    merchant_id text NOT NULL CHECK (merchant_id ~ '^[A-Za-z0-9_-]{1,32}$'),
    public_config jsonb NOT NULL,
    sealed_secrets text NOT NULL,
    is_primary boolean NOT NULL DEFAULT false,
    enabled boolean NOT NULL DEFAULT true,
    created_at timestamptz NOT NULL DEFAULT now(),
    updated_at timestamptz NOT NULL DEFAULT now(),
    updated_by text NOT NULL,
    PRIMARY KEY (hospital_id, channel, merchant_id)
  )`.execute(db);
  await sql`CREATE UNIQUE INDEX merchants_one_primary ON channels.merchants (hospital_id, channel) WHERE is_primary`.execute(
    db,
  );
  await sql`COMMENT ON TABLE channels.merchants IS 'Payment-channel merchant accounts per hospital: public settings and sealed secrets, never plaintext.'`.execute(
    db,
  );
}

export async function down(db: Kysely<unknown>): Promise<void> {
  await sql`DROP SCHEMA IF EXISTS channels CASCADE`.execute(db);
}
