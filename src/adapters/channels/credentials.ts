// A merchant's credentials for one channel, as channel management keeps them (secrets sealed at rest), and the
// clients built from them. PEM text in, KeyObjects inside the clients only.
import { createPrivateKey, createPublicKey } from 'node:crypto';
import type { ChannelGateway, GatewayChannel } from '../../domain/channel/gateway.ts';
import { AlipayClient } from './alipay/client.ts';
import { WechatPayClient } from './wechat/client.ts';
import { wechatPlatformKeys } from './wechat/notify.ts';

export interface WechatCredentials {
  /** API base, `https://api.mch.weixin.qq.com` (or a sandbox). */
  baseUrl: string;
  mchId: string;
  appId?: string;
  merchantSerial: string;
  /** Secret: the merchant API private key (PEM). */
  merchantPrivateKey: string;
  /** Secret: the APIv3 key. */
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
  /** The seller id (2088…): a notification for another seller is refused. */
  pid?: string;
  /** Secret: the application private key (PEM). */
  privateKey: string;
  alipayPublicKey: string;
}

export type MerchantCredentials =
  | { channel: 'wechat'; wechat: WechatCredentials }
  | { channel: 'alipay'; alipay: AlipayCredentials };

/** The fields of each channel's credentials that are secrets: sealed at rest, never answered by an API. */
export const SECRET_FIELDS = {
  wechat: ['merchantPrivateKey', 'apiV3Key'],
  alipay: ['privateKey'],
} as const satisfies Record<GatewayChannel, readonly string[]>;

export interface ClientOptions {
  timeoutMs?: number;
  now?: () => number;
}

export function wechatClient(c: WechatCredentials, options: ClientOptions = {}): WechatPayClient {
  return new WechatPayClient({
    baseUrl: c.baseUrl,
    mchId: c.mchId,
    merchantSerial: c.merchantSerial,
    merchantPrivateKey: createPrivateKey(c.merchantPrivateKey),
    apiV3Key: c.apiV3Key,
    platformKeys: wechatPlatformKeys(c.platformKeys),
    platformMode: c.platformMode,
    ...(c.refundNotifyUrl ? { refundNotifyUrl: c.refundNotifyUrl } : {}),
    ...options,
  });
}

export function alipayClient(c: AlipayCredentials, options: ClientOptions = {}): AlipayClient {
  return new AlipayClient({
    gateway: c.gateway,
    appId: c.appId,
    privateKey: createPrivateKey(c.privateKey),
    alipayPublicKey: createPublicKey(c.alipayPublicKey),
    ...options,
  });
}

export function gatewayFor(c: MerchantCredentials, options: ClientOptions = {}): ChannelGateway {
  return c.channel === 'wechat' ? wechatClient(c.wechat, options) : alipayClient(c.alipay, options);
}
