// 0100 创建订单: a kiosk opens an order (a registration, an outpatient charge of one HIS item, a deposit top-up).
import { an, ans, iso, n, request } from './types.ts';

export const createOrderSpec = request(
  { type: 'create-order', code: '0100', title: { zh: '创建订单', en: 'Create order' }, macBit: 128 },
  [
    an('orderId', 32, iso.lll(61)),
    an('patientId', 32, iso.ll(102)),
    // R 挂号 registration, O 门诊缴费 outpatient, D 住院预交金 deposit
    an('orderKind', 1, iso.fixed(25), { exact: true }),
    n('amount', 12, iso.bcd(4)),
    // the slot (R), the visit (O) or the admission (D)
    an('refId', 32, iso.ll(103)),
    an('departmentId', 16, iso.ll(104), { optional: true }),
    an('doctorId', 16, iso.ll(105), { optional: true }),
    n('visitDate', 8, iso.bcd(13), { optional: true }),
    an('itemId', 32, iso.ll(106), { optional: true }),
    ans('itemName', 40, iso.lll(107), { optional: true }),
  ],
);
