// Inpatient pre-deposit: top up (a deposit order, credited to the admission when paid), discharge settlement,
// remainder refund, balance (folded from the deposit stream: always current) and statement (the journal read
// model: eventually consistent).
import { type TSchema, Type } from 'typebox';
import type { HandleResult } from '../../domain/command-handler.ts';
import type { DepositEvent, DepositState } from '../../domain/deposit/index.ts';
import { AdmissionId, OrderId, PatientId, RefId, RefundId } from '../../domain/ids.ts';
import { Money } from '../../domain/money.ts';
import { reject } from '../../domain/rejection.ts';
import { runDeposit, runOrder } from '../dispatch.ts';
import { type CommandRouteSpec, commandRoute } from '../command-route.ts';
import type { DepositOutcome } from '../../app/deposits.ts';
import type { OrderCommand } from '../../domain/order/index.ts';
import type { DepositCommand } from '../../domain/deposit/index.ts';
import { loadDeposit } from '../../app/load.ts';
import { requireDepositReadable, requireHospitalRead } from '../grants.ts';
import {
  AdmissionParams,
  CommandResultSchema,
  DepositResultSchema,
  DischargeBody,
  PageQuery,
  RemainderRefundBody,
  TopUpBody,
} from '../schemas.ts';
import type { App, ServerContext } from '../server.ts';
import { commandAnswer } from './orders.ts';
import { depositStatement, JOURNAL } from '../../projections/queries.ts';
import { pageLimit, readModelFreshness } from './queries.ts';
import { routes } from '../route.ts';

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
  const api = routes(app, ['deposits']);
  const { deps } = ctx;

  commandRoute(app, ctx, '/v1/deposits/:admissionId/top-ups', {
    access: 'money',
    tags: ['deposits'],
    summary: 'Top up an inpatient deposit: creates a deposit order; paying it credits the admission',
    params: AdmissionParams,
    body: TopUpBody,
    status: 201,
    response: CommandResultSchema,
    admission: (b) => ({ businessType: 'deposit', patientId: b.patientId }),
    command: ({ params, body, base }): OrderCommand => ({
      ...base,
      type: 'CreateOrder',
      orderId: OrderId(body.orderId),
      patientId: PatientId(body.patientId),
      amount: Money.parse(body.amount),
      business: { kind: 'deposit', admissionId: AdmissionId(params.admissionId) },
    }),
    run: runOrder,
    answer: commandAnswer,
  });

  const depositRoute = <B extends TSchema>(
    path: string,
    spec: Omit<
      CommandRouteSpec<typeof AdmissionParams, B, DepositCommand, DepositOutcome>,
      'run' | 'answer' | 'response' | 'params' | 'tags' | 'status'
    >,
  ) =>
    commandRoute(app, ctx, path, {
      ...spec,
      tags: ['deposits'],
      params: AdmissionParams,
      status: 201,
      response: DepositResultSchema,
      run: runDeposit,
      answer: (result, { params }) => depositAnswer(params.admissionId, result),
    });

  depositRoute('/v1/deposits/:admissionId/discharge', {
    access: 'money',
    summary:
      "Discharge settlement (出院结算): apply the stay's charges against the deposit, once per admission",
    body: DischargeBody,
    admission: () => ({ businessType: 'deposit' }),
    command: ({ params, body, base }) => ({
      ...base,
      type: 'ApplyDepositAtDischarge',
      admissionId: AdmissionId(params.admissionId),
      settlementId: RefId(body.settlementId),
      amount: Money.parse(body.amount),
    }),
  });

  depositRoute('/v1/deposits/:admissionId/remainder-refunds', {
    access: 'refund',
    summary:
      "Refund (part of) what is left after discharge to the channel and account of one top-up; the patient's identity must have been checked",
    body: RemainderRefundBody,
    admission: () => ({ businessType: 'refund' }),
    command: ({ params, body: b, base }) => ({
      ...base,
      type: 'RefundDepositRemainder',
      admissionId: AdmissionId(params.admissionId),
      refundId: RefundId(b.refundId),
      topUpOrderId: OrderId(b.topUpOrderId),
      amount: Money.parse(b.amount),
      identity: b.identity ?? null,
    }),
  });

  api.get(
    '/v1/deposits/:admissionId',
    'read',
    'Deposit balance of an admission (folded from its stream: always current)',
    {
      params: AdmissionParams,
      200: Type.Object({}, { additionalProperties: true }),
    },
    async (c, req) => {
      const admissionId = AdmissionId(req.params.admissionId);
      const { state: s, version, events } = await loadDeposit(deps.store, c.hospitalId, admissionId);
      if (!s.exists) throw reject('DEPOSIT_NOT_FOUND', { admissionId });
      await requireDepositReadable(c, deps.store, admissionId, { events, topUpOrderIds: s.topUps.keys() });
      return { ...depositView(admissionId, s), version };
    },
  );

  api.get(
    '/v1/deposits/:admissionId/statement',
    'read',
    'Deposit statement: every ledger line of the admission deposit account (read model: eventually consistent)',
    {
      params: AdmissionParams,
      querystring: PageQuery,
      200: Type.Object({}, { additionalProperties: true }),
    },
    async (c, req) => {
      requireHospitalRead(c.principal);
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
