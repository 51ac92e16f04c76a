// Paying through the platform (统一支付接口): one route for every channel and method, one answer shape.
// POST /v1/payments {orderId, attemptId, method: qr | code | in_app, …} → the attempt as it stands (the QR code
// to show, the page's JSAPI parameters, or the outcome of a payment code); GET /v1/payments/:orderId → the
// order's latest attempt. The use case is app/payments.ts; nothing about business is here.
import { type Static, type TSchema, Type } from 'typebox';
import { intradaySummary } from '../../app/intraday-checks.ts';
import { type PaymentAnswer, paymentOf, takePayment } from '../../app/payments.ts';
import { loadOrder } from '../../app/load.ts';
import { OrderId } from '../../domain/ids.ts';
import { refusePayment } from '../../domain/payment/refusals.ts';
import { type CommandBaseOf, commandRoute } from '../command-route.ts';
import { contextOf } from '../dispatch.ts';
import { requireOrderReadable } from '../grants.ts';
import { Id, OrderParams } from '../schemas.ts';
import type { App, ServerContext } from '../server.ts';
import { routes } from '../route.ts';

const PaymentBody = Type.Object(
  {
    orderId: Id('Order number (also the merchant order number at the channel)'),
    attemptId: Id("The client's id of this attempt: the same id again answers the same attempt"),
    method: Type.Union([Type.Literal('qr'), Type.Literal('code'), Type.Literal('in_app')], {
      description:
        'qr: a QR code the patient scans; code: the payment code the device scanned; in_app: JSAPI / Alipay create',
    }),
    channel: Type.Optional(
      Type.Union([Type.Literal('wechat'), Type.Literal('alipay')], {
        description: 'Absent: chosen by channel management (a payment code names its own channel)',
      }),
    ),
    authCode: Type.Optional(Type.String({ pattern: '^[0-9]{16,24}$', description: 'method code: 付款码' })),
    payer: Type.Optional(
      Type.String({
        pattern: '^[A-Za-z0-9_-]{1,128}$',
        description: 'method in_app: WeChat openid / Alipay buyer id',
      }),
    ),
    expiresInSeconds: Type.Optional(Type.Integer({ minimum: 60, maximum: 1800 })),
    description: Type.Optional(Type.String({ minLength: 1, maxLength: 120 })),
  },
  { additionalProperties: false },
);

const PaymentAnswerSchema = Type.Object(
  {
    orderId: Type.String(),
    attemptId: Type.String(),
    method: Type.String(),
    channel: Type.String(),
    amount: Type.String(),
    status: Type.String({
      description: 'pending | awaiting-password | succeeded | failed | reversed | closed',
    }),
    expiresAt: Type.String(),
    qrCode: Type.Optional(Type.String()),
    inApp: Type.Optional(Type.Record(Type.String(), Type.String())),
    channelTxnId: Type.Optional(Type.String()),
    settledVia: Type.Optional(Type.String()),
    reason: Type.Optional(Type.String()),
  },
  { additionalProperties: false },
);

type Body = Static<typeof PaymentBody>;
type Taken = { answer: PaymentAnswer; duplicate: boolean };

export function paymentRoutes(app: App, ctx: ServerContext): void {
  const api = routes(app, ['payments']);
  commandRoute<TSchema, typeof PaymentBody, { body: Body; base: CommandBaseOf }, Taken>(
    app,
    ctx,
    '/v1/payments',
    {
      access: 'money',
      tags: ['payments'],
      summary: 'Take an order’s payment through WeChat Pay or Alipay: QR code, payment code or in-app',
      body: PaymentBody,
      status: 201,
      response: PaymentAnswerSchema,
      command: ({ body, base }: { body: Body; base: CommandBaseOf }) => ({ body, base }),
      run: (deps, principal, { body, base }, options) =>
        takePayment(
          deps,
          { hospitalId: base.hospitalId, ...body },
          contextOf(principal, base.actor, options),
        ),
      answer: (r) => r.answer,
    },
  );

  api.get(
    '/v1/payments/:orderId',
    'read',
    'The latest payment attempt of an order, as it stands',
    {
      params: OrderParams,
      200: PaymentAnswerSchema,
    },
    async (c, req) => {
      const { events } = await loadOrder(ctx.deps.store, c.hospitalId, OrderId(req.params.orderId));
      requireOrderReadable(c, req.params.orderId, events);
      const answer = await paymentOf(ctx.deps, c.hospitalId, req.params.orderId);
      if (!answer) throw refusePayment('PAYMENT_ATTEMPT_NOT_FOUND', { orderId: req.params.orderId });
      return answer;
    },
  );

  api.get(
    '/v1/intraday-checks/:businessDate',
    'finance-read',
    'What a business day’s payment attempts came to before the bills: by channel, status and how each result became known (answer, callback, query)',
    {
      params: Type.Object({ businessDate: Type.String({ pattern: '^\\d{4}-\\d{2}-\\d{2}$' }) }),
      200: Type.Object({}, { additionalProperties: true }),
    },
    async (c, req) => {
      return intradaySummary(ctx.deps, { hospitalId: c.hospitalId, businessDate: req.params.businessDate });
    },
  );
}
