// 0300 订单查询: where an order stands (after a lost answer, before printing a receipt).
import { an, iso, request } from './types.ts';

export const orderQuerySpec = request(
  { type: 'order-query', code: '0300', title: { zh: '订单查询', en: 'Order query' }, macBit: 64 },
  [an('orderId', 32, iso.lll(61))],
);
