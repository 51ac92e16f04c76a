// HIS writeback (缴费确认): after a payment succeeds the HIS is told, and the outcome becomes an event
// (HisWritebackSucceeded / HisWritebackFailed) through the one command handler. A failed or timed-out
// writeback leaves the order "paid, not in HIS" (the his_sync read model) until a retry succeeds:
// `retryHisWriteback` is what the scheduler runs. Every HIS operation is idempotent, so retrying an
// unknown outcome is safe.
import type { HisClient, HisConfirmPaymentRequest } from '../adapters/his/port.ts';
import { HisError } from '../adapters/his/port.ts';
import { fold, streamOf } from '../domain/decider.ts';
import type { EventStore } from '../domain/event-store.ts';
import { HospitalId, OrderId, RefId } from '../domain/ids.ts';
import { MAX_TEXT_LENGTH, orderDecider, type OrderEvent } from '../domain/order/index.ts';
import type { Logger } from 'pino';
import type { AnyDb } from '../projections/projection.ts';
import { hisWritebackDue } from '../projections/queries.ts';
import { handle } from '../domain/command-handler.ts';

/** Orders one scheduler run retries at most. */
export const HIS_RETRY_BATCH = 200;
/** Writebacks of one retry run in flight at once. */
export const HIS_RETRY_CONCURRENCY = 4;

export interface WritebackDeps {
  store: EventStore;
  his: HisClient;
  logger: Logger;
  now: () => Date;
}

export type WritebackOutcome = 'synced' | 'failed' | 'not-needed';

const SYSTEM = { kind: 'system' as const, id: 'his-writeback' };

function chargeRefs(created: OrderEvent | undefined): { refs: string[]; visitNo?: string } {
  if (created?.type !== 'OrderCreated') return { refs: [] };
  const b = created.data.business;
  switch (b.kind) {
    case 'outpatient':
      return { refs: b.chargeItems.map((i) => i.hisItemId), visitNo: b.visitId };
    case 'registration':
      return { refs: [b.slotId] };
    case 'deposit':
      return { refs: [], visitNo: b.admissionId };
  }
}

/** Writes one order's payment back to the HIS if it still needs it, and records the outcome. */
export async function writeBackPayment(
  deps: WritebackDeps,
  hospitalId: string,
  orderId: string,
): Promise<WritebackOutcome> {
  const base = { hospitalId: HospitalId(hospitalId), orderId: OrderId(orderId), actor: SYSTEM };
  const read = await deps.store.readStream(streamOf(orderDecider, { ...base, type: 'CreateOrder' } as never));
  const events = read.events as unknown as OrderEvent[];
  const state = fold(orderDecider, events);
  if (!state.payment || (state.his !== 'pending' && state.his !== 'failed')) return 'not-needed';
  const paidEvent = [...read.events]
    .reverse()
    .find((e) => e.type === 'PaymentSucceeded' || e.type === 'PaymentConfirmed');
  const { refs, visitNo } = chargeRefs(events.find((e) => e.type === 'OrderCreated'));
  const request: HisConfirmPaymentRequest = {
    hospitalId,
    orderId,
    hisChargeRefs: refs,
    ...(visitNo ? { visitNo } : {}),
    channel: state.payment.channel,
    channelTxnId: state.payment.channelTxnId,
    amount: state.payment.amount.toString(),
    paidAt: paidEvent?.occurredAt ?? deps.now(),
  };
  try {
    const result = await deps.his.confirmPayment(request);
    await handle(deps.store, orderDecider, {
      ...base,
      type: 'RecordHisWritebackSuccess',
      at: deps.now(),
      hisReceiptId: RefId(result.hisReceiptNo),
    });
    deps.logger.info({ orderId, hisStatus: result.status }, 'HIS writeback confirmed');
    return 'synced';
  } catch (error) {
    const code = error instanceof HisError ? error.code : 'HIS_CLIENT_ERROR';
    const detail = error instanceof HisError && error.hisCode ? ` ${error.hisCode}` : '';
    const message = `${code}${detail}: ${error instanceof Error ? error.message : String(error)}`.slice(
      0,
      MAX_TEXT_LENGTH,
    );
    await handle(deps.store, orderDecider, {
      ...base,
      type: 'RecordHisWritebackFailure',
      at: deps.now(),
      attempt: state.hisAttempts + 1,
      error: message,
    });
    deps.logger.warn(
      { orderId, code, attempt: state.hisAttempts + 1 },
      'HIS writeback failed; order stays paid-not-in-HIS',
    );
    return 'failed';
  }
}

/**
 * The scheduler's job: every order of a hospital that is paid and not confirmed by the HIS (per the
 * his_sync read model), oldest first, at most HIS_RETRY_BATCH per run. Each order's state is re-read from
 * its stream before calling the HIS, so a lagging read model only costs a no-op.
 */
export async function retryHisWriteback(
  deps: WritebackDeps & { db: AnyDb },
  options: { hospitalId: string; limit?: number },
): Promise<{ tried: number; synced: number; failed: number }> {
  const limit = Math.min(options.limit ?? HIS_RETRY_BATCH, HIS_RETRY_BATCH);
  const queue = await hisWritebackDue(deps.db, { hospitalId: options.hospitalId, limit });
  const outcome = { tried: 0, synced: 0, failed: 0 };
  const worker = async () => {
    for (let id = queue.shift(); id !== undefined; id = queue.shift()) {
      outcome.tried++;
      const r = await writeBackPayment(deps, options.hospitalId, id).catch((error: unknown) => {
        deps.logger.error({ orderId: id, err: error }, 'HIS writeback retry crashed');
        return 'failed' as const;
      });
      if (r === 'synced') outcome.synced++;
      if (r === 'failed') outcome.failed++;
    }
  };
  await Promise.all(Array.from({ length: HIS_RETRY_CONCURRENCY }, worker));
  return outcome;
}
