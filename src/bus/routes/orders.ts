// Order commands and the single-order query. Each route: schema → command → execute() → answer.
import { type Static, Type } from 'typebox';
import {
  AdmissionId,
  AttemptId,
  Channel,
  ChannelTxnId,
  MaskedRef,
  OrderId,
  PatientId,
  RefId,
  RefundId,
} from '../../domain/ids.ts';
import { Money } from '../../domain/money.ts';
import {
  type OrderBusinessInput,
  type OrderCommand,
  type OrderEvent,
  type OrderState,
  orderView,
} from '../../domain/order/index.ts';
import { reject } from '../../domain/rejection.ts';
import { runOrder } from '../dispatch.ts';
import type { HandleResult } from '../../domain/command-handler.ts';
import { writeBackPayment } from '../../app/his-writeback.ts';
import { loadOrder } from '../../app/load.ts';
import {
  AttemptOutcomeBody,
  CancelBody,
  CommandResultSchema,
  CreateOrderBody,
  errorResponses,
  IdempotencyHeaders,
  OrderParams,
  PaymentAttemptBody,
  RecordPaymentBody,
  RefundBody,
  RefundParams,
  RefundResultBody,
} from '../schemas.ts';
import { type App, markReplay, requestContext, type ServerContext } from '../server.ts';

export function commandAnswer(result: HandleResult<OrderEvent, OrderState>) {
  return {
    order: orderView(result.state),
    version: result.version,
    events: result.events.map((e) => e.type),
  };
}

export function business(b: Static<typeof CreateOrderBody>['business']): OrderBusinessInput {
  switch (b.kind) {
    case 'registration':
      return {
        kind: 'registration',
        mode: b.mode,
        departmentId: RefId(b.departmentId),
        doctorId: RefId(b.doctorId),
        slotId: RefId(b.slotId),
        visitDate: b.visitDate,
      };
    case 'outpatient':
      return {
        kind: 'outpatient',
        visitId: RefId(b.visitId),
        chargeItems: b.chargeItems.map((i) => ({
          hisItemId: RefId(i.hisItemId),
          name: i.name,
          amount: Money.parse(i.amount),
        })),
      };
    case 'deposit':
      return { kind: 'deposit', admissionId: AdmissionId(b.admissionId) };
  }
}

/** The order as its stream says now (always consistent), with payments and refunds listed. */
export function orderDetail(state: OrderState, version: number) {
  return {
    ...orderView(state),
    kind: state.kind,
    patientId: state.patientId,
    admissionId: state.admissionId,
    version,
    payment: state.payment ? { ...state.payment, amount: state.payment.amount.toString() } : null,
    surplusPayments: state.duplicates.map((d) => ({ ...d, amount: d.amount.toString() })),
    refunds: [...state.refunds.values()].map((r) => ({
      refundId: r.refundId,
      of: r.of,
      channelTxnId: r.channelTxnId,
      amount: r.amount.toString(),
      status: r.status,
      identityVerified: r.identityVerified,
      channelRefundId: r.channelRefundId,
    })),
    hisAttempts: state.hisAttempts,
    hisLastError: state.hisLastError,
  };
}

const money = { idempotent: true } as const;

export function orderRoutes(app: App, ctx: ServerContext): void {
  const { deps } = ctx;
  const run = (
    req: Parameters<typeof requestContext>[0],
    command: OrderCommand,
    admission?: Parameters<ReturnType<typeof requestContext>['exec']>[0],
  ) => runOrder(deps, requestContext(req).principal, command, requestContext(req).exec(admission));
  const responses = { ...errorResponses, 200: CommandResultSchema, 201: CommandResultSchema };

  app.post(
    '/v1/orders',
    {
      config: { access: 'money', ...money },
      schema: {
        tags: ['orders'],
        summary:
          'Create an order: a registration (same-day or booked), an outpatient charge or a deposit top-up',
        headers: IdempotencyHeaders,
        body: CreateOrderBody,
        response: responses,
      },
    },
    async (req, reply) => {
      const c = requestContext(req);
      const b = req.body;
      const result = await run(
        req,
        {
          type: 'CreateOrder',
          hospitalId: c.hospitalId,
          orderId: OrderId(b.orderId),
          patientId: PatientId(b.patientId),
          amount: Money.parse(b.amount),
          business: business(b.business),
          at: deps.now(),
          actor: c.actor,
        },
        { businessType: b.business.kind, patientId: b.patientId },
      );
      markReplay(reply, result.duplicate);
      // Creating an order that already exists with these very data is the domain's ORDER_ALREADY_EXISTS.
      return reply.code(201).send(commandAnswer(result));
    },
  );

  app.post(
    '/v1/orders/:orderId/payment-attempts',
    {
      config: { access: 'money', ...money },
      schema: {
        tags: ['orders'],
        summary: 'Start a payment attempt (QR code shown, POS prompted)',
        headers: IdempotencyHeaders,
        params: OrderParams,
        body: PaymentAttemptBody,
        response: responses,
      },
    },
    async (req, reply) => {
      const c = requestContext(req);
      const result = await run(
        req,
        {
          type: 'RequestPayment',
          hospitalId: c.hospitalId,
          orderId: OrderId(req.params.orderId),
          attemptId: AttemptId(req.body.attemptId),
          channel: Channel(req.body.channel),
          at: deps.now(),
          actor: c.actor,
        },
        {},
      );
      markReplay(reply, result.duplicate);
      return commandAnswer(result);
    },
  );

  app.post(
    '/v1/orders/:orderId/payment-attempts/:attemptId/outcome',
    {
      config: { access: 'money', ...money },
      schema: {
        tags: ['orders'],
        summary: 'Report that an attempt failed, or that its outcome is unknown (kiosk timed out)',
        headers: IdempotencyHeaders,
        params: Type.Object({
          orderId: OrderParams.properties.orderId,
          attemptId: OrderParams.properties.orderId,
        }),
        body: AttemptOutcomeBody,
        response: responses,
      },
    },
    async (req, reply) => {
      const c = requestContext(req);
      const base = {
        hospitalId: c.hospitalId,
        orderId: OrderId(req.params.orderId),
        attemptId: AttemptId(req.params.attemptId),
        channel: Channel(req.body.channel),
        at: deps.now(),
        actor: c.actor,
      };
      const command: OrderCommand =
        req.body.outcome === 'failed'
          ? { ...base, type: 'RecordPaymentFailure', reason: req.body.reason ?? 'failed' }
          : { ...base, type: 'MarkPaymentUnknown' };
      const result = await run(req, command, {});
      markReplay(reply, result.duplicate);
      return commandAnswer(result);
    },
  );

  app.post(
    '/v1/orders/:orderId/payments',
    {
      config: { access: 'money', ...money },
      schema: {
        tags: ['orders'],
        summary: 'Record a payment result from a kiosk, POS or window',
        description:
          'The same channel transaction again is a no-op. After a payment the platform writes it back to the HIS (the answer waits at most a second for it; see `his` in the answer and GET /v1/orders/{orderId}).',
        headers: IdempotencyHeaders,
        params: OrderParams,
        body: RecordPaymentBody,
        response: responses,
      },
    },
    async (req, reply) => {
      const c = requestContext(req);
      const b = req.body;
      const result = await run(
        req,
        {
          type: 'RecordPayment',
          hospitalId: c.hospitalId,
          orderId: OrderId(req.params.orderId),
          channel: Channel(b.channel),
          channelTxnId: ChannelTxnId(b.channelTxnId),
          amount: Money.parse(b.amount),
          payerRef: MaskedRef(b.payerRef),
          attemptId: b.attemptId === undefined ? null : AttemptId(b.attemptId),
          at: deps.now(),
          actor: c.actor,
        },
        {},
      );
      markReplay(reply, result.duplicate);
      return commandAnswer(result);
    },
  );

  app.post(
    '/v1/orders/:orderId/cancel',
    {
      config: { access: 'money', ...money },
      schema: {
        tags: ['orders'],
        summary: 'Cancel an order; a paid registration is cancelled with a full refund of its fee',
        headers: IdempotencyHeaders,
        params: OrderParams,
        body: CancelBody,
        response: responses,
      },
    },
    async (req, reply) => {
      const c = requestContext(req);
      const result = await run(
        req,
        {
          type: 'CancelOrder',
          hospitalId: c.hospitalId,
          orderId: OrderId(req.params.orderId),
          reason: req.body.reason,
          refundId: req.body.refundId === undefined ? null : RefundId(req.body.refundId),
          at: deps.now(),
          actor: c.actor,
        },
        {},
      );
      markReplay(reply, result.duplicate);
      return commandAnswer(result);
    },
  );

  app.post(
    '/v1/orders/:orderId/refunds',
    {
      config: { access: 'refund', ...money },
      schema: {
        tags: ['refunds'],
        summary:
          'Request a refund (full or partial, back to the original payment), with the identity check the channel did',
        headers: IdempotencyHeaders,
        params: OrderParams,
        body: RefundBody,
        response: responses,
      },
    },
    async (req, reply) => {
      const c = requestContext(req);
      const b = req.body;
      const result = await run(
        req,
        {
          type: 'RequestRefund',
          hospitalId: c.hospitalId,
          orderId: OrderId(req.params.orderId),
          refundId: RefundId(b.refundId),
          amount: Money.parse(b.amount),
          channelTxnId: b.channelTxnId === undefined ? null : ChannelTxnId(b.channelTxnId),
          reason: b.reason,
          ...(b.identity ? { identity: b.identity } : {}),
          at: deps.now(),
          actor: c.actor,
        },
        { businessType: 'refund' },
      );
      markReplay(reply, result.duplicate);
      return reply.code(201).send(commandAnswer(result));
    },
  );

  app.post(
    '/v1/orders/:orderId/refunds/:refundId/result',
    {
      config: { access: 'refund', ...money },
      schema: {
        tags: ['refunds'],
        summary:
          'Record the outcome of a refund done at a POS or window (channel callbacks record theirs themselves)',
        headers: IdempotencyHeaders,
        params: RefundParams,
        body: RefundResultBody,
        response: responses,
      },
    },
    async (req, reply) => {
      const c = requestContext(req);
      const b = req.body;
      const { orderId, refundId } = req.params;
      const base = {
        hospitalId: c.hospitalId,
        orderId: OrderId(orderId),
        refundId: RefundId(refundId),
        at: deps.now(),
        actor: c.actor,
      };
      let command: OrderCommand;
      if (b.outcome === 'succeeded') {
        if (b.channelRefundId === undefined)
          throw reject('INVALID_COMMAND', {
            field: 'channelRefundId',
            reason: 'required when the refund succeeded',
          });
        command = {
          ...base,
          type: 'RecordRefundSuccess',
          channelRefundId: RefId(b.channelRefundId),
          ...(b.identity ? { identity: b.identity } : {}),
        };
      } else command = { ...base, type: 'RecordRefundFailure', reason: b.reason ?? 'failed' };
      const result = await run(req, command, { businessType: 'refund' });
      markReplay(reply, result.duplicate);
      return commandAnswer(result);
    },
  );

  app.post(
    '/v1/orders/:orderId/his-writeback',
    {
      config: { access: 'supervise' },
      schema: {
        tags: ['his'],
        summary: 'Write a paid order back to the HIS now (finance supervisor)',
        params: OrderParams,
        response: {
          ...errorResponses,
          200: Type.Object({
            outcome: Type.String(),
            order: Type.Object({}, { additionalProperties: true }),
          }),
        },
      },
    },
    async (req) => {
      const c = requestContext(req);
      if (!deps.his)
        return { outcome: 'his-not-configured', order: await readOrder(c.hospitalId, req.params.orderId) };
      const outcome = await writeBackPayment({ ...deps, his: deps.his }, c.hospitalId, req.params.orderId);
      return { outcome, order: await readOrder(c.hospitalId, req.params.orderId) };
    },
  );

  const readOrder = async (hospitalId: string, orderId: string) => {
    const { state, version } = await loadOrder(deps.store, hospitalId, OrderId(orderId));
    if (state.status === 'none') throw reject('ORDER_NOT_FOUND', { orderId });
    return orderDetail(state, version);
  };

  app.get(
    '/v1/orders/:orderId',
    {
      config: { access: 'read' },
      schema: {
        tags: ['orders'],
        summary:
          'An order with its payment, surplus payments and refunds (folded from its stream: always current)',
        params: OrderParams,
        response: { ...errorResponses, 200: Type.Object({}, { additionalProperties: true }) },
      },
    },
    async (req) => readOrder(requestContext(req).hospitalId, req.params.orderId),
  );
}
