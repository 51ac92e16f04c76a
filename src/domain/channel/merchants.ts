// A hospital's merchant accounts at the payment channels (WeChat Pay 商户号, Alipay app): what channel
// management keeps so the platform can call the channel and verify its callbacks. Several hospitals, and several
// merchants per hospital and channel, side by side; one of them is the hospital's primary for that channel (the
// one orders are paid to). Secrets (private keys, the APIv3 key) are sealed at rest and never answered.
import type { GatewayChannel } from './gateway.ts';
import { refuse } from './refusals.ts';

export interface WechatCredentials {
  /** API base, `https://api.mch.weixin.qq.com` (or a sandbox). */
  baseUrl: string;
  mchId: string;
  appId?: string;
  merchantSerial: string;
  /** Secret: the merchant API private key (PEM). */
  merchantPrivateKey: string;
  /** Secret: the APIv3 key (32 characters). */
  apiV3Key: string;
  platformMode: 'certificates' | 'public-key';
  /** Platform certificates (PEM; serial read from them) or the WeChat Pay public key (PEM with its PUB_KEY_ID_ serial). */
  platformKeys: Array<{ serial?: string; pem: string }>;
  refundNotifyUrl?: string;
}

export interface AlipayCredentials {
  /** The gateway, `https://openapi.alipay.com/gateway.do` (or a sandbox). */
  gateway: string;
  appId: string;
  /** The seller id (2088…). */
  pid?: string;
  /** Secret: the application private key (PEM). */
  privateKey: string;
  alipayPublicKey: string;
}

export type MerchantCredentials =
  | { channel: 'wechat'; wechat: WechatCredentials }
  | { channel: 'alipay'; alipay: AlipayCredentials };

/** The secret fields of each channel's credentials: sealed at rest, never answered by an API. */
export const SECRET_FIELDS = {
  wechat: ['merchantPrivateKey', 'apiV3Key'],
  alipay: ['privateKey'],
} as const satisfies Record<GatewayChannel, readonly string[]>;

export const MAX_MERCHANTS_PER_HOSPITAL = 100;
export const MAX_PLATFORM_KEYS = 8;
const MAX_PEM_LENGTH = 8 * 1024;
const MERCHANT_ID = /^[A-Za-z0-9_-]{1,32}$/;

/** A stored merchant account: the public part readable, the secrets one sealed string. */
export interface MerchantAccount {
  hospitalId: string;
  channel: GatewayChannel;
  merchantId: string;
  /** The credentials without their secret fields. */
  publicConfig: Record<string, unknown>;
  sealedSecrets: string;
  primary: boolean;
  enabled: boolean;
  updatedAt: Date;
  updatedBy: string;
}

/** The merchant accounts' persistence (adapters/channels/merchant-store.ts): one contract. */
export interface MerchantStore {
  /** Inserts or replaces one account; making it primary demotes the hospital's other primary of that channel. */
  put(account: MerchantAccount): Promise<void>;
  get(hospitalId: string, channel: GatewayChannel, merchantId: string): Promise<MerchantAccount | undefined>;
  /** The enabled primary account of a hospital's channel. */
  primary(hospitalId: string, channel: GatewayChannel): Promise<MerchantAccount | undefined>;
  list(hospitalId: string): Promise<MerchantAccount[]>;
  setEnabled(
    hospitalId: string,
    channel: GatewayChannel,
    merchantId: string,
    enabled: boolean,
  ): Promise<boolean>;
}

export type { SecretSealer } from '../secrets.ts';

export function merchantIdOf(c: MerchantCredentials): string {
  return c.channel === 'wechat' ? c.wechat.mchId : c.alipay.appId;
}

export function merchantSecretContext(
  hospitalId: string,
  channel: GatewayChannel,
  merchantId: string,
): string {
  return `channel-merchant:${hospitalId}/${channel}/${merchantId}`;
}

function invalid(field: string, reason: string): never {
  throw refuse('CHANNEL_MERCHANT_INVALID', { field, reason });
}

function url(v: unknown, field: string): void {
  if (typeof v !== 'string' || !/^https?:\/\/[^\s]+$/.test(v)) invalid(field, 'must be an http(s) URL');
}

function pem(v: unknown, field: string): void {
  if (typeof v !== 'string' || !v.includes('-----BEGIN ') || v.length > MAX_PEM_LENGTH)
    invalid(field, `must be PEM text up to ${MAX_PEM_LENGTH} characters`);
}

/** Shape checks before anything is sealed or stored (the adapter still parses the keys when it builds a client). */
export function validateCredentials(c: MerchantCredentials): void {
  if (c.channel === 'wechat') {
    const w = c.wechat;
    url(w.baseUrl, 'wechat.baseUrl');
    if (!MERCHANT_ID.test(w.mchId ?? '')) invalid('wechat.mchId', 'must be 1..32 letters or digits');
    if (!/^[0-9A-Fa-f]{8,64}$/.test(w.merchantSerial ?? '')) invalid('wechat.merchantSerial', 'must be hex');
    pem(w.merchantPrivateKey, 'wechat.merchantPrivateKey');
    if (typeof w.apiV3Key !== 'string' || Buffer.byteLength(w.apiV3Key) !== 32)
      invalid('wechat.apiV3Key', 'must be 32 bytes');
    if (w.platformMode !== 'certificates' && w.platformMode !== 'public-key')
      invalid('wechat.platformMode', 'certificates or public-key');
    if (
      !Array.isArray(w.platformKeys) ||
      w.platformKeys.length === 0 ||
      w.platformKeys.length > MAX_PLATFORM_KEYS
    )
      invalid('wechat.platformKeys', `1..${MAX_PLATFORM_KEYS} keys`);
    for (const k of w.platformKeys) pem(k.pem, 'wechat.platformKeys.pem');
    if (w.platformMode === 'public-key' && w.platformKeys.some((k) => !k.serial?.startsWith('PUB_KEY_ID_')))
      invalid('wechat.platformKeys.serial', 'a WeChat Pay public key needs its PUB_KEY_ID_ serial');
    if (w.refundNotifyUrl !== undefined) url(w.refundNotifyUrl, 'wechat.refundNotifyUrl');
    return;
  }
  const a = c.alipay;
  url(a.gateway, 'alipay.gateway');
  if (!/^[0-9]{8,32}$/.test(a.appId ?? '')) invalid('alipay.appId', 'must be digits');
  if (a.pid !== undefined && !/^2088[0-9]{12}$/.test(a.pid))
    invalid('alipay.pid', 'must be 2088 and 12 digits');
  pem(a.privateKey, 'alipay.privateKey');
  pem(a.alipayPublicKey, 'alipay.alipayPublicKey');
}

/** Splits credentials into what may be read and what must be sealed. */
export function splitSecrets(c: MerchantCredentials): {
  publicConfig: Record<string, unknown>;
  secrets: Record<string, string>;
} {
  const fields = c.channel === 'wechat' ? { ...c.wechat } : { ...c.alipay };
  const record = fields as unknown as Record<string, unknown>;
  const secrets: Record<string, string> = {};
  for (const f of SECRET_FIELDS[c.channel]) {
    secrets[f] = String(record[f]);
    delete record[f];
  }
  return { publicConfig: record, secrets };
}

/** The credentials again from a stored account's public part and its opened secrets. */
export function joinSecrets(
  channel: GatewayChannel,
  publicConfig: Record<string, unknown>,
  secrets: Record<string, string>,
): MerchantCredentials {
  const all = { ...publicConfig, ...secrets };
  return channel === 'wechat'
    ? { channel, wechat: all as unknown as WechatCredentials }
    : { channel, alipay: all as unknown as AlipayCredentials };
}
