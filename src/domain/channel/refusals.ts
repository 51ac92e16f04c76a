// Channel refusals: the same shape as domain Rejections (stable code, zh/en message, status category),
// kept in their own table so the order/deposit rejection table stays as it is.
import { type RefusalKind, type RejectionDetails, Refusal } from '../rejection.ts';

export type ChannelRefusalStatus = RefusalKind;

export const CHANNEL_REFUSALS = {
  CHANNEL_INVALID_SETTINGS: {
    status: 'invalid',
    zh: '渠道设置不正确',
    en: 'The channel settings are invalid',
  },
  CHANNEL_ALREADY_EXISTS: { status: 'conflict', zh: '渠道已存在', en: 'The channel already exists' },
  CHANNEL_NOT_FOUND: { status: 'not_found', zh: '渠道不存在', en: 'The channel does not exist' },
  CHANNEL_NOT_REGISTERED: {
    status: 'forbidden',
    zh: '该客户端所属渠道尚未登记',
    en: "The client's channel is not registered",
  },
  CHANNEL_DISABLED: { status: 'forbidden', zh: '渠道已停用', en: 'The channel is disabled' },
  CHANNEL_CLOSED: {
    status: 'forbidden',
    zh: '当前不在该渠道的缴费开放时间内',
    en: 'The channel is outside its payment opening hours',
  },
  CHANNEL_BUSINESS_NOT_ALLOWED: {
    status: 'forbidden',
    zh: '该渠道不允许办理此类业务',
    en: 'The channel may not submit this business type',
  },
  CHANNEL_PATIENT_BLOCKED: {
    status: 'forbidden',
    zh: '该患者或卡号已被列入本渠道黑名单',
    en: 'The patient or card is blacklisted on this channel',
  },
  CHANNEL_RATE_LIMITED: {
    status: 'rate_limited',
    zh: '请求过于频繁，请稍后再试',
    en: 'Too many requests from this channel; retry later',
  },
  CHANNEL_MERCHANT_INVALID: {
    status: 'invalid',
    zh: '渠道商户凭据不正确',
    en: 'The channel merchant credentials are invalid',
  },
  CHANNEL_MERCHANT_NOT_FOUND: {
    status: 'not_found',
    zh: '该医院未配置此渠道商户',
    en: 'No such channel merchant is configured for the hospital',
  },
} as const satisfies Record<string, { status: ChannelRefusalStatus; zh: string; en: string }>;

export type ChannelRefusalCode = keyof typeof CHANNEL_REFUSALS;

export class ChannelRefusal extends Refusal<ChannelRefusalCode> {
  readonly status: ChannelRefusalStatus;
  constructor(code: ChannelRefusalCode, details: RejectionDetails = {}) {
    const info = CHANNEL_REFUSALS[code];
    super(code, details, info, info.status);
    this.name = 'ChannelRefusal';
    this.status = info.status;
  }
}

export function refuse(code: ChannelRefusalCode, details: RejectionDetails = {}): ChannelRefusal {
  return new ChannelRefusal(code, details);
}
