// 0300 订单查询: where an order stands (after a lost answer, before printing a receipt).
import { an, HEADER, iso, type MessageSpec, mac } from './types.ts';

export const orderQuerySpec: MessageSpec = {
  type: 'order-query',
  code: '0300',
  title: { zh: '订单查询', en: 'Order query' },
  fields: [...HEADER, an('orderId', 32, iso.lll(61)), mac(64)],
};
