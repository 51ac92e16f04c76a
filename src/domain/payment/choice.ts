// Which payment channel takes a payment through the platform (pure): channel management decides. A channel is a
// candidate when the hospital has a merchant for it; where channel management knows it (a channel registered
// under the payment channel's id, `wechat` / `alipay`), it must be enabled, open at this hour and allowed this
// business, and the candidates are tried by its priority (highest first). A payment code names its channel by
// its digits; a client may name one; otherwise the highest-priority open channel is chosen.
import { isOpenAt } from '../channel/admission.ts';
import { GATEWAY_CHANNELS, type GatewayChannel } from '../channel/gateway.ts';
import type { BusinessType, ChannelState } from '../channel/types.ts';
import { refusePayment } from './refusals.ts';

export interface ChannelCandidate {
  channel: GatewayChannel;
  /** The hospital has a merchant account (a gateway) for it. */
  configured: boolean;
  /** Its entry in channel management, when it has one. */
  management?: ChannelState;
}

export interface ChannelChoice {
  /** The channel the client named, or the one the payment code belongs to. */
  requested?: GatewayChannel;
  businessType: BusinessType;
  at: Date;
  candidates: readonly ChannelCandidate[];
}

/** Why a candidate cannot take the payment now; undefined when it can. */
export function unavailableBecause(
  c: ChannelCandidate,
  businessType: BusinessType,
  at: Date,
): string | undefined {
  if (!c.configured) return 'no merchant configured';
  const m = c.management;
  if (!m?.exists) return undefined;
  if (!m.enabled) return 'disabled';
  if (!m.settings.businessTypes.includes(businessType)) return `not allowed for ${businessType}`;
  if (!isOpenAt(m.settings.openingHours, m.settings.timeZone, at)) return 'outside its opening hours';
  return undefined;
}

export function choosePaymentChannel(choice: ChannelChoice): GatewayChannel {
  const considered = choice.candidates.filter((c) => !choice.requested || c.channel === choice.requested);
  const reasons: Record<string, string> = {};
  const open = considered.filter((c) => {
    const why = unavailableBecause(c, choice.businessType, choice.at);
    if (why) reasons[c.channel] = why;
    return why === undefined;
  });
  const priority = (c: ChannelCandidate) => (c.management?.exists ? c.management.settings.priority : 0);
  open.sort(
    (a, b) =>
      priority(b) - priority(a) || GATEWAY_CHANNELS.indexOf(a.channel) - GATEWAY_CHANNELS.indexOf(b.channel),
  );
  const chosen = open[0];
  if (!chosen)
    throw refusePayment('PAYMENT_NO_CHANNEL', {
      ...(choice.requested ? { requested: choice.requested } : {}),
      ...reasons,
    });
  return chosen.channel;
}

/**
 * The channel a payment code (付款码) belongs to, from its digits: WeChat codes are 18 digits starting 10–15,
 * Alipay codes 16–24 digits starting 25–30. Undefined for anything else.
 */
export function codeChannel(authCode: string): GatewayChannel | undefined {
  if (/^1[0-5]\d{16}$/.test(authCode)) return 'wechat';
  if (/^(2[5-9]|30)\d{14,22}$/.test(authCode)) return 'alipay';
  return undefined;
}
