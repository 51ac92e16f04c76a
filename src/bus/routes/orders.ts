// Order commands and the single-order query. Each command route: schema → command → use case → answer.
import { type Static, type TSchema, Type } from 'typebox';
import * as Id from '../../domain/ids.ts';
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
import { type CommandRouteSpec, commandRoute } from '../command-route.ts';
import type { OrderOutcome } from '../../app/orders.ts';
import type { Access } from '../principal.ts';
import type { HandleResult } from '../../domain/command-handler.ts';
import { writeBackPayment } from '../../app/his-writeback.ts';
import { loadOrder } from '../../app/load.ts';
import { patientIdFor, requireOrderReadable } from '../grants.ts';
import {
  AttemptOutcomeBody,
  CancelBody,
  CommandResultSchema,
  ConfirmAttemptBody,
  CreateOrderBody,
  IdentityBody,
  OrderParams,
  PaymentAttemptBody,
  RecordPaymentBody,
  RefundBody,
  RefundParams,
  RefundResultBody,
} from '../schemas.ts';
import type { App, ServerContext } from '../server.ts';
import { routes } from '../route.ts';

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
        departmentId: Id.RefId(b.departmentId),
        doctorId: Id.RefId(b.doctorId),
        slotId: Id.RefId(b.slotId),
        visitDate: b.visitDate,
      };
    case 'outpatient':
      return {
        kind: 'outpatient',
        visitId: Id.RefId(b.visitId),
        chargeItems: b.chargeItems.map((i) => ({
          hisItemId: Id.RefId(i.hisItemId),
          name: i.name,
          amount: Money.parse(i.amount),
        })),
      };
    case 'deposit':
      return { kind: 'deposit', admissionId: Id.AdmissionId(b.admissionId) };
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

/** The order command routes: each a schema, the command it stands for, and the order use case. */
function orderRoute<P extends TSchema, B extends TSchema>(
  app: App,
  ctx: ServerContext,
  path: string,
  spec: Omit<CommandRouteSpec<P, B, OrderCommand, OrderOutcome>, 'run' | 'answer' | 'response' | 'access'> & {
    access?: Access;
  },
): void {
  commandRoute(app, ctx, path, {
    access: 'money',
    ...spec,
    response: CommandResultSchema,
    run: runOrder,
    answer: commandAnswer,
  });
}

export function orderRoutes(app: App, ctx: ServerContext): void {
  const hisApi = routes(app, ['his']);
  const ordersApi = routes(app, ['orders']);
  const { deps } = ctx;

  orderRoute(app, ctx, '/v1/orders', {
    tags: ['orders'],
    summary: 'Create an order: a registration (same-day or booked), an outpatient charge or a deposit top-up',
    body: CreateOrderBody,
    status: 201,
    admission: (b) => ({ businessType: b.business.kind, patientId: b.patientId }),
    // Creating an order that already exists with these very data is the domain's ORDER_ALREADY_EXISTS.
    command: ({ body: b, base }) => ({
      ...base,
      type: 'CreateOrder',
      orderId: Id.OrderId(b.orderId),
      patientId: Id.PatientId(b.patientId),
      amount: Money.parse(b.amount),
      business: business(b.business),
    }),
  });

  orderRoute(app, ctx, '/v1/orders/:orderId/payment-attempts', {
    tags: ['orders'],
    summary: 'Start a payment attempt (QR code shown, POS prompted)',
    params: OrderParams,
    body: PaymentAttemptBody,
    command: ({ params, body, base }) => ({
      ...base,
      type: 'RequestPayment',
      orderId: Id.OrderId(params.orderId),
      attemptId: Id.AttemptId(body.attemptId),
      channel: Id.Channel(body.channel),
    }),
  });

  orderRoute(app, ctx, '/v1/orders/:orderId/payment-attempts/:attemptId/outcome', {
    tags: ['orders'],
    summary: 'Report that an attempt failed, or that its outcome is unknown (kiosk timed out)',
    params: Type.Object({
      orderId: OrderParams.properties.orderId,
      attemptId: OrderParams.properties.orderId,
    }),
    body: AttemptOutcomeBody,
    command: ({ params, body, base }) => {
      const attempt = {
        ...base,
        orderId: Id.OrderId(params.orderId),
        attemptId: Id.AttemptId(params.attemptId),
        channel: Id.Channel(body.channel),
      };
      return body.outcome === 'failed'
        ? { ...attempt, type: 'RecordPaymentFailure', reason: body.reason ?? 'failed' }
        : { ...attempt, type: 'MarkPaymentUnknown' };
    },
  });

  orderRoute(app, ctx, '/v1/orders/:orderId/payments', {
    tags: ['orders'],
    summary: 'Record a payment result from a kiosk, POS or window',
    description:
      'The same channel transaction again is a no-op. After a payment the platform writes it back to the HIS (a reaction: the answer never waits for it; see `his` in GET /v1/orders/{orderId}).',
    params: OrderParams,
    body: RecordPaymentBody,
    command: ({ params, body: b, base }) => ({
      ...base,
      type: 'RecordPayment',
      orderId: Id.OrderId(params.orderId),
      channel: Id.Channel(b.channel),
      channelTxnId: Id.ChannelTxnId(b.channelTxnId),
      amount: Money.parse(b.amount),
      payerRef: Id.MaskedRef(b.payerRef),
      attemptId: b.attemptId === undefined ? null : Id.AttemptId(b.attemptId),
    }),
  });

  orderRoute(app, ctx, '/v1/orders/:orderId/cancel', {
    tags: ['orders'],
    summary: 'Cancel an order; a paid registration is cancelled with a full refund of its fee',
    params: OrderParams,
    body: CancelBody,
    command: ({ params, body, base }) => ({
      ...base,
      type: 'CancelOrder',
      orderId: Id.OrderId(params.orderId),
      reason: body.reason,
      refundId: body.refundId === undefined ? null : Id.RefundId(body.refundId),
    }),
  });

  orderRoute(app, ctx, '/v1/orders/:orderId/refunds', {
    access: 'refund',
    tags: ['refunds'],
    summary:
      'Request a refund (full or partial, back to the original payment), with the identity check the channel did',
    params: OrderParams,
    body: RefundBody,
    status: 201,
    admission: () => ({ businessType: 'refund' }),
    command: ({ params, body: b, base }) => ({
      ...base,
      type: 'RequestRefund',
      orderId: Id.OrderId(params.orderId),
      refundId: Id.RefundId(b.refundId),
      amount: Money.parse(b.amount),
      channelTxnId: b.channelTxnId === undefined ? null : Id.ChannelTxnId(b.channelTxnId),
      reason: b.reason,
      ...(b.identity ? { identity: b.identity } : {}),
    }),
  });

  orderRoute(app, ctx, '/v1/orders/:orderId/refunds/:refundId/result', {
    access: 'refund',
    tags: ['refunds'],
    summary:
      'Record the outcome of a refund done at a POS or window (channel callbacks record theirs themselves)',
    params: RefundParams,
    body: RefundResultBody,
    admission: () => ({ businessType: 'refund' }),
    command: ({ params, body: b, base }) => {
      const refund = { ...base, orderId: Id.OrderId(params.orderId), refundId: Id.RefundId(params.refundId) };
      if (b.outcome !== 'succeeded')
        return { ...refund, type: 'RecordRefundFailure', reason: b.reason ?? 'failed' };
      if (b.channelRefundId === undefined)
        throw reject('INVALID_COMMAND', {
          field: 'channelRefundId',
          reason: 'required when the refund succeeded',
        });
      return {
        ...refund,
        type: 'RecordRefundSuccess',
        channelRefundId: Id.RefId(b.channelRefundId),
        ...(b.identity ? { identity: b.identity } : {}),
      };
    },
  });

  orderRoute(app, ctx, '/v1/orders/:orderId/payment-attempts/:attemptId/confirmation', {
    tags: ['orders'],
    summary:
      'Resolve an attempt whose outcome was unknown as paid (the channel, queried, says it was): the money is recorded once',
    params: Type.Object({
      orderId: OrderParams.properties.orderId,
      attemptId: OrderParams.properties.orderId,
    }),
    body: ConfirmAttemptBody,
    command: ({ params, body, base }) => ({
      ...base,
      type: 'ConfirmPayment',
      orderId: Id.OrderId(params.orderId),
      attemptId: Id.AttemptId(params.attemptId),
      channelTxnId: Id.ChannelTxnId(body.channelTxnId),
      amount: Money.parse(body.amount),
      payerRef: Id.MaskedRef(body.payerRef),
    }),
  });

  orderRoute(app, ctx, '/v1/orders/:orderId/refunds/:refundId/identity', {
    access: 'refund',
    tags: ['refunds'],
    summary: "Record that the patient's identity was checked for a refund (at the window, by the app)",
    params: RefundParams,
    body: IdentityBody,
    admission: () => ({ businessType: 'refund' }),
    command: ({ params, body, base }) => ({
      ...base,
      type: 'VerifyRefundIdentity',
      orderId: Id.OrderId(params.orderId),
      refundId: Id.RefundId(params.refundId),
      method: body.method,
      verifiedBy: body.verifiedBy,
    }),
  });

  hisApi.post(
    '/v1/orders/:orderId/his-writeback',
    'supervise',
    'Write a paid order back to the HIS now (finance supervisor)',
    {
      params: OrderParams,
      200: Type.Object({ outcome: Type.String(), order: Type.Object({}, { additionalProperties: true }) }),
    },
    async (c, req) => {
      if (!deps.his)
        return { outcome: 'his-not-configured', order: await readOrder(c.hospitalId, req.params.orderId) };
      const outcome = await writeBackPayment({ ...deps, his: deps.his }, c.hospitalId, req.params.orderId);
      return { outcome, order: await readOrder(c.hospitalId, req.params.orderId) };
    },
  );

  const readOrder = async (hospitalId: string, orderId: string) => {
    const { state, version } = await loadOrder(deps.store, hospitalId, Id.OrderId(orderId));
    if (state.status === 'none') throw reject('ORDER_NOT_FOUND', { orderId });
    return orderDetail(state, version);
  };

  ordersApi.get(
    '/v1/orders/:orderId',
    'read',
    'An order with its payment, surplus payments and refunds (folded from its stream: always current)',
    { params: OrderParams, 200: Type.Object({}, { additionalProperties: true }) },
    async (c, req) => {
      const { state, version, events } = await loadOrder(
        deps.store,
        c.hospitalId,
        Id.OrderId(req.params.orderId),
      );
      if (state.status === 'none') throw reject('ORDER_NOT_FOUND', { orderId: req.params.orderId });
      requireOrderReadable(c, req.params.orderId, events);
      const detail = orderDetail(state, version);
      return { ...detail, patientId: patientIdFor(c.principal, detail.patientId) };
    },
  );
}
