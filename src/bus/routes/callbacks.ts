// Payment-channel callbacks (WeChat Pay v3, Alipay async notifications). The RAW body is kept (both
// signatures cover the exact bytes), verified with the channel adapters, mapped to order commands and run
// through the generic path, so a duplicate notification (same transaction / refund) appends nothing.
// Forged notifications are refused and logged with the refusal code only (never the body: it holds payer ids).
import type { FastifyReply, FastifyRequest } from 'fastify';
import { alipayCallbackReply, alipayFailureReply } from '../../adapters/channels/alipay/index.ts';
import type { ChannelNotification } from '../../adapters/channels/notification.ts';
import { MAX_CALLBACK_BODY_BYTES } from '../../adapters/channels/notification.ts';
import { verifyAlipayNotification } from '../../adapters/channels/alipay/index.ts';
import {
  verifyWechatNotification,
  wechatCallbackReply,
  wechatFailureReply,
} from '../../adapters/channels/wechat/index.ts';
import { fold, streamOf } from '../../domain/decider.ts';
import {
  AttemptId,
  Channel,
  ChannelTxnId,
  HospitalId,
  maskRef,
  OrderId,
  RefId,
  RefundId,
} from '../../domain/ids.ts';
import { Money } from '../../domain/money.ts';
import { type OrderCommand, type OrderEvent, orderDecider } from '../../domain/order/index.ts';
import { isRejection } from '../../domain/rejection.ts';
import { execute } from '../dispatch.ts';
import { ApiError, toErrorResponse } from '../errors.ts';
import type { App, ServerContext } from '../server.ts';

/** Raised when a verified notification does not agree with what the ledger holds (a discrepancy, not a forgery). */
class CallbackMismatch extends Error {
  constructor(readonly code: string) {
    super(code);
  }
}

const CHANNEL_ACTOR = (channel: string) => ({ kind: 'channel' as const, id: channel });

function payerRefOf(n: ChannelNotification): string {
  const payer = n.raw.payer as { openid?: unknown } | undefined;
  const raw =
    typeof payer?.openid === 'string'
      ? payer.openid
      : typeof n.raw.buyer_id === 'string'
        ? n.raw.buyer_id
        : n.channelTxnId;
  return maskRef(raw);
}

/** The verified notification → the order command(s) it stands for; unknown outcomes are left to polling. */
async function applyNotification(
  ctx: ServerContext,
  hospitalId: string,
  n: ChannelNotification,
): Promise<string> {
  const { deps } = ctx;
  const base = {
    hospitalId: HospitalId(hospitalId),
    orderId: OrderId(n.merchantOrderNo),
    at: n.occurredAt,
    actor: CHANNEL_ACTOR(n.channel),
  };
  const meta = { correlationId: n.notificationId ?? `${n.channel}:${n.channelTxnId}` };
  const run = (command: OrderCommand) => execute(deps, null, orderDecider, command, meta);

  if (n.kind === 'payment') {
    if (n.status !== 'succeeded') return `ignored-${n.status}`; // the attempt's owner (kiosk, app) reports it
    const payment = {
      ...base,
      channel: Channel(n.channel),
      channelTxnId: ChannelTxnId(n.channelTxnId),
      amount: Money.parse(n.amount),
      payerRef: maskRef(payerRefOf(n)),
    };
    try {
      const r = await run({ ...payment, type: 'RecordPayment', attemptId: null });
      return r.events.length > 0 ? 'recorded' : 'duplicate';
    } catch (error) {
      // The kiosk lost track of the attempt; the channel says it was paid: that confirms it.
      const attemptId =
        isRejection(error) && error.code === 'PAYMENT_STATUS_UNKNOWN' ? error.details.attemptId : null;
      if (typeof attemptId !== 'string') throw error;
      const { channel: _c, ...confirm } = payment;
      const r = await run({ ...confirm, type: 'ConfirmPayment', attemptId: AttemptId(attemptId) });
      return r.events.length > 0 ? 'confirmed' : 'duplicate';
    }
  }

  if (!n.refundNo) throw new CallbackMismatch('REFUND_NO_MISSING');
  const refund = { ...base, refundId: RefundId(n.refundNo) };
  if (n.status === 'closed') {
    const r = await run({
      ...refund,
      type: 'RecordRefundFailure',
      reason: `closed by ${n.channel}: ${n.channelStatus}`,
    });
    return r.events.length > 0 ? 'refund-failed' : 'duplicate';
  }
  if (n.status !== 'succeeded') return `ignored-${n.status}`;
  await checkRefundAmount(ctx, hospitalId, n);
  const r = await run({
    ...refund,
    type: 'RecordRefundSuccess',
    // Alipay has no refund id of its own: the trade and our refund number identify it.
    channelRefundId: RefId(n.channelRefundId ?? `${n.channelTxnId}:${n.refundNo}`),
  });
  return r.events.length > 0 ? 'refund-recorded' : 'duplicate';
}

/**
 * WeChat reports this refund's amount; Alipay the trade's cumulative refunded amount (refund_fee). Either way
 * the notified amount must agree with the refund the ledger requested, or nothing is recorded.
 */
async function checkRefundAmount(
  ctx: ServerContext,
  hospitalId: string,
  n: ChannelNotification,
): Promise<void> {
  const stream = streamOf(orderDecider, { hospitalId, orderId: n.merchantOrderNo } as never);
  const state = fold(
    orderDecider,
    (await ctx.deps.store.readStream(stream)).events as unknown as OrderEvent[],
  );
  const refund = state.refunds.get(n.refundNo ?? '');
  if (!refund) return; // the handler answers REFUND_NOT_FOUND
  const notified = Money.parse(n.amount);
  if (n.amountBasis !== 'cumulative-refunds') {
    if (!notified.equals(refund.amount)) throw new CallbackMismatch('REFUND_AMOUNT_MISMATCH');
    return;
  }
  let succeededOthers = Money.ZERO;
  let open = Money.ZERO;
  for (const r of state.refunds.values()) {
    if (r.channelTxnId !== refund.channelTxnId || r.status === 'failed') continue;
    open = open.add(r.amount);
    if (r.status === 'succeeded' && r.refundId !== refund.refundId)
      succeededOthers = succeededOthers.add(r.amount);
  }
  // Out of order: other refunds may have succeeded at the channel before their own notification reached us.
  if (notified.lt(succeededOthers.add(refund.amount)) || notified.gt(open))
    throw new CallbackMismatch('REFUND_CUMULATIVE_MISMATCH');
}

function rawBody(req: FastifyRequest): Buffer {
  if (!Buffer.isBuffer(req.body)) throw new ApiError('UNSUPPORTED_MEDIA_TYPE');
  return req.body;
}

async function process(
  ctx: ServerContext,
  req: FastifyRequest,
  hospitalId: string,
  n: ChannelNotification,
  fail: (status: number, code: string) => unknown,
  reply: FastifyReply,
): Promise<unknown> {
  const where = {
    channel: n.channel,
    orderId: n.merchantOrderNo,
    channelTxnId: n.channelTxnId,
    refundNo: n.refundNo,
  };
  try {
    const outcome = await applyNotification(ctx, hospitalId, n);
    req.log.info({ ...where, outcome }, 'channel notification applied');
    return undefined;
  } catch (error) {
    if (error instanceof CallbackMismatch || isRejection(error)) {
      // Verified but not applicable: answer failure so the channel redelivers, and let reconciliation see it.
      req.log.error(
        { ...where, code: error instanceof CallbackMismatch ? error.code : error.code },
        'channel notification not applied',
      );
      return fail(409, error instanceof CallbackMismatch ? error.code : error.code);
    }
    const { status, body } = toErrorResponse(error);
    req.log.error({ ...where, err: error, code: body.code }, 'channel notification failed');
    reply.header('x-ledger-error', body.code);
    return fail(Math.min(status, 500), body.code);
  }
}

export function callbackRoutes(app: App, ctx: ServerContext): void {
  // These routes read the body as raw bytes, whatever the channel sends.
  app.removeAllContentTypeParsers();
  app.addContentTypeParser(
    ['application/json', 'application/x-www-form-urlencoded', 'text/plain'],
    { parseAs: 'buffer', bodyLimit: MAX_CALLBACK_BODY_BYTES },
    (_req, body, done) => done(null, body),
  );

  app.post(
    '/v1/callbacks/wechat',
    {
      bodyLimit: MAX_CALLBACK_BODY_BYTES,
      schema: {
        tags: ['callbacks'],
        summary: 'WeChat Pay API v3 payment / refund notification',
        description:
          'Verified with the platform certificate (Wechatpay-* headers, SHA256-RSA over the raw body); resource decrypted with AEAD_AES_256_GCM. 204 = accepted (also for duplicates); 4xx/5xx {code:"FAIL"} makes WeChat retry.',
        headers: {
          type: 'object',
          properties: {
            'wechatpay-timestamp': { type: 'string' },
            'wechatpay-nonce': { type: 'string' },
            'wechatpay-signature': { type: 'string' },
            'wechatpay-serial': { type: 'string' },
          },
        },
      },
    },
    async (req, reply) => {
      const cfg = ctx.options.callbacks?.wechat;
      if (!cfg) throw new ApiError('ROUTE_NOT_FOUND', { reason: 'WeChat Pay is not configured' });
      const result = verifyWechatNotification(
        { headers: req.headers, body: rawBody(req) },
        cfg.config,
        ctx.now(),
      );
      if (!result.ok) {
        req.log.warn(
          { channel: 'wechat', code: result.code, ip: req.ip },
          'channel notification refused (forged or malformed)',
        );
        const r = wechatCallbackReply(result);
        return reply.code(r.status).send(r.body);
      }
      const failed = await process(
        ctx,
        req,
        cfg.hospitalId,
        result.notification,
        (status, code) => wechatFailureReply(status, code),
        reply,
      );
      if (failed) {
        const f = failed as ReturnType<typeof wechatFailureReply>;
        return reply.code(f.status).send(f.body);
      }
      return reply.code(204).send();
    },
  );

  app.post(
    '/v1/callbacks/alipay',
    {
      bodyLimit: MAX_CALLBACK_BODY_BYTES,
      schema: {
        tags: ['callbacks'],
        summary: 'Alipay asynchronous notification (trade_status_sync)',
        description:
          'application/x-www-form-urlencoded, RSA2 over the sorted decoded parameters, verified with the Alipay public key. Answers the plain text `success` when accepted (also for duplicates); anything else makes Alipay retry.',
      },
    },
    async (req, reply) => {
      const cfg = ctx.options.callbacks?.alipay;
      if (!cfg) throw new ApiError('ROUTE_NOT_FOUND', { reason: 'Alipay is not configured' });
      const result = verifyAlipayNotification(rawBody(req), cfg.config);
      if (!result.ok) {
        req.log.warn(
          { channel: 'alipay', code: result.code, ip: req.ip },
          'channel notification refused (forged or malformed)',
        );
        const r = alipayCallbackReply(result);
        return reply.code(r.status).type(r.contentType).send(r.body);
      }
      const failed = await process(
        ctx,
        req,
        cfg.hospitalId,
        result.notification,
        () => alipayFailureReply(),
        reply,
      );
      const r = (failed as ReturnType<typeof alipayFailureReply> | undefined) ?? alipayCallbackReply(result);
      return reply.code(r.status).type(r.contentType).send(r.body);
    },
  );
}
