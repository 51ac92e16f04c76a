// 0400 退款申请: 消费撤销 (void, same day, same batch) or 退货 (return, later) of an order's payment.
import { an, ans, iso, n, request } from './types.ts';

export const refundSpec = request(
  { type: 'refund', code: '0400', title: { zh: '退款申请', en: 'Refund request' }, macBit: 128 },
  [
    an('orderId', 32, iso.lll(61)),
    an('refundId', 32, iso.ll(100)),
    // V 消费撤销 void, R 退货 return
    an('refundKind', 1, iso.fixed(25), { exact: true }),
    n('amount', 12, iso.bcd(4)),
    an('channelTxnId', 64, iso.lll(48), { optional: true }),
    an('originalReferenceNo', 12, iso.fixed(37), { exact: true, optional: true }),
    ans('reason', 40, iso.lll(112)),
    // how the kiosk checked the patient: I 身份证 id card, C 医保卡 insurance card, F 人脸 face; empty: not checked
    an('identity', 1, iso.fixed(26), { exact: true, optional: true }),
  ],
);
