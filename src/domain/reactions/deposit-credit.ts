// Deposit credit as a reaction: a paid deposit top-up order credits its admission's deposit account. The
// command itself (TopUpDeposit) is built by depositCreditFor from the order's state (deposit/policy.ts).
import type { RecordedEvent } from '../event-store.ts';
import type { PaymentConfirmed, PaymentSucceeded } from '../order/types.ts';
import { type Intent, intent, type Reaction } from './reaction.ts';

export const DEPOSIT_CREDIT = 'deposit-credit';

export const depositCreditReaction: Reaction = {
  name: 'deposit_credit',
  version: 1,
  description: "credits a paid deposit top-up order to its admission's deposit account",
  handles: ['PaymentSucceeded', 'PaymentConfirmed'],
  react(event: RecordedEvent): Intent[] {
    const e = event as unknown as PaymentSucceeded | PaymentConfirmed;
    if (e.data.orderKind !== 'deposit') return [];
    return [intent(event, DEPOSIT_CREDIT, `order:${e.data.orderId}`, { orderId: e.data.orderId })];
  },
};
