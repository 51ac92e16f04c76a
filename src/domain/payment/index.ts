import { type Decider, decider } from '../decider.ts';
import { decidePayment, evolvePayment, initialPaymentState } from './decide.ts';
import type { PaymentCommand, PaymentEvent, PaymentState } from './types.ts';

export * from './choice.ts';
export * from './gateway.ts';
export * from './refusals.ts';
export * from './types.ts';
export {
  attemptOf,
  currentAttempt,
  decidePayment,
  evolvePayment,
  initialPaymentState,
  isFinal,
} from './decide.ts';

/** Stream `<hospitalId>/payment/<orderId>`: the order's trade at the channel. Posts nothing to the ledger. */
export const paymentDecider: Decider<PaymentCommand, PaymentEvent, PaymentState> = decider(
  'payment',
  (command) => command.orderId,
  { initialState: initialPaymentState, decide: decidePayment, evolve: evolvePayment },
);

export function paymentStreamId(hospitalId: string, orderId: string): string {
  return `${hospitalId}/payment/${orderId}`;
}
