// Payment refusals: stable codes with zh/en messages and their kind, in the one refusal table (../refusals.ts).
import { Refusal, type RejectionDetails, type RejectionStatus } from '../rejection.ts';

export const PAYMENT_REFUSALS = {
  PAYMENT_METHOD_INVALID: {
    status: 'invalid',
    zh: '支付方式或其参数不正确',
    en: 'The payment method or its parameters are invalid',
  },
  PAYMENT_NO_CHANNEL: {
    status: 'conflict',
    zh: '当前没有可用的支付渠道',
    en: 'No payment channel can take this payment now',
  },
  PAYMENT_AMOUNT_OVER_LIMIT: {
    status: 'invalid',
    zh: '金额超过该支付方式的单笔限额',
    en: 'The amount is over the per-payment limit of this method',
  },
  PAYMENT_ATTEMPT_IN_FLIGHT: {
    status: 'conflict',
    zh: '该订单已有进行中的支付',
    en: 'Another payment of this order is in progress',
  },
  PAYMENT_TRADE_CLOSED: {
    status: 'conflict',
    zh: '该订单在渠道的交易已关闭或撤销，请重新下单',
    en: 'The channel trade of this order is closed or reversed; create a new order',
  },
  PAYMENT_ATTEMPT_NOT_FOUND: {
    status: 'not_found',
    zh: '支付尝试不存在',
    en: 'The payment attempt does not exist',
  },
} as const satisfies Record<string, { status: RejectionStatus; zh: string; en: string }>;

export type PaymentRefusalCode = keyof typeof PAYMENT_REFUSALS;

export class PaymentRefusal extends Refusal<PaymentRefusalCode> {
  constructor(code: PaymentRefusalCode, details: RejectionDetails = {}) {
    const info = PAYMENT_REFUSALS[code];
    super(code, details, info, info.status);
    this.name = 'PaymentRefusal';
  }
}

export function refusePayment(code: PaymentRefusalCode, details: RejectionDetails = {}): PaymentRefusal {
  return new PaymentRefusal(code, details);
}
