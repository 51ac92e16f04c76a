import { createOrderSpec } from './create-order.ts';
import { heartbeatSpec } from './heartbeat.ts';
import { orderQuerySpec } from './order-query.ts';
import { paymentResultSpec } from './payment-result.ts';
import { paymentUnknownSpec } from './payment-unknown.ts';
import { refundSpec } from './refund.ts';
import { responseSpec } from './response.ts';
import type { MessageSpec, MessageType } from './types.ts';

export * from './types.ts';

export const SPECS: Readonly<Record<MessageType, MessageSpec>> = {
  'create-order': createOrderSpec,
  'payment-result': paymentResultSpec,
  'payment-unknown': paymentUnknownSpec,
  refund: refundSpec,
  'order-query': orderQuerySpec,
  heartbeat: heartbeatSpec,
  response: responseSpec,
};

export const ALL_SPECS: readonly MessageSpec[] = Object.values(SPECS);

const BY_CODE = new Map(ALL_SPECS.map((s) => [s.code, s]));

export function specByCode(code: string): MessageSpec | undefined {
  return BY_CODE.get(code);
}

/** Request types a device sends (everything but the response). */
export const REQUEST_TYPES = ALL_SPECS.filter((s) => s.type !== 'response').map((s) => s.type);
