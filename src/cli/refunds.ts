// `ledger refunds …`: refunds that choose their route (原路退回) as a finance user — preview the legs, plan the
// refund (legs by the original route then run in the worker), show where each leg is, approve a fallback leg.
import { createLogger } from '../adapters/log.ts';
import type { AppPorts } from '../app/ports.ts';
import * as refunds from '../app/refunds.ts';
import { refuse as refuseStaff } from '../domain/reconciliation/refusals.ts';
import { refundPolicyOption } from './channel-wiring.ts';
import { Money } from '../domain/money.ts';
import type { IdentityMethod } from '../domain/order/index.ts';
import { readFile } from 'node:fs/promises';
import { owedOf, type RefundPlanState, type RefundPolicy } from '../domain/refund/index.ts';
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
    // The hospital's own policy, else REFUND_POLICY, else the defaults: as `ledger serve` plans.
    refundPolicy: refunds.refundPolicyReader(c.ports.store, refundPolicyOption(c.io.env).refundPolicy),
  };
}

function policyText(p: { hospitalSet: boolean; policy: RefundPolicy; version: number }): string {
  const windows = Object.entries(p.policy.windowsDays)
    .map(([c, d]) => `${c} ${d} days`)
    .join(', ');
  return `${p.hospitalSet ? `set by the hospital (version ${p.version})` : 'the configured default'}: ${p.policy.order}; priority ${p.policy.channelPriority.join(' > ') || '—'}; windows ${windows || 'none'}; fallbacks ${p.policy.fallbacks.join(', ')}\n`;
}

async function policyAnswer(c: Ctx) {
  const own = await refunds.hospitalRefundPolicy(c.ports.store, c.actor.hospitalId);
  const policy = await appPorts(c).refundPolicy!(c.actor.hospitalId);
  return { hospitalSet: own.policy !== null, policy, version: own.version };
}

function requestOf(c: Ctx, planId: string): refunds.RefundPlanRequest {
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
  return `${s.planId} ${s.amount}: ${s.status} (planned by ${s.plannedBy}), owed ${owedOf(s)}\n${legs.join('')}`;
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
      const legs = await refunds.previewRefundPlan(appPorts(c), requestOf(c, 'preview'));
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
      const r = await refunds.planRefundRoute(appPorts(c), request, {
        actor: { kind: 'staff', id: c.actor.userId },
      });
      return financeOut(c.io, c.values, r.state, () => planText(r.state));
    },
  },
  show: {
    usage: 'ledger refunds show PLAN_ID',
    needs: 'read',
    run: async (c) => {
      const planId = onePlanId(c.args);
      const s = await refunds.loadRefundPlan(c.ports, c.actor.hospitalId, planId);
      if (s.status === 'none') throw refuse('REFUND_PLAN_NOT_FOUND', { planId });
      return financeOut(c.io, c.values, s, () => planText(s));
    },
  },
  approve: {
    usage: 'ledger refunds approve PLAN_ID LEG_NO',
    needs: 'check',
    run: async (c) => {
      const { planId, legNo } = planLeg(c.args);
      const r = await refunds.approveRefundLeg(appPorts(c), c.actor.hospitalId, planId, legNo, c.actor.role, {
        actor: { kind: 'staff', id: c.actor.userId },
      });
      return financeOut(c.io, c.values, r.state, () => planText(r.state));
    },
  },
};

SUBS.policy = {
  usage: 'ledger refunds policy',
  needs: 'read',
  run: async (c) => {
    const p = await policyAnswer(c);
    return financeOut(c.io, c.values, p, () => policyText(p));
  },
};

SUBS['set-policy'] = {
  usage:
    'ledger refunds set-policy --policy \'{"order":"oldest-first","channelPriority":[],"windowsDays":{"wechat":365},"fallbacks":["cash-window"]}\' --reason TEXT',
  needs: 'read',
  options: { policy: { type: 'string' }, reason: { type: 'string' } },
  run: async (c) => {
    // Channel management is an administrator's, as on the HTTP API.
    if (c.actor.role !== 'administrator')
      throw refuseStaff('STAFF_ROLE_FORBIDDEN', { role: c.actor.role, needs: 'administrator' });
    const text = typeof c.values.policy === 'string' ? c.values.policy : undefined;
    if (text === undefined) throw new FinanceUsage('--policy JSON is required');
    if (typeof c.values.reason !== 'string' || c.values.reason === '')
      throw new FinanceUsage('--reason TEXT is required');
    let given: Partial<RefundPolicy>;
    try {
      given = JSON.parse(text) as Partial<RefundPolicy>;
    } catch {
      throw new FinanceUsage('--policy must be JSON: { order, channelPriority, windowsDays, fallbacks }');
    }
    await refunds.setRefundPolicy(
      appPorts(c),
      c.actor.hospitalId,
      { channelPriority: [], ...given } as RefundPolicy,
      c.values.reason,
      { actor: { kind: 'staff', id: c.actor.userId } },
    );
    const p = await policyAnswer(c);
    return financeOut(c.io, c.values, p, () => policyText(p));
  },
};

function planLeg(args: string[]): { planId: string; legNo: number } {
  if (args.length !== 2 || !/^[1-9][0-9]{0,3}$/.test(args[1]!)) throw new FinanceUsage('PLAN_ID LEG_NO');
  return { planId: onePlanId([args[0]!]), legNo: Number(args[1]) };
}

SUBS.bounce = {
  usage: 'ledger refunds bounce PLAN_ID LEG_NO --amount YUAN --reason TEXT --bank-ref REF',
  needs: 'work',
  options: { amount: { type: 'string' }, reason: { type: 'string' }, 'bank-ref': { type: 'string' } },
  run: async (c) => {
    const v = c.values;
    if (typeof v.amount !== 'string' || !/^(0|[1-9][0-9]{0,14})(\.[0-9]{1,2})?$/.test(v.amount))
      throw new FinanceUsage('--amount YUAN (what came back) is required');
    if (typeof v.reason !== 'string' || v.reason === '') throw new FinanceUsage('--reason TEXT is required');
    if (typeof v['bank-ref'] !== 'string')
      throw new FinanceUsage("--bank-ref REF (the bank's reference) is required");
    const r = await refunds.recordRefundLegBounce(
      appPorts(c),
      {
        hospitalId: c.actor.hospitalId,
        ...planLeg(c.args),
        amount: Money.parse(v.amount),
        reason: v.reason,
        source: 'operator',
        bankRef: v['bank-ref'],
      },
      { actor: { kind: 'staff', id: c.actor.userId } },
    );
    return financeOut(c.io, c.values, r.state, () => planText(r.state));
  },
};

SUBS.reroute = {
  usage: 'ledger refunds reroute PLAN_ID LEG_NO --route cash-window|bank-transfer [--payee-account REF]',
  needs: 'check',
  options: { route: { type: 'string' }, 'payee-account': { type: 'string' } },
  run: async (c) => {
    const route = c.values.route;
    if (route !== 'cash-window' && route !== 'bank-transfer')
      throw new FinanceUsage('--route cash-window|bank-transfer is required');
    const account = c.values['payee-account'];
    const r = await refunds.rerouteRefundLeg(
      appPorts(c),
      {
        hospitalId: c.actor.hospitalId,
        ...planLeg(c.args),
        route,
        payeeAccountRef: typeof account === 'string' ? account : null,
        role: c.actor.role,
      },
      { actor: { kind: 'staff', id: c.actor.userId } },
    );
    return financeOut(c.io, c.values, r.state, () => planText(r.state));
  },
};

SUBS.returns = {
  usage: 'ledger refunds returns FILE (a bank return file: refund_no,amount,reason,bank_ref)',
  needs: 'work',
  run: async (c) => {
    if (c.args.length !== 1) throw new FinanceUsage('one FILE');
    const file = c.args[0]!;
    const lines = await refunds.importBankReturns(
      appPorts(c),
      c.actor.hospitalId,
      await readFile(file, 'utf8'),
      {
        actor: { kind: 'staff', id: c.actor.userId },
      },
    );
    return financeOut(c.io, c.values, { file, lines }, () =>
      lines
        .map((l) =>
          l.outcome === 'refused'
            ? `${file},${l.line},${l.code}: ${l.reason}\n`
            : `${file},${l.line},${l.refundId}: ${l.outcome}\n`,
        )
        .join(''),
    );
  },
};

export function refundsCommand(argv: string[], io: CliIo): Promise<number> {
  return financeGroup('refunds', 'refunds that choose their route (原路退回)', SUBS, argv, io, {});
}
