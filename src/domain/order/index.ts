import { type Decider, decider } from '../decider.ts';
import { type StreamId, streamId } from '../event-store.ts';
import { decideOrder } from './decide.ts';
import { evolveOrder, initialOrderState } from './evolve.ts';
import type { OrderCommand, OrderEvent, OrderState } from './types.ts';

export * from './types.ts';
export { assertOrderInvariants, decideOrder, MAX_HIS_WRITEBACK_ATTEMPTS } from './decide.ts';
export {
  committedRefunds,
  displayStatus,
  evolveOrder,
  findPayment,
  initialOrderState,
  isPaidNotInHis,
  type OrderView,
  orderView,
  paidNotInHis,
  paymentsOf,
  refundableAmount,
  refundedAmount,
} from './evolve.ts';

/** Only CreateOrder starts an order's stream. */
const createsOrder = (command: OrderCommand): boolean => command.type === 'CreateOrder';

/** Stream `<hospitalId>/order/<orderId>` (the platform order number). */
export const orderDecider: Decider<OrderCommand, OrderEvent, OrderState> = decider(
  'order',
  (command) => command.orderId,
  { initialState: initialOrderState, decide: decideOrder, evolve: evolveOrder, startsStream: createsOrder },
);

/** The stream of an order, from its id. */
export function orderStreamId(hospitalId: string, orderId: string): StreamId {
  return streamId(hospitalId, orderDecider.category, orderId);
}
