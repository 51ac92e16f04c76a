// Inpatient pre-deposit: top up (a deposit order, credited to the admission when paid), discharge settlement,
// remainder refund, balance (folded from the deposit stream: always current) and statement (the journal read
// model: eventually consistent).
import { Type } from 'typebox';
import { fold, streamOf } from '../../domain/decider.ts';
import type { HandleResult } from '../../domain/command-handler.ts';
import { depositDecider, type DepositEvent, type DepositState } from '../../domain/deposit/index.ts';
import { AdmissionId, OrderId, PatientId, RefId, RefundId } from '../../domain/ids.ts';
import { Money } from '../../domain/money.ts';
import { orderDecider } from '../../domain/order/index.ts';
import { reject } from '../../domain/rejection.ts';
import { execute } from '../dispatch.ts';
import {
  AdmissionParams,
  CommandResultSchema,
  DepositResultSchema,
  DischargeBody,
  errorResponses,
  IdempotencyHeaders,
  PageQuery,
  RemainderRefundBody,
  TopUpBody,
} from '../schemas.ts';
import { type App, markReplay, requestContext, type ServerContext } from '../server.ts';
import { commandAnswer } from './orders.ts';
import { depositStatement, JOURNAL } from '../../projections/queries.ts';
import { pageLimit, readModelFreshness } from './queries.ts';

/** What the bus answers about a deposit account. */
function depositView(admissionId: string, s: DepositState) {
  return {
    admissionId,
    patientId: s.patientId,
    balance: s.balance.toString(),
    toppedUp: Money.sum([...s.topUps.values()].map((t) => t.amount)).toString(),
    applied: s.applied.toString(),
    refunded: Money.sum([...s.refunds.values()].map((r) => r.amount)).toString(),
    settled: s.settled,
    topUps: [...s.topUps.values()].map((t) => ({
      orderId: t.orderId,
      channel: t.channel,
      channelTxnId: t.channelTxnId,
      amount: t.amount.toString(),
      refunded: t.refunded.toString(),
    })),
  };
}

function depositAnswer(admissionId: string, result: HandleResult<DepositEvent, DepositState>) {
  return {
    deposit: depositView(admissionId, result.state),
    version: result.version,
    events: result.events.map((e) => e.type),
  };
}

export function depositRoutes(app: App, ctx: ServerContext): void {
  const { deps } = ctx;

  app.post(
    '/v1/deposits/:admissionId/top-ups',
    {
      config: { access: 'money', idempotent: true },
      schema: {
        tags: ['deposits'],
        summary: 'Top up an inpatient deposit: creates a deposit order; paying it credits the admission',
        headers: IdempotencyHeaders,
        params: AdmissionParams,
        body: TopUpBody,
        response: { ...errorResponses, 201: CommandResultSchema },
      },
    },
    async (req, reply) => {
      const c = requestContext(req);
      const result = await execute(
        deps,
        c.principal,
        orderDecider,
        {
          type: 'CreateOrder',
          hospitalId: c.hospitalId,
          orderId: OrderId(req.body.orderId),
          patientId: PatientId(req.body.patientId),
          amount: Money.parse(req.body.amount),
          business: { kind: 'deposit', admissionId: AdmissionId(req.params.admissionId) },
          at: deps.now(),
          actor: c.actor,
        },
        c.exec({ businessType: 'deposit', patientId: req.body.patientId }),
      );
      markReplay(reply, result.duplicate);
      return reply.code(201).send(commandAnswer(result));
    },
  );

  app.post(
    '/v1/deposits/:admissionId/discharge',
    {
      config: { access: 'money', idempotent: true },
      schema: {
        tags: ['deposits'],
        summary:
          "Discharge settlement (出院结算): apply the stay's charges against the deposit, once per admission",
        headers: IdempotencyHeaders,
        params: AdmissionParams,
        body: DischargeBody,
        response: { ...errorResponses, 201: DepositResultSchema },
      },
    },
    async (req, reply) => {
      const c = requestContext(req);
      const result = await execute(
        deps,
        c.principal,
        depositDecider,
        {
          type: 'ApplyDepositAtDischarge',
          hospitalId: c.hospitalId,
          admissionId: AdmissionId(req.params.admissionId),
          settlementId: RefId(req.body.settlementId),
          amount: Money.parse(req.body.amount),
          at: deps.now(),
          actor: c.actor,
        },
        c.exec({ businessType: 'deposit' }),
      );
      markReplay(reply, result.duplicate);
      return reply.code(201).send(depositAnswer(req.params.admissionId, result));
    },
  );

  app.post(
    '/v1/deposits/:admissionId/remainder-refunds',
    {
      config: { access: 'refund', idempotent: true },
      schema: {
        tags: ['deposits'],
        summary:
          "Refund (part of) what is left after discharge to the channel and account of one top-up; the patient's identity must have been checked",
        headers: IdempotencyHeaders,
        params: AdmissionParams,
        body: RemainderRefundBody,
        response: { ...errorResponses, 201: DepositResultSchema },
      },
    },
    async (req, reply) => {
      const c = requestContext(req);
      const b = req.body;
      const result = await execute(
        deps,
        c.principal,
        depositDecider,
        {
          type: 'RefundDepositRemainder',
          hospitalId: c.hospitalId,
          admissionId: AdmissionId(req.params.admissionId),
          refundId: RefundId(b.refundId),
          topUpOrderId: OrderId(b.topUpOrderId),
          amount: Money.parse(b.amount),
          identity: b.identity ?? null,
          at: deps.now(),
          actor: c.actor,
        },
        c.exec({ businessType: 'refund' }),
      );
      markReplay(reply, result.duplicate);
      return reply.code(201).send(depositAnswer(req.params.admissionId, result));
    },
  );

  app.get(
    '/v1/deposits/:admissionId',
    {
      config: { access: 'read' },
      schema: {
        tags: ['deposits'],
        summary: 'Deposit balance of an admission (folded from its stream: always current)',
        params: AdmissionParams,
        response: { ...errorResponses, 200: Type.Object({}, { additionalProperties: true }) },
      },
    },
    async (req) => {
      const c = requestContext(req);
      const admissionId = AdmissionId(req.params.admissionId);
      const stream = streamOf(depositDecider, {
        type: 'TopUpDeposit',
        hospitalId: c.hospitalId,
        admissionId,
      } as never);
      const read = await deps.store.readStream(stream);
      const s = fold(depositDecider, read.events as unknown as DepositEvent[]);
      if (!s.exists) throw reject('DEPOSIT_NOT_FOUND', { admissionId });
      return { ...depositView(admissionId, s), version: read.version };
    },
  );

  app.get(
    '/v1/deposits/:admissionId/statement',
    {
      config: { access: 'read' },
      schema: {
        tags: ['deposits'],
        summary:
          'Deposit statement: every ledger line of the admission deposit account (read model: eventually consistent)',
        params: AdmissionParams,
        querystring: PageQuery,
        response: { ...errorResponses, 200: Type.Object({}, { additionalProperties: true }) },
      },
    },
    async (req) => {
      const c = requestContext(req);
      const { account, lines } = await depositStatement(ctx.options.database.db, {
        hospitalId: c.hospitalId,
        admissionId: AdmissionId(req.params.admissionId),
        limit: pageLimit(req.query.limit),
      });
      return {
        account,
        lines: lines.map((l) => ({
          ...l,
          position: l.position.toString(),
          amount: l.amount.toString(),
          balanceAfter: l.balanceAfter.toString(),
          occurredAt: l.occurredAt.toISOString(),
        })),
        ...(await readModelFreshness(ctx, JOURNAL.schema)),
      };
    },
  );
}
