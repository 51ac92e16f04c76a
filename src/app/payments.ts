// Paying through the platform (统一支付接口): one use case for every channel and method, one answer shape. It
// orchestrates only — the channel is chosen by the domain's rule from channel management, the attempt and the
// order decide — and does no more inside a request than a bounded wait: whatever must follow (querying a code
// payment the patient is still confirming, reversing it when time is up, closing an unpaid QR code) is the
// payment_follow_up reaction's (domain/reactions/payments.ts), which runs followPaymentAttempt below.
//
// The result arrives by the channel's answer, its callback or our query, whichever comes first, and is
// recorded once: every path records it as a channel notice on the order (the order decider de-duplicates by the
// channel's transaction id), and the attempt is settled from what the order then holds.
import { ChannelCallError } from '../domain/channel/gateway.ts';
import type { ChannelNotice } from '../domain/channel/notice.ts';
import type { BusinessType } from '../domain/channel/types.ts';
import { type HandleResult, handle } from '../domain/command-handler.ts';
import type { Actor } from '../domain/decider.ts';
import type { RecordedEvent } from '../domain/event-store.ts';
import { AttemptId, Channel, HospitalId, OrderId } from '../domain/ids.ts';
import { orderDecider, type OrderState, orderStreamId } from '../domain/order/index.ts';
import {
  type ChannelCandidate,
  choosePaymentChannel,
  codeChannel,
  currentAttempt,
  attemptOf,
  DEFAULT_CODE_FOLLOW_MS,
  DEFAULT_IN_APP_EXPIRY_MS,
  DEFAULT_QR_EXPIRY_MS,
  isFinal,
  isPaymentGateway,
  MAX_CODE_FOLLOW_MS,
  MAX_PAYMENT_EXPIRY_MS,
  type PaymentAttempt,
  type PaymentCommand,
  paymentDecider,
  type PaymentEvent,
  type PaymentGateway,
  type PaymentMethod,
  type PaymentState,
  paymentStreamId,
  refusePayment,
  type SettledVia,
} from '../domain/payment/index.ts';
import { GATEWAY_CHANNELS, type GatewayChannel } from '../domain/channel/gateway.ts';
import { refuse } from '../domain/channel/refusals.ts';
import type { CommandContext } from './execute.ts';
import { loadOrder, stateLoader } from './load.ts';
import { applyChannelNotice, runOrderCommand } from './orders.ts';
import type { AppPorts } from './ports.ts';
import { NotReady } from './reactions/not-ready.ts';

export const PAYMENTS_ACTOR: Actor = { kind: 'system', id: 'payments' };

/**
 * A code payment's queries inside the request while the patient enters the password (then the reaction follows):
 * how many, and the pause between them; each option's default and largest value.
 */
export const CODE_POLLS = {
  codePollsInRequest: { default: 3, max: 10 },
  codePollIntervalMs: { default: 1_000, max: 5_000 },
} as const;

export interface PayRequest {
  hospitalId: string;
  orderId: string;
  /** The client's id for this attempt: the same id again answers the same attempt (a retried request). */
  attemptId: string;
  method: PaymentMethod;
  /** The channel the client wants; absent: chosen by channel management (a payment code names its own). */
  channel?: GatewayChannel;
  /** `code`: the payment code the device scanned. */
  authCode?: string;
  /** `in_app`: WeChat openid / Alipay buyer id of the payer. */
  payer?: string;
  /** `qr` / `in_app`: how long the code or prepay stays payable. */
  expiresInSeconds?: number;
  description?: string;
}

export interface PaymentOptions {
  codePollsInRequest?: number;
  codePollIntervalMs?: number;
  /** How long a code payment may wait for the password before it is reversed. */
  codeFollowMs?: number;
  /** Waits between in-request queries (a test passes one that resolves at once). */
  sleep?: (ms: number) => Promise<void>;
}

export type PaymentStatus = 'pending' | 'awaiting-password' | 'succeeded' | 'failed' | 'reversed' | 'closed';

/** The one answer shape of every payment method. */
export interface PaymentAnswer {
  orderId: string;
  attemptId: string;
  method: PaymentMethod;
  channel: GatewayChannel;
  amount: string;
  status: PaymentStatus;
  /** Until when the QR code / prepay stays payable, or until when a code payment is followed before reversal. */
  expiresAt: string;
  /** `qr`: the content of the QR code to display. */
  qrCode?: string;
  /** `in_app`: what the page starts paying with (WeChat JSAPI parameters, Alipay trade number). */
  inApp?: Record<string, string>;
  channelTxnId?: string;
  settledVia?: SettledVia;
  reason?: string;
}

const BUSINESS_OF_KIND: Record<OrderState['kind'], BusinessType> = {
  registration: 'registration',
  outpatient: 'outpatient',
  deposit: 'deposit',
};

function bounded(v: number | undefined, fallback: number, max: number, name: string): number {
  const x = v ?? fallback;
  if (!Number.isInteger(x) || x < 0 || x > max)
    throw refusePayment('PAYMENT_METHOD_INVALID', { field: name, max });
  return x;
}

/** An order's payment attempts as they stand. */
export const loadPayment = stateLoader(paymentStreamId, paymentDecider);

async function decidePaymentCommand(
  ports: AppPorts,
  command: PaymentCommand,
  idempotencyKey?: string,
): Promise<HandleResult<PaymentEvent, PaymentState>> {
  return handle(ports.store, paymentDecider, command, {
    ...(idempotencyKey ? { idempotencyKey } : {}),
    metadata: { causationId: `order:${command.orderId}` },
  });
}

function base(hospitalId: string, orderId: string, attemptId: string, at: Date, actor: Actor) {
  return { hospitalId: HospitalId(hospitalId), orderId, attemptId, at, actor };
}

export function answerOf(state: PaymentState, attempt: PaymentAttempt): PaymentAnswer {
  const status: PaymentStatus = attempt.status === 'started' ? 'pending' : attempt.status;
  const a: PaymentAnswer = {
    orderId: state.orderId,
    attemptId: attempt.attemptId,
    method: attempt.method,
    channel: attempt.channel,
    amount: attempt.amount,
    status,
    expiresAt: attempt.expiresAt.toISOString(),
  };
  if (attempt.display && attempt.method === 'qr' && attempt.display.codeUrl)
    a.qrCode = attempt.display.codeUrl;
  if (attempt.display && attempt.method === 'in_app') a.inApp = { ...attempt.display };
  if (attempt.channelTxnId) a.channelTxnId = attempt.channelTxnId;
  if (attempt.via) a.settledVia = attempt.via;
  if (attempt.reason) a.reason = attempt.reason;
  return a;
}

async function paymentGateway(
  ports: AppPorts,
  hospitalId: string,
  channel: string,
): Promise<PaymentGateway | undefined> {
  if (!ports.gateways || !(GATEWAY_CHANNELS as readonly string[]).includes(channel)) return undefined;
  const g = await ports.gateways.gateway(hospitalId, channel);
  return isPaymentGateway(g) ? g : undefined;
}

/** The payment channel for this request, by channel management's rule (hours, business types, priority, limits). */
async function chooseChannel(
  ports: AppPorts,
  request: PayRequest,
  order: OrderState,
): Promise<GatewayChannel> {
  let requested = request.channel;
  if (request.method === 'code') {
    const byCode = codeChannel(request.authCode ?? '');
    if (!byCode)
      throw refusePayment('PAYMENT_METHOD_INVALID', {
        field: 'authCode',
        reason: 'not a WeChat or Alipay payment code',
      });
    if (requested && requested !== byCode)
      throw refusePayment('PAYMENT_METHOD_INVALID', { field: 'channel', reason: `the code is ${byCode}'s` });
    requested = byCode;
  }
  const candidates: ChannelCandidate[] = await Promise.all(
    GATEWAY_CHANNELS.map(async (channel) => {
      const management = ports.channels ? await ports.channels.get(request.hospitalId, channel) : undefined;
      const configured = (await paymentGateway(ports, request.hospitalId, channel)) !== undefined;
      return { channel, configured, ...(management ? { management } : {}) };
    }),
  );
  const chosen = choosePaymentChannel({
    ...(requested ? { requested } : {}),
    businessType: BUSINESS_OF_KIND[order.kind],
    at: ports.now(),
    candidates,
  });
  // The payment channel's own rate limit, where channel management sets one.
  const m = candidates.find((c) => c.channel === chosen)?.management;
  if (m?.exists && ports.rateLimiter) {
    const { perSecond, burst } = m.settings.rateLimit;
    if (!(await ports.rateLimiter.take(`${request.hospitalId}/pay/${chosen}`, perSecond, burst)))
      throw refuse('CHANNEL_RATE_LIMITED', { channelId: chosen, perSecond });
  }
  return chosen;
}

function expiryOf(request: PayRequest, options: PaymentOptions, now: Date): Date {
  if (request.method === 'code')
    return new Date(
      now.getTime() +
        bounded(options.codeFollowMs, DEFAULT_CODE_FOLLOW_MS, MAX_CODE_FOLLOW_MS, 'codeFollowMs'),
    );
  const fallback = request.method === 'qr' ? DEFAULT_QR_EXPIRY_MS : DEFAULT_IN_APP_EXPIRY_MS;
  const seconds = request.expiresInSeconds;
  const ms = seconds === undefined ? fallback : seconds * 1000;
  if (!Number.isInteger(ms) || ms < 60_000 || ms > MAX_PAYMENT_EXPIRY_MS)
    throw refusePayment('PAYMENT_METHOD_INVALID', {
      field: 'expiresInSeconds',
      reason: `60..${MAX_PAYMENT_EXPIRY_MS / 1000}`,
    });
  return new Date(now.getTime() + ms);
}

/** Takes an order's payment through a channel: QR code, payment code or in-app. */
export async function payOrder(
  ports: AppPorts,
  request: PayRequest,
  ctx: CommandContext,
  options: PaymentOptions = {},
): Promise<PaymentAnswer> {
  return (await takePayment(ports, request, ctx, options)).answer;
}

/** payOrder, telling a retried request (`duplicate`: the attempt existed already and is answered as it stands). */
export async function takePayment(
  ports: AppPorts,
  request: PayRequest,
  ctx: CommandContext,
  options: PaymentOptions = {},
): Promise<{ answer: PaymentAnswer; duplicate: boolean }> {
  const { hospitalId, orderId, attemptId } = request;
  const existing = await loadPayment(ports, hospitalId, orderId);
  const again = attemptOf(existing, attemptId);
  if (again) return { answer: answerOf(existing, again), duplicate: true };
  if (request.method === 'code' && !request.authCode)
    throw refusePayment('PAYMENT_METHOD_INVALID', {
      field: 'authCode',
      reason: 'required for a code payment',
    });
  if (request.method === 'in_app' && !request.payer)
    throw refusePayment('PAYMENT_METHOD_INVALID', {
      field: 'payer',
      reason: 'required for an in-app payment',
    });

  const { state: order } = await loadOrder(ports.store, hospitalId, orderId);
  if (order.status === 'none') throw refusePayment('PAYMENT_ATTEMPT_NOT_FOUND', { orderId });
  const channel = await chooseChannel(ports, request, order);
  const gateway = (await paymentGateway(ports, hospitalId, channel))!;
  const now = ports.now();
  const expiresAt = expiryOf(request, options, now);
  const amount = order.amount.toString();
  const at = (d = ports.now()) => base(hospitalId, orderId, attemptId, d, ctx.actor);

  // The attempt is a fact before the channel hears of it; then the order learns it is being paid.
  await decidePaymentCommand(ports, {
    ...at(now),
    type: 'StartPaymentAttempt',
    method: request.method,
    channel,
    amount,
    merchantOrderNo: orderId,
    expiresAt,
  });
  try {
    await runOrderCommand(
      ports,
      {
        type: 'RequestPayment',
        hospitalId: HospitalId(hospitalId),
        orderId: OrderId(orderId),
        attemptId: AttemptId(attemptId),
        channel: Channel(channel),
        at: now,
        actor: ctx.actor,
      },
      ctx,
    );
  } catch (refusal) {
    // The order cannot be paid (or the access channel refused): the attempt ends before any channel call.
    await decidePaymentCommand(ports, {
      ...at(),
      type: 'RecordAttemptFailed',
      reason: `refused before the channel was asked: ${(refusal as Error).message}`,
      channelCode: null,
    });
    throw refusal;
  }

  const description = (request.description ?? `医院缴费 ${orderId}`).slice(0, 120);
  try {
    if (request.method === 'qr') {
      const { codeUrl } = await gateway.qrPrepay({
        merchantOrderNo: orderId,
        amount,
        description,
        expiresAt,
      });
      await decidePaymentCommand(ports, { ...at(), type: 'RecordAttemptPrepared', display: { codeUrl } });
    } else if (request.method === 'in_app') {
      const display = await gateway.inAppPrepay({
        merchantOrderNo: orderId,
        amount,
        description,
        expiresAt,
        payer: request.payer!,
      });
      await decidePaymentCommand(ports, { ...at(), type: 'RecordAttemptPrepared', display });
    } else {
      const answer = await gateway.codePay({
        merchantOrderNo: orderId,
        amount,
        description,
        authCode: request.authCode!,
      });
      if (answer.status === 'succeeded')
        await recordPaid(ports, hospitalId, answer.notice, attemptId, 'answer');
      else {
        await decidePaymentCommand(ports, { ...at(), type: 'RecordAttemptAwaitingPassword' });
        await followInRequest(ports, gateway, hospitalId, orderId, attemptId, options);
      }
    }
  } catch (error) {
    if (!(error instanceof ChannelCallError)) throw error;
    // A definite refusal (a bad or declined payment code …): the attempt failed, nothing was charged.
    if (error.code === 'CHANNEL_REJECTED' || error.code === 'CHANNEL_MISCONFIGURED')
      await failAttempt(
        ports,
        { hospitalId, orderId, attemptId, channel },
        `${channel} refused: ${error.message}`,
        error.channelCode ?? error.code,
      );
    // Otherwise the channel may have acted: the follow-up finds out by query (and reverses or closes in time).
    else
      ports.logger.warn(
        { orderId, attemptId, code: error.code },
        'payment call outcome unknown; followed by query',
      );
  }
  const after = await loadPayment(ports, hospitalId, orderId);
  return { answer: answerOf(after, attemptOf(after, attemptId)!), duplicate: false };
}

/** While the patient enters the password: a few queries inside the request, then the reaction takes over. */
async function followInRequest(
  ports: AppPorts,
  gateway: PaymentGateway,
  hospitalId: string,
  orderId: string,
  attemptId: string,
  options: PaymentOptions,
): Promise<void> {
  const { codePollsInRequest: p, codePollIntervalMs: i } = CODE_POLLS;
  const polls = bounded(options.codePollsInRequest, p.default, p.max, 'codePollsInRequest');
  const interval = bounded(options.codePollIntervalMs, i.default, i.max, 'codePollIntervalMs');
  const sleep = options.sleep ?? ((ms: number) => new Promise<void>((r) => setTimeout(r, ms)));
  for (let i = 0; i < polls; i++) {
    await sleep(interval);
    const found = await gateway.queryPayment(orderId).catch(() => undefined);
    if (found?.found && found.notice.status === 'succeeded') {
      await recordPaid(ports, hospitalId, found.notice, attemptId, 'query');
      return;
    }
    const attempt = attemptOf(await loadPayment(ports, hospitalId, orderId), attemptId);
    if (!attempt || isFinal(attempt)) return; // a callback settled it meanwhile
  }
}

/** A success from the channel (its answer, callback or our query): the order records it once, the attempt follows. */
async function recordPaid(
  ports: AppPorts,
  hospitalId: string,
  notice: ChannelNotice,
  attemptId: string,
  via: 'answer' | 'query',
): Promise<void> {
  await applyChannelNotice(ports, hospitalId, {
    ...notice,
    status: 'succeeded',
    notificationId: `${via}:${attemptId}`,
  });
  await settleAttemptFromOrder(ports, hospitalId, notice.merchantOrderNo);
}

/** How the order's payment became known: from the correlation its event was recorded under. */
function viaOf(event: RecordedEvent | undefined): SettledVia {
  const c = event?.metadata.correlationId ?? '';
  if (c.startsWith('answer:')) return 'answer';
  if (c.startsWith('query:')) return 'query';
  return 'callback';
}

/**
 * Settles the order's attempt from the payment the order holds (recorded by whichever path came first). Once:
 * the attempt decider answers [] for the same transaction again.
 */
export async function settleAttemptFromOrder(
  ports: AppPorts,
  hospitalId: string,
  orderId: string,
): Promise<string> {
  const payment = await loadPayment(ports, hospitalId, orderId);
  const attempt = currentAttempt(payment);
  if (!attempt || attempt.status === 'succeeded') return 'not-needed';
  const read = await ports.store.readStream(orderStreamId(hospitalId, orderId));
  const { state } = await loadOrder(ports.store, hospitalId, orderId);
  const paid = state.payment;
  if (!paid || paid.channel !== attempt.channel) return 'not-needed';
  const event = read.events.find(
    (e) =>
      (e.type === 'PaymentSucceeded' || e.type === 'PaymentConfirmed') &&
      e.data.channelTxnId === paid.channelTxnId,
  );
  const r = await decidePaymentCommand(ports, {
    ...base(hospitalId, orderId, attempt.attemptId, event?.occurredAt ?? ports.now(), PAYMENTS_ACTOR),
    type: 'RecordAttemptSucceeded',
    channelTxnId: paid.channelTxnId,
    amount: paid.amount.toString(),
    via: viaOf(event),
  });
  return r.events.length > 0 ? 'settled' : 'not-needed';
}

/** The attempt a failure is recorded on, with the channel it was made at. */
interface AttemptRef {
  hospitalId: string;
  orderId: string;
  attemptId: string;
  channel: string;
}

async function failAttempt(
  ports: AppPorts,
  { hospitalId, orderId, attemptId, channel }: AttemptRef,
  reason: string,
  channelCode: string | null,
  outcome:
    | { type: 'RecordAttemptFailed' }
    | { type: 'RecordAttemptReversed'; action: 'close' | 'refund' }
    | { type: 'RecordAttemptClosed' } = {
    type: 'RecordAttemptFailed',
  },
): Promise<void> {
  const b = base(hospitalId, orderId, attemptId, ports.now(), PAYMENTS_ACTOR);
  const command: PaymentCommand =
    outcome.type === 'RecordAttemptFailed'
      ? { ...b, type: 'RecordAttemptFailed', reason, channelCode }
      : outcome.type === 'RecordAttemptReversed'
        ? { ...b, type: 'RecordAttemptReversed', reason, action: outcome.action }
        : { ...b, type: 'RecordAttemptClosed', reason };
  await decidePaymentCommand(ports, command, `pay:${outcome.type}:${hospitalId}:${orderId}:${attemptId}`);
  // The order goes back to awaiting payment: nothing was charged (a failure of an attempt no longer in flight is []).
  await handle(
    ports.store,
    orderDecider,
    {
      type: 'RecordPaymentFailure',
      hospitalId: HospitalId(hospitalId),
      orderId: OrderId(orderId),
      attemptId: AttemptId(attemptId),
      channel: Channel(channel),
      reason: reason.slice(0, 500),
      at: ports.now(),
      actor: PAYMENTS_ACTOR,
    },
    {
      idempotencyKey: `pay:fail:${hospitalId}:${orderId}:${attemptId}`,
      metadata: { causationId: `payment:${orderId}` },
    },
  );
}

export type FollowOutcome =
  | 'not-needed'
  | 'no-gateway'
  | 'confirmed'
  | 'failed'
  | 'reversed'
  | 'closed'
  | 'paid-meanwhile';

/**
 * The follow-up of an attempt (the payment_follow_up reaction): asks the channel; records a payment it took; while
 * the attempt may still be paid and its time is not up, asks again later (NotReady); when time is up, reverses a
 * code payment (撤销) or closes a QR / in-app trade, and only then records the attempt as not paid.
 */
export async function followPaymentAttempt(
  ports: AppPorts,
  hospitalId: string,
  orderId: string,
  attemptId: string,
): Promise<FollowOutcome> {
  const payment = await loadPayment(ports, hospitalId, orderId);
  const attempt = attemptOf(payment, attemptId);
  if (!attempt || isFinal(attempt)) return 'not-needed';
  const gateway = await paymentGateway(ports, hospitalId, attempt.channel);
  if (!gateway) return 'no-gateway';
  const ref: AttemptRef = { hospitalId, orderId, attemptId, channel: attempt.channel };
  const found = await gateway.queryPayment(attempt.merchantOrderNo);
  if (found.found && (found.notice.status === 'succeeded' || found.notice.status === 'refunded')) {
    await recordPaid(ports, hospitalId, found.notice, attemptId, 'query');
    return 'confirmed';
  }
  if (found.found && (found.notice.status === 'closed' || found.notice.status === 'failed')) {
    await failAttempt(
      ports,
      ref,
      `${attempt.channel} says ${found.notice.channelStatus}`,
      found.notice.channelStatus,
      { type: 'RecordAttemptClosed' },
    );
    return 'closed';
  }
  if (ports.now() < attempt.expiresAt)
    throw new NotReady(`attempt ${attemptId} may still be paid until ${attempt.expiresAt.toISOString()}`);
  if (attempt.method === 'code') {
    const action = await gateway.reverse(attempt.merchantOrderNo);
    await failAttempt(ports, ref, `not completed in time: reversed at ${attempt.channel}`, null, {
      type: 'RecordAttemptReversed',
      action,
    });
    return 'reversed';
  }
  if ((await gateway.closeOrder(attempt.merchantOrderNo)) === 'already-paid') {
    const paid = await gateway.queryPayment(attempt.merchantOrderNo);
    if (!paid.found || paid.notice.status !== 'succeeded')
      throw new Error(`${attempt.channel} refused to close ${orderId} as paid but does not show it paid`);
    await recordPaid(ports, hospitalId, paid.notice, attemptId, 'query');
    return 'paid-meanwhile';
  }
  await failAttempt(
    ports,
    ref,
    `unpaid at ${attempt.expiresAt.toISOString()}: closed at ${attempt.channel}`,
    null,
    { type: 'RecordAttemptClosed' },
  );
  return 'closed';
}

/** The attempt of an order as it stands (GET /v1/payments/:orderId). */
export async function paymentOf(
  ports: AppPorts,
  hospitalId: string,
  orderId: string,
): Promise<PaymentAnswer | undefined> {
  const state = await loadPayment(ports, hospitalId, orderId);
  const attempt = currentAttempt(state);
  return attempt ? answerOf(state, attempt) : undefined;
}
