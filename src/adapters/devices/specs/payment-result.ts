// 0200 支付结果: the MIS-POS (or the kiosk's cash/QR module) reports a successful payment of an order.
import { an, iso, n, request } from './types.ts';

export const paymentResultSpec = request(
  { type: 'payment-result', code: '0200', title: { zh: '支付结果', en: 'Payment result' }, macBit: 64 },
  [
    an('orderId', 32, iso.lll(61)),
    n('amount', 12, iso.bcd(4)),
    // masked as printed on the slip: 622202******1234
    an('cardMasked', 19, iso.ll(2)),
    // 参考号 (retrieval reference), 终端号, 商户号, 批次号, 凭证号 as the acquirer prints them
    an('referenceNo', 12, iso.fixed(37), { exact: true }),
    an('terminalId', 8, iso.fixed(41), { exact: true }),
    an('merchantId', 15, iso.fixed(42), { exact: true }),
    n('batchNo', 6, iso.bcd(60)),
    n('voucherNo', 6, iso.bcd(11)),
    an('channelTxnId', 64, iso.lll(48)),
    an('channel', 16, iso.ll(44)),
    an('attemptId', 32, iso.ll(45), { optional: true }),
  ],
);
