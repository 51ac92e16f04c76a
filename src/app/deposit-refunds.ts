// A deposit remainder refund's outcome as a channel tells it (a query answer, a callback): recorded on the
// deposit account by the system's channel-calls actor. Used by the notice path (orders.ts) and the channel
// calls (channel-calls.ts), which otherwise do not depend on each other for it.
import type { Actor } from '../domain/decider.ts';
import { handle } from '../domain/command-handler.ts';
import { depositDecider } from '../domain/deposit/index.ts';
import { AdmissionId, HospitalId, RefundId } from '../domain/ids.ts';
import type { AppPorts } from './ports.ts';

/** Who records what the channels answer (queries, closes, refunds sent, outcomes learned). */
export const CHANNEL_CALLS_ACTOR: Actor = { kind: 'system', id: 'channel-calls' };

/** Records a deposit remainder refund's outcome (from a query answer or a callback); the same outcome twice is a no-op. */
export async function recordDepositRefundOutcome(
  ports: AppPorts,
  hospitalId: string,
  admissionId: string,
  refundId: string,
  outcome: 'succeeded' | 'failed',
  detail: string,
  idempotencyKey?: string,
): Promise<number> {
  const r = await handle(
    ports.store,
    depositDecider,
    {
      type: 'RecordDepositRefundOutcome',
      hospitalId: HospitalId(hospitalId),
      admissionId: AdmissionId(admissionId),
      refundId: RefundId(refundId),
      outcome,
      detail,
      at: ports.now(),
      actor: CHANNEL_CALLS_ACTOR,
    },
    { ...(idempotencyKey ? { idempotencyKey } : {}), metadata: { causationId: `deposit:${admissionId}` } },
  );
  return r.events.length;
}
