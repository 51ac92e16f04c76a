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
  wechatPlatformKeys,
} from '../../adapters/channels/wechat/index.ts';
import { applyChannelNotice } from '../../app/orders.ts';
import type {
  AlipayCredentials,
  MerchantCredentials,
  WechatCredentials,
} from '../../domain/channel/merchants.ts';
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
  /** The merchant whose credentials verified the notification: recorded with a payment, a refund's route. */
  merchantId: string,
): Promise<unknown> {
  const where = {
    channel: n.channel,
    orderId: n.merchantOrderNo,
    channelTxnId: n.channelTxnId,
    refundNo: n.refundNo,
  };
  try {
    const outcome = await applyChannelNotice(ctx.deps, hospitalId, { ...toChannelNotice(n), merchantId });
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

type WechatConfig = Parameters<typeof verifyWechatNotification>[1];
type AlipayConfig = Parameters<typeof verifyAlipayNotification>[1];

/** How a notification to a hospital's WeChat merchant (channel management) is verified. */
const wechatConfigOf = (w: WechatCredentials): WechatConfig => ({
  mchId: w.mchId,
  apiV3Key: w.apiV3Key,
  platformKeys: wechatPlatformKeys(w.platformKeys),
  ...(w.appId ? { appIds: [w.appId] } : {}),
});

/** How a notification to a hospital's Alipay app (channel management) is verified. */
const alipayConfigOf = (a: AlipayCredentials): AlipayConfig => ({
  appId: a.appId,
  alipayPublicKey: a.alipayPublicKey,
  ...(a.pid ? { sellerId: a.pid } : {}),
});

async function wechatCallback(
  ctx: ServerContext,
  req: FastifyRequest,
  reply: FastifyReply,
  hospitalId: string,
  config: WechatConfig,
): Promise<unknown> {
  const result = verifyWechatNotification({ headers: req.headers, body: rawBody(req) }, config, ctx.now());
  if (!result.ok) {
    req.log.warn(
      { channel: 'wechat', hospitalId, code: result.code, ip: req.ip },
      'channel notification refused (forged or malformed)',
    );
    const r = wechatCallbackReply(result);
    return reply.code(r.status).send(r.body);
  }
  const failed = await process(
    ctx,
    req,
    hospitalId,
    result.notification,
    (status, code) => wechatFailureReply(status, code),
    reply,
    config.mchId,
  );
  if (failed) {
    const f = failed as ReturnType<typeof wechatFailureReply>;
    return reply.code(f.status).send(f.body);
  }
  return reply.code(204).send();
}

async function alipayCallback(
  ctx: ServerContext,
  req: FastifyRequest,
  reply: FastifyReply,
  hospitalId: string,
  config: AlipayConfig,
): Promise<unknown> {
  const result = verifyAlipayNotification(rawBody(req), config);
  if (!result.ok) {
    req.log.warn(
      { channel: 'alipay', hospitalId, code: result.code, ip: req.ip },
      'channel notification refused (forged or malformed)',
    );
    const r = alipayCallbackReply(result);
    return reply.code(r.status).type(r.contentType).send(r.body);
  }
  const failed = await process(
    ctx,
    req,
    hospitalId,
    result.notification,
    () => alipayFailureReply(),
    reply,
    config.appId,
  );
  const r = (failed as ReturnType<typeof alipayFailureReply> | undefined) ?? alipayCallbackReply(result);
  return reply.code(r.status).type(r.contentType).send(r.body);
}

const WECHAT_DESCRIPTION =
  'Verified with the platform certificate (Wechatpay-* headers, SHA256-RSA over the raw body); resource decrypted with AEAD_AES_256_GCM. 204 = accepted (also for duplicates); 4xx/5xx {code:"FAIL"} makes WeChat retry.';
const ALIPAY_DESCRIPTION =
  'application/x-www-form-urlencoded, RSA2 over the sorted decoded parameters, verified with the Alipay public key. Answers the plain text `success` when accepted (also for duplicates); anything else makes Alipay retry.';
const WECHAT_HEADERS_SCHEMA = {
  type: 'object',
  properties: {
    'wechatpay-timestamp': { type: 'string' },
    'wechatpay-nonce': { type: 'string' },
    'wechatpay-signature': { type: 'string' },
    'wechatpay-serial': { type: 'string' },
  },
};
const MERCHANT_PARAMS = {
  type: 'object',
  required: ['hospitalId', 'merchantId'],
  properties: {
    hospitalId: { type: 'string', pattern: '^[A-Za-z0-9_.-]{1,64}$' },
    merchantId: { type: 'string', pattern: '^[A-Za-z0-9_-]{1,32}$' },
  },
};

/** What each channel's callback documents besides its summary. */
const CALLBACK_DOCS = {
  wechat: { description: WECHAT_DESCRIPTION, headers: WECHAT_HEADERS_SCHEMA },
  alipay: { description: ALIPAY_DESCRIPTION },
};

/** A callback route's options: the raw body up to the callback limit, documented under `callbacks`. */
function callbackOptions(
  channel: keyof typeof CALLBACK_DOCS,
  summary: string,
  params?: typeof MERCHANT_PARAMS,
) {
  return {
    bodyLimit: MAX_CALLBACK_BODY_BYTES,
    schema: { tags: ['callbacks'], summary, ...CALLBACK_DOCS[channel], ...(params ? { params } : {}) },
  };
}

export function callbackRoutes(app: App, ctx: ServerContext): void {
  // These routes read the body as raw bytes, whatever the channel sends.
  app.removeAllContentTypeParsers();
  app.addContentTypeParser(
    ['application/json', 'application/x-www-form-urlencoded', 'text/plain'],
    { parseAs: 'buffer', bodyLimit: MAX_CALLBACK_BODY_BYTES },
    (_req, body, done) => done(null, body),
  );

  // The one hospital configured from the environment (WECHAT_* / ALIPAY_*), as before channel management.
  app.post(
    '/v1/callbacks/wechat',
    callbackOptions(
      'wechat',
      'WeChat Pay API v3 payment / refund notification (the environment-configured merchant)',
    ),
    async (req, reply) => {
      const cfg = ctx.options.callbacks?.wechat;
      if (!cfg) throw new ApiError('ROUTE_NOT_FOUND', { reason: 'WeChat Pay is not configured' });
      return wechatCallback(ctx, req, reply, cfg.hospitalId, cfg.config);
    },
  );

  app.post(
    '/v1/callbacks/alipay',
    callbackOptions('alipay', 'Alipay asynchronous notification (the environment-configured app)'),
    async (req, reply) => {
      const cfg = ctx.options.callbacks?.alipay;
      if (!cfg) throw new ApiError('ROUTE_NOT_FOUND', { reason: 'Alipay is not configured' });
      return alipayCallback(ctx, req, reply, cfg.hospitalId, cfg.config);
    },
  );

  // Every hospital's merchants from channel management: the notify_url names the hospital and the merchant;
  // the merchant's credentials (of that channel) verify the notification.
  const merchantRoute = <K extends MerchantCredentials['channel']>(
    channel: K,
    summary: string,
    answer: (
      credentials: Extract<MerchantCredentials, { channel: K }>,
      req: FastifyRequest,
      reply: FastifyReply,
      hospitalId: string,
    ) => Promise<unknown>,
  ) =>
    app.post<{ Params: { hospitalId: string; merchantId: string } }>(
      `/v1/callbacks/${channel}/:hospitalId/:merchantId`,
      callbackOptions(channel, summary, MERCHANT_PARAMS),
      async (req, reply) => {
        const { hospitalId, merchantId } = req.params;
        const c = await ctx.options.merchants?.gateways.credentials(hospitalId, channel, merchantId);
        if (!c)
          throw new ApiError('ROUTE_NOT_FOUND', {
            reason: `no ${channel} merchant ${merchantId} for ${hospitalId}`,
          });
        if (c.channel !== channel) throw new ApiError('ROUTE_NOT_FOUND');
        return answer(c as Extract<MerchantCredentials, { channel: K }>, req, reply, hospitalId);
      },
    );

  merchantRoute(
    'wechat',
    'WeChat Pay API v3 notification for a hospital’s merchant (channel management)',
    (c, req, reply, hospitalId) => wechatCallback(ctx, req, reply, hospitalId, wechatConfigOf(c.wechat)),
  );

  merchantRoute(
    'alipay',
    'Alipay asynchronous notification for a hospital’s app (channel management)',
    (c, req, reply, hospitalId) => alipayCallback(ctx, req, reply, hospitalId, alipayConfigOf(c.alipay)),
  );
}
