// 0810 应答: the answer to every request: the request's code and serial, a result code and message, and the
// order as it stands when the request named one. Result code OK is success; anything else names the refusal.
import { an, ans, iso, type MessageSpec, mac, n } from './types.ts';

export const responseSpec: MessageSpec = {
  type: 'response',
  code: '0810',
  title: { zh: '应答', en: 'Response' },
  fields: [
    // the request's device and serial, echoed; empty when the request could not be read that far
    an('deviceId', 16, iso.ll(62), { optional: true }),
    an('serial', 32, iso.ll(59), { optional: true }),
    n('time', 14, iso.bcd(7)),
    // empty when the request could not be read far enough to know its type
    n('requestCode', 4, iso.bcd(3), { optional: true }),
    an('resultCode', 32, iso.ll(39)),
    ans('resultMessage', 60, iso.lll(56)),
    an('orderId', 32, iso.lll(61), { optional: true }),
    an('orderStatus', 20, iso.ll(120), { optional: true }),
    n('amount', 12, iso.bcd(4), { optional: true }),
    n('refundedAmount', 12, iso.bcd(5), { optional: true }),
    mac(128),
  ],
};
