// What the platform asks a payment channel to take a payment (the payment side of the channel gateway port):
// a QR code for the patient to scan (WeChat Native, Alipay precreate), a payment code the device scanned
// (WeChat codepay, Alipay pay with auth_code), an in-app prepay (WeChat JSAPI, Alipay create), and the reversal
// (撤销) of a code payment that never completed. The same adapters implement it (adapters/channels/<channel>).
import type { ChannelGateway } from '../channel/gateway.ts';
import type { ChannelNotice } from '../channel/notice.ts';
import type { ReversalAction } from './types.ts';

export interface PrepayRequest {
  merchantOrderNo: string;
  /** CNY, two decimals. */
  amount: string;
  /** What the patient sees as the goods (商品描述). */
  description: string;
  expiresAt: Date;
}

export interface InAppRequest extends PrepayRequest {
  /** The payer in the app: WeChat openid, Alipay buyer id. */
  payer: string;
}

export interface CodePayRequest {
  merchantOrderNo: string;
  amount: string;
  description: string;
  /** The payment code the device scanned (付款码). */
  authCode: string;
}

/** A code payment's immediate answer: paid, or the patient must still confirm (enter the password). */
export type CodePayAnswer = { status: 'succeeded'; notice: ChannelNotice } | { status: 'paying' };

export interface PaymentGateway extends ChannelGateway {
  /** The code to show as a QR code. */
  qrPrepay(request: PrepayRequest): Promise<{ codeUrl: string }>;
  /** What the page starts paying with (WeChat: the signed JSAPI parameters; Alipay: the trade number). */
  inAppPrepay(request: InAppRequest): Promise<Record<string, string>>;
  /** A definite decline (bad code, not enough balance) is a CHANNEL_REJECTED ChannelCallError. */
  codePay(request: CodePayRequest): Promise<CodePayAnswer>;
  /** 撤销: closes the trade, or refunds it if it was paid meanwhile. Safe to repeat. */
  reverse(merchantOrderNo: string): Promise<ReversalAction>;
}

export function isPaymentGateway(g: ChannelGateway | undefined): g is PaymentGateway {
  const p = g as Partial<PaymentGateway> | undefined;
  return (
    typeof p?.qrPrepay === 'function' &&
    typeof p.codePay === 'function' &&
    typeof p.inAppPrepay === 'function' &&
    typeof p.reverse === 'function'
  );
}
