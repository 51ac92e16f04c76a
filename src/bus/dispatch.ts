// The generic command path every write of the bus takes:
//   channel admission (pure domain rule) + rate limit → handle() (load, fold, decide, append, idempotency)
//   → reactions to the facts produced (credit a paid deposit top-up, write the payment back to the HIS).
// Routes translate HTTP to a command and call `execute`; nothing about business lives in them.
import { createHash } from 'node:crypto';
import type { Logger } from 'pino';
import type { HisClient } from '../adapters/his/port.ts';
import { admitToChannel, type BusinessType, refuse } from '../domain/channel/index.ts';
import type { CommandBase, Decider, DomainEventShape } from '../domain/decider.ts';
import { depositCreditFor, depositDecider } from '../domain/deposit/index.ts';
import type { EventMetadata, EventStore } from '../domain/event-store.ts';
import { HospitalId } from '../domain/ids.ts';
import type { OrderEvent, OrderState } from '../domain/order/index.ts';
import type { ChannelDirectory } from './channels.ts';
import { type HandleResult, handle } from '../domain/command-handler.ts';
import { writeBackPayment } from './his-writeback.ts';
import type { Principal } from './principal.ts';
import type { RateLimiter } from './rate-limit.ts';

/** The HTTP answer waits at most this long for the HIS writeback; it goes on in the background after. */
export const HIS_WRITEBACK_WAIT_MS = 1_000;
/** Writebacks running in the background at once; beyond it the retry job picks the order up. */
export const MAX_INFLIGHT_WRITEBACKS = 256;

export interface BusDeps {
  store: EventStore;
  channels: ChannelDirectory;
  rateLimiter: RateLimiter;
  his: HisClient | undefined;
  logger: Logger;
  now: () => Date;
  reactions: Reactions;
}

export interface Admission {
  businessType?: BusinessType;
  /** A patient or card id the command names: checked against the channel's blacklist by its keyed hash. */
  patientId?: string;
}

/** Keyed hash of a patient / card id as the channel blacklist stores it (never the raw id). */
export function patientKey(hospitalId: string, id: string): string {
  return createHash('sha256').update(`${hospitalId}:${id}`, 'utf8').digest('hex');
}

export interface ExecuteOptions {
  idempotencyKey?: string;
  requestHash?: string;
  admission?: Admission;
  correlationId?: string;
}

function metadataOf(principal: Principal | null, correlationId: string | undefined): EventMetadata {
  const m: EventMetadata = {};
  if (correlationId) m.correlationId = correlationId;
  if (principal?.kind === 'client') {
    m.device = principal.client.clientId;
    if (principal.client.channelId) m.channel = principal.client.channelId;
  }
  return m;
}

async function admit(
  deps: BusDeps,
  principal: Principal | null,
  hospitalId: string,
  options: ExecuteOptions,
): Promise<void> {
  const channelId = principal?.kind === 'client' ? principal.client.channelId : null;
  if (!channelId || !options.admission) return; // staff and the HIS act outside any access channel
  const state = await deps.channels.get(HospitalId(hospitalId), channelId);
  const { patientId, businessType } = options.admission;
  admitToChannel(state, {
    ...(businessType !== undefined ? { businessType } : {}),
    at: deps.now(),
    ...(patientId !== undefined ? { patientKey: patientKey(hospitalId, patientId) } : {}),
  });
  const { perSecond, burst } = state.settings.rateLimit;
  if (!(await deps.rateLimiter.take(`${hospitalId}/${channelId}`, perSecond, burst)))
    throw refuse('CHANNEL_RATE_LIMITED', { channelId, perSecond });
}

/** `principal` null: a verified payment-channel callback or a system job (no access channel to admit through). */
export async function execute<C extends CommandBase, E extends DomainEventShape, S>(
  deps: BusDeps,
  principal: Principal | null,
  decider: Decider<C, E, S>,
  command: C,
  options: ExecuteOptions = {},
): Promise<HandleResult<E, S>> {
  try {
    await admit(deps, principal, command.hospitalId, options);
  } catch (refusal) {
    // A request applied before the channel closed still gets its first answer back.
    const key = options.idempotencyKey;
    if (!key || !(await deps.store.findIdempotent(command.hospitalId, key))) throw refusal;
  }
  const result = await handle(deps.store, decider, command, {
    ...(options.idempotencyKey !== undefined ? { idempotencyKey: options.idempotencyKey } : {}),
    ...(options.requestHash !== undefined ? { requestHash: options.requestHash } : {}),
    metadata: metadataOf(principal, options.correlationId),
  });
  await deps.reactions.after(command.hospitalId, result.events, result.state);
  return result;
}

/**
 * What follows a payment: a paid deposit top-up order credits the admission's deposit account, and every
 * payment is written back to the HIS. Both are idempotent, so running them again (a replayed request, the
 * retry job) is safe. A crash between the payment and these leaves work the retry job finds.
 */
export class Reactions {
  readonly #inflight = new Set<Promise<unknown>>();

  constructor(private readonly deps: () => Omit<BusDeps, 'reactions'>) {}

  /** `state`: the aggregate's state after `events` (the order's, when they are payment events). */
  async after(hospitalId: string, events: readonly DomainEventShape[], state: unknown): Promise<void> {
    for (const e of events as OrderEvent[]) {
      if (e.type !== 'PaymentSucceeded' && e.type !== 'PaymentConfirmed') continue;
      if (e.data.orderKind === 'deposit') await this.creditDeposit(hospitalId, state as OrderState);
      await this.writeBack(hospitalId, e.data.orderId);
    }
  }

  /** The credit a paid top-up owes its admission, from the order's state just decided (no second read). */
  async creditDeposit(hospitalId: string, order: OrderState): Promise<void> {
    const d = this.deps();
    const credit = depositCreditFor(hospitalId, order, d.now());
    if (credit) await handle(d.store, depositDecider, credit);
  }

  async writeBack(hospitalId: string, orderId: string): Promise<void> {
    const d = this.deps();
    if (!d.his) return;
    if (this.#inflight.size >= MAX_INFLIGHT_WRITEBACKS) {
      d.logger.warn({ orderId }, 'HIS writeback deferred to the retry job: too many in flight');
      return;
    }
    const p = writeBackPayment(
      { store: d.store, his: d.his, logger: d.logger, now: d.now },
      hospitalId,
      orderId,
    )
      .catch((error: unknown) =>
        d.logger.error({ orderId, err: error }, 'HIS writeback could not be recorded'),
      )
      .finally(() => this.#inflight.delete(p));
    this.#inflight.add(p);
    let timer: NodeJS.Timeout | undefined;
    await Promise.race([p, new Promise((r) => (timer = setTimeout(r, HIS_WRITEBACK_WAIT_MS)))]);
    clearTimeout(timer);
  }

  /** Waits for background writebacks (graceful shutdown, tests). */
  async drain(): Promise<void> {
    while (this.#inflight.size > 0) await Promise.allSettled([...this.#inflight]);
  }
}
