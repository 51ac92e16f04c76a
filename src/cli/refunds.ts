// `ledger refunds …`: refunds that choose their route (原路退回) as a finance user — preview the legs, plan the
// refund (legs by the original route then run in the worker), show where each leg is, approve a fallback leg.
import { createLogger } from '../adapters/log.ts';
import type { AppPorts } from '../app/ports.ts';
import {
  approveRefundLeg,
  loadRefundPlan,
  planRefundRoute,
  previewRefundPlan,
  type RefundPlanRequest,
} from '../app/refunds.ts';
import { Money } from '../domain/money.ts';
import type { IdentityMethod } from '../domain/order/index.ts';
import type { RefundPlanState } from '../domain/refund/index.ts';
import { refuse } from '../domain/refund/refusals.ts';
import { type FinanceSub, financeGroup, financeOut, FinanceUsage } from './finance.ts';
import type { CliIo } from './main.ts';

type Ctx = Parameters<FinanceSub['run']>[0];

const PLAN_OPTIONS = {
  order: { type: 'string' },
  admission: { type: 'string' },
  amount: { type: 'string' },
  'payee-account': { type: 'string' },
  'closed-route': { type: 'string', multiple: true },
  reason: { type: 'string' },
  'identity-method': { type: 'string' },
} as const;

function appPorts(c: Ctx): AppPorts {
  return {
    store: c.ports.store,
    db: c.ports.db,
    now: () => new Date(),
    logger: createLogger({ level: 'silent' }),
  };
}

function requestOf(c: Ctx, planId: string): RefundPlanRequest {
  const v = c.values;
  const order = typeof v.order === 'string' ? v.order : undefined;
  const admission = typeof v.admission === 'string' ? v.admission : undefined;
  if ((order === undefined) === (admission === undefined))
    throw new FinanceUsage('one of --order ID or --admission ID');
  if (typeof v.amount !== 'string' || !/^(0|[1-9][0-9]{0,14})(\.[0-9]{1,2})?$/.test(v.amount))
    throw new FinanceUsage('--amount YUAN (e.g. 120.50) is required');
  const by = c.actor.userId;
  const payee = typeof v['payee-account'] === 'string' ? v['payee-account'] : undefined;
  return {
    hospitalId: c.actor.hospitalId,
    planId,
    target:
      order !== undefined ? { kind: 'order', orderId: order } : { kind: 'deposit', admissionId: admission! },
    amount: Money.parse(v.amount),
    reason: typeof v.reason === 'string' ? v.reason : '',
    identity: {
      method: (typeof v['identity-method'] === 'string' ? v['identity-method'] : 'id-card') as IdentityMethod,
      verifiedBy: by,
    },
    payeeAccount: payee ? { accountRef: payee, verifiedBy: by } : null,
    closedRoutes: Array.isArray(v['closed-route']) ? v['closed-route'] : [],
  };
}

function planText(s: RefundPlanState): string {
  const legs = s.legs.map(
    (l) =>
      `  ${l.legNo}. ${l.orderId} ${l.channel} ${l.amount} ${l.route}${l.closedBecause ? ` (${l.closedBecause})` : ''}: ${l.status}${l.approvedBy ? ` · approved by ${l.approvedBy}` : ''}${l.detail ? ` · ${l.detail}` : ''}\n`,
  );
  return `${s.planId} ${s.amount}: ${s.status} (planned by ${s.plannedBy})\n${legs.join('')}`;
}

function onePlanId(args: string[]): string {
  if (args.length !== 1 || !/^[A-Za-z0-9_-]{1,48}$/.test(args[0]!)) throw new FinanceUsage('one plan id');
  return args[0]!;
}

const SUBS: Record<string, FinanceSub> = {
  preview: {
    usage:
      'ledger refunds preview (--order ID | --admission ID) --amount YUAN [--payee-account REF] [--closed-route TXN …]',
    needs: 'work',
    options: PLAN_OPTIONS,
    run: async (c) => {
      const legs = await previewRefundPlan(appPorts(c), requestOf(c, 'preview'));
      const view = legs.map((l) => ({ ...l, amount: l.amount.toString() }));
      return financeOut(c.io, c.values, { legs: view }, () =>
        view
          .map(
            (l) =>
              `${l.legNo}. ${l.orderId} ${l.channel} ${l.amount} ${l.route}${l.needsApproval ? ' (needs approval)' : ''}\n`,
          )
          .join(''),
      );
    },
  },
  plan: {
    usage:
      'ledger refunds plan PLAN_ID (--order ID | --admission ID) --amount YUAN --reason TEXT [--identity-method M] [--payee-account REF] [--closed-route TXN …]',
    needs: 'work',
    options: PLAN_OPTIONS,
    run: async (c) => {
      const request = requestOf(c, onePlanId(c.args));
      if (request.reason === '') throw new FinanceUsage('--reason TEXT is required');
      const r = await planRefundRoute(appPorts(c), request, { actor: { kind: 'staff', id: c.actor.userId } });
      return financeOut(c.io, c.values, r.state, () => planText(r.state));
    },
  },
  show: {
    usage: 'ledger refunds show PLAN_ID',
    needs: 'read',
    run: async (c) => {
      const planId = onePlanId(c.args);
      const s = await loadRefundPlan(c.ports, c.actor.hospitalId, planId);
      if (s.status === 'none') throw refuse('REFUND_PLAN_NOT_FOUND', { planId });
      return financeOut(c.io, c.values, s, () => planText(s));
    },
  },
  approve: {
    usage: 'ledger refunds approve PLAN_ID LEG_NO',
    needs: 'check',
    run: async (c) => {
      if (c.args.length !== 2 || !/^[1-9][0-9]{0,3}$/.test(c.args[1]!))
        throw new FinanceUsage('PLAN_ID LEG_NO');
      const planId = onePlanId([c.args[0]!]);
      const r = await approveRefundLeg(
        appPorts(c),
        c.actor.hospitalId,
        planId,
        Number(c.args[1]),
        c.actor.role,
        {
          actor: { kind: 'staff', id: c.actor.userId },
        },
      );
      return financeOut(c.io, c.values, r.state, () => planText(r.state));
    },
  },
};

export function refundsCommand(argv: string[], io: CliIo): Promise<number> {
  return financeGroup('refunds', 'refunds that choose their route (原路退回)', SUBS, argv, io, {});
}
