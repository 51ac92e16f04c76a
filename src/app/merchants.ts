// Channel management's merchant accounts: the use cases an administrator runs (configure a merchant, list, enable
// or disable), and the lookups the platform runs on them (the gateway of a hospital's channel, the credentials a
// callback is verified with). Secrets are sealed here, before the store sees them, and opened only to build a
// client; no answer ever carries them.
import { createHash } from 'node:crypto';
import type { ChannelGateway, ChannelGateways, GatewayChannel } from '../domain/channel/gateway.ts';
import { isGatewayChannel } from '../domain/channel/gateway.ts';
import {
  joinSecrets,
  type MerchantAccount,
  type MerchantCredentials,
  type MerchantStore,
  merchantIdOf,
  merchantSecretContext,
  type SecretSealer,
  splitSecrets,
  validateCredentials,
} from '../domain/channel/merchants.ts';
import { refuse } from '../domain/channel/refusals.ts';

export interface MerchantPorts {
  merchants: MerchantStore;
  sealer: SecretSealer;
  now: () => Date;
}

/** What an API may show of a merchant account: no secret, only a fingerprint that changes when they do. */
export interface MerchantView {
  channel: GatewayChannel;
  merchantId: string;
  primary: boolean;
  enabled: boolean;
  settings: Record<string, unknown>;
  secretsFingerprint: string;
  updatedAt: string;
  updatedBy: string;
}

function view(a: MerchantAccount): MerchantView {
  const settings = { ...a.publicConfig };
  if (Array.isArray(settings.platformKeys))
    settings.platformKeys = (settings.platformKeys as Array<{ serial?: string }>).map((k) => ({
      serial: k.serial ?? null,
    }));
  return {
    channel: a.channel,
    merchantId: a.merchantId,
    primary: a.primary,
    enabled: a.enabled,
    settings,
    secretsFingerprint: createHash('sha256').update(a.sealedSecrets).digest('hex').slice(0, 16),
    updatedAt: a.updatedAt.toISOString(),
    updatedBy: a.updatedBy,
  };
}

/** Configures (or replaces) a hospital's merchant account; `primary` makes it the one its orders are paid to. */
export async function configureMerchant(
  ports: MerchantPorts,
  input: { hospitalId: string; credentials: MerchantCredentials; primary: boolean; by: string },
): Promise<MerchantView> {
  const c = input.credentials;
  validateCredentials(c);
  const merchantId = merchantIdOf(c);
  const { publicConfig, secrets } = splitSecrets(c);
  const account: MerchantAccount = {
    hospitalId: input.hospitalId,
    channel: c.channel,
    merchantId,
    publicConfig,
    sealedSecrets: ports.sealer.seal(
      JSON.stringify(secrets),
      merchantSecretContext(input.hospitalId, c.channel, merchantId),
    ),
    primary: input.primary,
    enabled: true,
    updatedAt: ports.now(),
    updatedBy: input.by,
  };
  await ports.merchants.put(account);
  return view(account);
}

export async function listMerchants(ports: MerchantPorts, hospitalId: string): Promise<MerchantView[]> {
  return (await ports.merchants.list(hospitalId)).map(view);
}

export async function setMerchantEnabled(
  ports: MerchantPorts,
  hospitalId: string,
  channel: string,
  merchantId: string,
  enabled: boolean,
): Promise<MerchantView> {
  if (
    !isGatewayChannel(channel) ||
    !(await ports.merchants.setEnabled(hospitalId, channel, merchantId, enabled))
  )
    throw refuse('CHANNEL_MERCHANT_NOT_FOUND', { channel, merchantId });
  return view((await ports.merchants.get(hospitalId, channel, merchantId))!);
}

function open(ports: Pick<MerchantPorts, 'sealer'>, a: MerchantAccount): MerchantCredentials {
  const secrets = JSON.parse(
    ports.sealer.open(a.sealedSecrets, merchantSecretContext(a.hospitalId, a.channel, a.merchantId)),
  ) as Record<string, string>;
  return joinSecrets(a.channel, a.publicConfig, secrets);
}

/** How long a built client (or opened credentials) is reused before the store is read again. */
export const MERCHANT_CACHE_TTL_MS = 5_000;
export const MERCHANT_CACHE_MAX_ENTRIES = 1_000;

/**
 * The ChannelGateways port over the merchant store: the primary merchant of a hospital's channel, its client built
 * once and reused briefly (a rotated key reaches every process within the TTL).
 */
export class MerchantGateways implements ChannelGateways {
  readonly #clients = new Map<
    string,
    { gateway: ChannelGateway | undefined; fingerprint: string; until: number }
  >();
  readonly #credentials = new Map<string, { credentials: MerchantCredentials | undefined; until: number }>();

  constructor(
    private readonly ports: MerchantPorts,
    private readonly build: (credentials: MerchantCredentials) => ChannelGateway,
    private readonly clockMs: () => number = Date.now,
  ) {}

  async gateway(
    hospitalId: string,
    channel: string,
    merchantId?: string,
  ): Promise<ChannelGateway | undefined> {
    if (!isGatewayChannel(channel)) return undefined;
    const key = merchantId ? `${hospitalId}/${channel}/${merchantId}` : `${hospitalId}/${channel}`;
    const t = this.clockMs();
    const hit = this.#clients.get(key);
    if (hit && hit.until > t) return hit.gateway;
    // A named merchant (the one that took the payment) is used while it exists, even if no longer primary.
    const named = merchantId ? await this.ports.merchants.get(hospitalId, channel, merchantId) : undefined;
    const account = named ?? (await this.ports.merchants.primary(hospitalId, channel));
    const fingerprint = account ? `${account.merchantId}:${account.updatedAt.getTime()}` : '';
    const gateway =
      hit && hit.fingerprint === fingerprint
        ? hit.gateway
        : account
          ? this.build(open(this.ports, account))
          : undefined;
    if (this.#clients.size >= MERCHANT_CACHE_MAX_ENTRIES) this.#clients.clear();
    this.#clients.set(key, { gateway, fingerprint, until: t + MERCHANT_CACHE_TTL_MS });
    return gateway;
  }

  /** The credentials a callback to `/v1/callbacks/<channel>/<hospital>/<merchant>` is verified with. */
  async credentials(
    hospitalId: string,
    channel: string,
    merchantId: string,
  ): Promise<MerchantCredentials | undefined> {
    if (!isGatewayChannel(channel)) return undefined;
    const key = `${hospitalId}/${channel}/${merchantId}`;
    const t = this.clockMs();
    const hit = this.#credentials.get(key);
    if (hit && hit.until > t) return hit.credentials;
    const account = await this.ports.merchants.get(hospitalId, channel, merchantId);
    const credentials = account?.enabled ? open(this.ports, account) : undefined;
    if (this.#credentials.size >= MERCHANT_CACHE_MAX_ENTRIES) this.#credentials.clear();
    this.#credentials.set(key, { credentials, until: t + MERCHANT_CACHE_TTL_MS });
    return credentials;
  }
}
