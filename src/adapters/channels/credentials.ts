// The clients built from a merchant's credentials (domain/channel/merchants.ts): PEM text in, KeyObjects inside
// the clients only.
import { createPrivateKey, createPublicKey } from 'node:crypto';
import type { ChannelGateway } from '../../domain/channel/gateway.ts';
import type {
  AlipayCredentials,
  MerchantCredentials,
  WechatCredentials,
} from '../../domain/channel/merchants.ts';
import { AlipayClient } from './alipay/client.ts';
import { WechatPayClient } from './wechat/client.ts';
import { wechatPlatformKeys } from './wechat/notify.ts';

export interface ClientOptions {
  timeoutMs?: number;
  /** WeChat: where payment notifications go (defaults to the refund notification URL). */
  paymentNotifyUrl?: string;
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
    ...(c.appId ? { appId: c.appId } : {}),
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
