// 0220 支付状态未知: the kiosk lost the POS's answer (timeout) and reports the attempt as unknown.
import { an, ans, iso, n, request } from './types.ts';

export const paymentUnknownSpec = request(
  {
    type: 'payment-unknown',
    code: '0220',
    title: { zh: '支付状态未知', en: 'Payment status unknown' },
    macBit: 128,
  },
  [
    an('orderId', 32, iso.lll(61)),
    an('attemptId', 32, iso.ll(45)),
    an('channel', 16, iso.ll(44)),
    n('amount', 12, iso.bcd(4)),
    ans('reason', 40, iso.lll(112), { optional: true }),
  ],
);
