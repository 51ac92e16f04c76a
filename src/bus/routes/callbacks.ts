// Payment-channel callbacks (WeChat Pay v3, Alipay async notifications). The RAW body is kept (both
// signatures cover the exact bytes), verified with the channel adapters, mapped to order commands and run
// through the generic path, so a duplicate notification (same transaction / refund) appends nothing.
// Forged notifications are refused and logged with the refusal code only (never the body: it holds payer ids).
import type { FastifyReply, FastifyRequest } from 'fastify';
import { alipayCallbackReply, alipayFailureReply } from '../../adapters/channels/alipay/index.ts';
import type { ChannelNotification } from '../../adapters/channels/notification.ts';
import { MAX_CALLBACK_BODY_BYTES, toChannelNotice } from '../../adapters/channels/notification.ts';
import { verifyAlipayNotification } from '../../adapters/channels/alipay/index.ts';
import {
  verifyWechatNotification,
  wechatCallbackReply,
  wechatFailureReply,
} from '../../adapters/channels/wechat/index.ts';
import { applyChannelNotice } from '../../app/orders.ts';
import { isRejection } from '../../domain/rejection.ts';
import { ApiError, toErrorResponse } from '../errors.ts';
import type { App, ServerContext } from '../server.ts';

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
    const outcome = await applyChannelNotice(ctx.deps, hospitalId, toChannelNotice(n));
    req.log.info({ ...where, outcome }, 'channel notification applied');
    return undefined;
  } catch (error) {
    if (isRejection(error)) {
      // Verified but not applicable: answer failure so the channel redelivers, and let reconciliation see it.
      req.log.error({ ...where, code: error.code }, 'channel notification not applied');
      return fail(409, error.code);
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
