// Refunds that choose their route, against the channel sandbox: a deposit remainder split over top-ups on two
// channels and sent back to each, a refund past a channel's window taking the approved fallback route, and a
// leg whose request timed out then succeeded recorded once.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { SqlEventStore } from '../../src/adapters/event-store/sql-event-store.ts';
import { createLogger } from '../../src/adapters/log.ts';
import { loadDeposit, loadOrder } from '../../src/app/load.ts';
import { applyChannelNotice } from '../../src/app/orders.ts';
import type { AppPorts } from '../../src/app/ports.ts';
import { drainReactions } from '../../src/app/reactions/runtime.ts';
import {
  approveRefundLeg,
  importBankReturns,
  loadRefundPlan,
  planRefundRoute,
  previewRefundPlan,
  recordRefundLegBounce,
  rerouteRefundLeg,
} from '../../src/app/refunds.ts';
import { balancesOf, trialBalance } from '../../src/domain/ledger/index.ts';
import { entryOf } from '../../src/projections/read-models/ledger.ts';
import type { ChannelGateway } from '../../src/domain/channel/gateway.ts';
import { handle } from '../../src/domain/command-handler.ts';
import { depositDecider } from '../../src/domain/deposit/index.ts';
import { UPCASTERS } from '../../src/domain/events.ts';
import { Money } from '../../src/domain/money.ts';
import { orderDecider } from '../../src/domain/order/index.ts';
import {
  channelCallsReaction,
  depositCreditReaction,
  refundPlansReaction,
} from '../../src/domain/reactions/index.ts';
import { owedOf, refundPlanDecider } from '../../src/domain/refund/index.ts';
import { Refusal } from '../../src/domain/rejection.ts';
import type { ChannelSandbox } from '../../src/simulation/channels/sandbox.ts';
import { cmd } from '../generators/builders.ts';
import { type SandboxedChannels, startSandboxedChannels } from '../support/channel-sandbox.ts';
import { createPostgresDatabase, type TestDatabase } from '../support/databases.ts';

let tdb: TestDatabase;
let store: SqlEventStore;
let sandbox: ChannelSandbox;
let ports: AppPorts;
let channels: SandboxedChannels;
let clockMs = Date.parse('2026-11-30T02:00:00Z');
const DAY = 86_400_000;
const clock = {
  now: () => new Date(clockMs),
  advanceTo: (to: Date) => {
    clockMs = Math.max(clockMs, to.getTime());
  },
};
const reactions = [depositCreditReaction, channelCallsReaction(), refundPlansReaction];
const drain = () => drainReactions(ports, { reactions, advanceClock: clock.advanceTo });
let gateways: Record<string, ChannelGateway>;
const clerk = { kind: 'staff' as const, id: 'clerk-7' };
const supervisor = { kind: 'staff' as const, id: 'sup-2' };
const identity = { method: 'id-card' as const, verifiedBy: 'clerk-7' };

beforeAll(async () => {
  tdb = await createPostgresDatabase('refund_plans');
  store = new SqlEventStore(tdb.database, { upcasters: UPCASTERS });
  channels = await startSandboxedChannels({
    onNotice: (notice, merchantId) => applyChannelNotice(ports, 'H1', { ...notice, merchantId }),
  });
  sandbox = channels.sandbox;
  gateways = channels.gateways;
  ports = {
    store,
    db: tdb.database.db,
    now: clock.now,
    logger: createLogger({ level: process.env.TEST_LOG ?? 'silent' }),
    // Only the merchant that took the payment may refund it: a gateway asked for another merchant is absent.
    gateways: {
      gateway: async (h, channel, merchantId) => {
        const g = h === 'H1' ? gateways[channel] : undefined;
        return g && (!merchantId || merchantId === g.merchantId) ? g : undefined;
      },
    },
  };
});

afterAll(async () => {
  await channels?.close();
  await store?.close();
  await tdb?.dispose();
});

/** A deposit top-up paid through the sandbox, recorded with the merchant that took it, `ageDays` ago. */
async function topUp(
  admissionId: string,
  orderId: string,
  channel: 'wechat' | 'alipay',
  amount: string,
  ageDays = 1,
) {
  const at = new Date(clockMs - ageDays * DAY);
  await handle(store, orderDecider, cmd.createDepositOrder({ orderId, admissionId, amount, at }));
  const trade = await sandbox.pay(channel, orderId, amount, at);
  await handle(store, orderDecider, {
    ...cmd.recordPayment({ orderId, channel, channelTxnId: trade.txnId, amount, at, attemptId: null }),
    merchantId: gateways[channel]!.merchantId!,
  });
  return trade;
}

async function discharge(admissionId: string, charges: string) {
  await drain(); // the top-ups credit the deposit
  await handle(
    store,
    depositDecider,
    cmd.applyDeposit({ admissionId, amount: charges, settlementId: `DS-${admissionId}`, at: clock.now() }),
  );
}

const refusalCode = async (p: Promise<unknown>) => {
  try {
    await p;
  } catch (e) {
    if (e instanceof Refusal) return e.code;
    throw e;
  }
  return 'none';
};

describe('a deposit remainder refund plan', () => {
  it('splits across three top-ups on two channels, each sent back through its merchant; the deposit closes at zero', async () => {
    const w1 = await topUp('ADM-S', 'DS-W1', 'wechat', '1000.00', 5);
    const a1 = await topUp('ADM-S', 'DS-A1', 'alipay', '800.00', 3);
    const w2 = await topUp('ADM-S', 'DS-W2', 'wechat', '500.00', 1);
    await discharge('ADM-S', '900.00'); // remainder 1400.00
    const { state: before } = await loadDeposit(store, 'H1', 'ADM-S');
    expect(before.topUps.get('DS-W1')?.merchantId).toBe(gateways.wechat!.merchantId);

    const request = {
      hospitalId: 'H1',
      planId: 'PS1',
      target: { kind: 'deposit' as const, admissionId: 'ADM-S' },
      amount: Money.parse('1400.00'),
      reason: '出院结算退预交金余额',
      identity,
      payeeAccount: null,
    };
    const preview = await previewRefundPlan(ports, request);
    expect(preview.map((l) => [l.orderId, l.amount.toString(), l.route])).toEqual([
      ['DS-W2', '500.00', 'original'],
      ['DS-A1', '800.00', 'original'],
      ['DS-W1', '100.00', 'original'],
    ]);
    await planRefundRoute(ports, request, { actor: clerk });
    await drain();

    const plan = await loadRefundPlan(ports, 'H1', 'PS1');
    expect(plan.status).toBe('completed');
    expect(plan.legs.map((l) => l.status)).toEqual(['succeeded', 'succeeded', 'succeeded']);
    const { state, events } = await loadDeposit(store, 'H1', 'ADM-S');
    expect(state.balance.toString()).toBe('0.00');
    expect(events.filter((e) => e.type === 'DepositRefundSettled')).toHaveLength(3);
    expect(w2.refunds.get('PS1.L1')?.amount).toBe('500.00');
    expect(a1.refunds.get('PS1.L2')?.amount).toBe('800.00');
    expect(w1.refunds.get('PS1.L3')?.amount).toBe('100.00');
    // Planning the same again changes nothing.
    const again = await planRefundRoute(ports, request, { actor: clerk });
    expect(again.events).toHaveLength(0);
  });

  it('a refund past a channel window takes the fallback route only with a supervisor approval', async () => {
    await topUp('ADM-F', 'DF-A1', 'alipay', '600.00', 120); // past Alipay's 90 days
    await topUp('ADM-F', 'DF-W1', 'wechat', '200.00', 2);
    await discharge('ADM-F', '100.00'); // remainder 700.00
    const request = {
      hospitalId: 'H1',
      planId: 'PF1',
      target: { kind: 'deposit' as const, admissionId: 'ADM-F' },
      amount: Money.parse('700.00'),
      reason: '出院退余额',
      identity,
      payeeAccount: { accountRef: '6222****8888', verifiedBy: 'clerk-7' },
    };
    await planRefundRoute(ports, request, { actor: clerk });
    await drain();
    let plan = await loadRefundPlan(ports, 'H1', 'PF1');
    expect(plan.legs.map((l) => [l.orderId, l.amount, l.route, l.closedBecause, l.status])).toEqual([
      ['DF-W1', '200.00', 'original', null, 'succeeded'],
      ['DF-A1', '500.00', 'bank-transfer', 'window-passed', 'awaiting-approval'],
    ]);
    // Without approval nothing moves: the deposit still holds the fallback leg's money.
    expect((await loadDeposit(store, 'H1', 'ADM-F')).state.balance.toString()).toBe('500.00');
    expect(
      await refusalCode(
        handle(store, refundPlanDecider, {
          type: 'RecordRefundLegOutcome',
          hospitalId: 'H1' as never,
          planId: 'PF1',
          legNo: 2,
          outcome: 'succeeded',
          detail: 'by hand',
          at: clock.now(),
          actor: clerk,
        }),
      ),
    ).toBe('REFUND_LEG_NOT_APPROVED');
    // The clerk who planned it cannot approve it; nor can anyone but a supervisor.
    expect(
      await refusalCode(approveRefundLeg(ports, 'H1', 'PF1', 2, 'finance-supervisor', { actor: clerk })),
    ).toBe('REFUND_LEG_APPROVAL_BY_MAKER');
    expect(
      await refusalCode(
        approveRefundLeg(ports, 'H1', 'PF1', 2, 'finance-clerk', { actor: { kind: 'staff', id: 'clerk-9' } }),
      ),
    ).toBe('REFUND_LEG_APPROVER_NOT_SUPERVISOR');
    expect(
      await refusalCode(approveRefundLeg(ports, 'H1', 'PF1', 1, 'finance-supervisor', { actor: supervisor })),
    ).toBe('REFUND_LEG_APPROVAL_NOT_NEEDED');
    await approveRefundLeg(ports, 'H1', 'PF1', 2, 'finance-supervisor', { actor: supervisor });
    await drain();
    plan = await loadRefundPlan(ports, 'H1', 'PF1');
    expect(plan.status).toBe('completed');
    expect(plan.legs[1]?.approvedBy).toBe('sup-2');
    const { state, events } = await loadDeposit(store, 'H1', 'ADM-F');
    expect(state.balance.toString()).toBe('0.00');
    const payout = events.find((e) => e.type === 'DepositRemainderRefunded' && e.data.refundId === 'PF1.L2');
    expect(payout?.data).toMatchObject({
      channel: 'bank-transfer',
      route: 'bank-transfer',
      approvedBy: 'sup-2',
    });
    // The expired Alipay trade was never asked to refund.
    expect(sandbox.book.trade('alipay', 'DF-A1')!.refunds.size).toBe(0);
  });

  it('a leg whose request timed out and then succeeded is recorded once', async () => {
    sandbox.wechat.notifyUrl = channels.notifyUrl;
    try {
      const w = await topUp('ADM-T', 'DT-W1', 'wechat', '300.00', 1);
      await discharge('ADM-T', '50.00');
      sandbox.fault({ kind: 'timeout', channel: 'wechat', operation: 'refund' });
      await planRefundRoute(
        ports,
        {
          hospitalId: 'H1',
          planId: 'PT1',
          target: { kind: 'deposit', admissionId: 'ADM-T' },
          amount: Money.parse('250.00'),
          reason: '出院退余额',
          identity,
          payeeAccount: null,
        },
        { actor: clerk },
      );
      await drain(); // the request times out; the retry finds the refund done at the channel
      await sandbox.settled(); // and its notification arrives as well
      await drain();
      const { state, events } = await loadDeposit(store, 'H1', 'ADM-T');
      expect(state.balance.toString()).toBe('0.00');
      expect(events.filter((e) => e.type === 'DepositRefundSettled')).toHaveLength(1);
      expect(w.refunds.size).toBe(1);
      const plan = await loadRefundPlan(ports, 'H1', 'PT1');
      expect(plan.legs.map((l) => l.status)).toEqual(['succeeded']);
      expect(sandbox.deliveries.some((d) => d.kind === 'refund' && d.status === 204)).toBe(true);
    } finally {
      delete sandbox.wechat.notifyUrl;
    }
  });
});

describe('an order refund plan', () => {
  it('goes back by the original route through the merchant that took the payment', async () => {
    const at = clock.now();
    await handle(store, orderDecider, cmd.createRegistration({ orderId: 'OR1', amount: '25.00', at }));
    const trade = await sandbox.pay('wechat', 'OR1', '25.00', at);
    await handle(store, orderDecider, {
      ...cmd.recordPayment({
        orderId: 'OR1',
        channelTxnId: trade.txnId,
        amount: '25.00',
        at,
        attemptId: null,
      }),
      merchantId: gateways.wechat!.merchantId!,
    });
    await planRefundRoute(
      ports,
      {
        hospitalId: 'H1',
        planId: 'PO1',
        target: { kind: 'order', orderId: 'OR1' },
        amount: Money.parse('25.00'),
        reason: '退号',
        identity,
        payeeAccount: null,
      },
      { actor: clerk },
    );
    await drain();
    expect((await loadRefundPlan(ports, 'H1', 'PO1')).status).toBe('completed');
    const { state } = await loadOrder(store, 'H1', 'OR1');
    expect(state.refunds.get('PO1.L1')?.status).toBe('succeeded');
    expect(trade.refunds.get('PO1.L1')?.amount).toBe('25.00');
  });

  it('records a refund made at the channel without a platform request instead of refusing it', async () => {
    const at = clock.now();
    await handle(store, orderDecider, cmd.createRegistration({ orderId: 'OC1', amount: '40.00', at }));
    const trade = await sandbox.pay('wechat', 'OC1', '40.00', at);
    await handle(
      store,
      orderDecider,
      cmd.recordPayment({ orderId: 'OC1', channelTxnId: trade.txnId, amount: '40.00', at, attemptId: null }),
    );
    const outcome = await applyChannelNotice(ports, 'H1', {
      channel: 'wechat',
      kind: 'refund',
      status: 'succeeded',
      channelStatus: 'SUCCESS',
      merchantOrderNo: 'OC1',
      channelTxnId: trade.txnId,
      refundNo: 'BY-HAND-1',
      channelRefundId: '50300000001',
      amount: '15.00',
      amountBasis: 'this-refund',
      payerRef: 'o***1',
      occurredAt: at,
    });
    expect(outcome).toBe('refund-recorded');
    const { state, events } = await loadOrder(store, 'H1', 'OC1');
    expect(state.refunds.get('BY-HAND-1')?.status).toBe('succeeded');
    expect(events.find((e) => e.type === 'RefundSucceeded')?.data).toMatchObject({
      amount: '15.00',
      initiatedBy: 'channel',
    });
  });
});

describe('a bank transfer that bounces (退票)', () => {
  /** Every account's balance from every event that posts, and whether debits equal credits. */
  async function ledger() {
    const entries = (await store.readAll()).flatMap((e) => (e.hospitalId === 'H1' ? [entryOf(e)] : []));
    const posted = entries.filter((e) => e !== null);
    const t = trialBalance(posted);
    expect(t.debits.toString()).toBe(t.credits.toString());
    const balances = balancesOf(posted);
    const of = (code: string) => balances.get(code) ?? Money.ZERO;
    return { of };
  }

  it('goes back to owed, keeps the ledger balanced, and is paid out again by the route a supervisor approves', async () => {
    await topUp('ADM-R', 'DR-A1', 'alipay', '600.00', 120); // past Alipay's window: bank transfer
    await discharge('ADM-R', '100.00'); // remainder 500.00
    await planRefundRoute(
      ports,
      {
        hospitalId: 'H1',
        planId: 'PR1',
        target: { kind: 'deposit', admissionId: 'ADM-R' },
        amount: Money.parse('500.00'),
        reason: '出院退余额',
        identity,
        payeeAccount: { accountRef: '6222****1111', verifiedBy: 'clerk-7' },
      },
      { actor: clerk },
    );
    await approveRefundLeg(ports, 'H1', 'PR1', 1, 'finance-supervisor', { actor: supervisor });
    await drain();
    let plan = await loadRefundPlan(ports, 'H1', 'PR1');
    expect(plan.legs[0]).toMatchObject({ route: 'bank-transfer', status: 'succeeded' });
    expect(owedOf(plan).toString()).toBe('0.00');
    const before = await ledger();
    const moved = (after: typeof before, code: string) => after.of(code).sub(before.of(code)).toString();

    // The bank's return file says the account was closed; a file with bad lines is refused whole, each bad line
    // named, and records nothing.
    const good = ['refund_no,amount,reason,bank_ref', 'PR1.L1,500.00,账户已销户,BR-0001'];
    const bad = [...good, 'PR1.L1,499.00,账户已销户,BR-0002', 'NOT-A-LEG,1.00,x,BR-0003', 'PR1.L1,500.00'];
    const refusedFile = await importBankReturns(ports, 'H1', bad.join('\n'), { actor: clerk });
    expect(refusedFile.map((r) => [r.line, r.outcome, 'code' in r ? r.code : null])).toEqual([
      [3, 'refused', 'REFUND_LEG_BOUNCE_AMOUNT_MISMATCH'],
      [4, 'refused', 'RETURN_LINE_INVALID'],
      [5, 'refused', 'RETURN_LINE_INVALID'],
    ]);
    expect((await loadRefundPlan(ports, 'H1', 'PR1')).legs[0]).toMatchObject({ status: 'succeeded' });
    // The corrected file is taken.
    const file = good.join('\n');
    const returned = await importBankReturns(ports, 'H1', file, { actor: clerk });
    expect(returned.map((r) => [r.line, r.outcome, 'code' in r ? r.code : null])).toEqual([
      [2, 'bounced', null],
    ]);
    // The same file again records nothing new; an operator recording the same return neither.
    const again = await importBankReturns(ports, 'H1', file, { actor: clerk });
    expect(again[0]).toMatchObject({ line: 2, outcome: 'already-recorded' });
    const byHand = await recordRefundLegBounce(
      ports,
      {
        hospitalId: 'H1',
        planId: 'PR1',
        legNo: 1,
        amount: Money.parse('500.00'),
        reason: '柜台登记退票',
        source: 'operator',
        bankRef: 'BR-0001',
      },
      { actor: clerk },
    );
    expect(byHand.events).toHaveLength(1); // the first outcome, answered again
    plan = await loadRefundPlan(ports, 'H1', 'PR1');
    expect(plan.legs[0]?.status).toBe('bounced');
    expect(plan.status).toBe('in-progress');
    expect(owedOf(plan).toString()).toBe('500.00');
    await drain(); // nothing goes out on its own
    expect((await loadRefundPlan(ports, 'H1', 'PR1')).legs[0]?.status).toBe('bounced');

    // The payout's clearing credit is reversed; the patient is owed it (payable), the deposit refund stands.
    const bounced = await ledger();
    expect(moved(bounced, 'channel:bank-transfer:clearing')).toBe('500.00');
    expect(moved(bounced, 'payable:refunds')).toBe('500.00');
    expect(moved(bounced, 'patient:ADM-R:deposit')).toBe('0.00');

    // Rerouting needs a supervisor other than the planner, and a bank transfer needs the corrected account.
    const reroute = (
      route: 'cash-window' | 'bank-transfer',
      account: string | null,
      role: string,
      who = supervisor,
    ) =>
      refusalCode(
        rerouteRefundLeg(
          ports,
          { hospitalId: 'H1', planId: 'PR1', legNo: 1, route, payeeAccountRef: account, role },
          { actor: who },
        ),
      );
    expect(await reroute('cash-window', null, 'finance-supervisor', clerk)).toBe(
      'REFUND_LEG_APPROVAL_BY_MAKER',
    );
    expect(await reroute('cash-window', null, 'finance-clerk', { kind: 'staff', id: 'clerk-9' })).toBe(
      'REFUND_LEG_APPROVER_NOT_SUPERVISOR',
    );
    expect(await reroute('bank-transfer', null, 'finance-supervisor')).toBe('REFUND_PLAN_INVALID');
    expect(await reroute('cash-window', null, 'finance-supervisor')).toBe('none');
    expect(await reroute('cash-window', null, 'finance-supervisor')).toBe('none'); // the same again: no change
    await drain();
    plan = await loadRefundPlan(ports, 'H1', 'PR1');
    expect(plan.legs[0]).toMatchObject({
      route: 'cash-window',
      status: 'succeeded',
      reissues: 1,
      approvedBy: 'sup-2',
    });
    expect(plan.status).toBe('completed');
    expect(owedOf(plan).toString()).toBe('0.00');
    const paid = await ledger();
    expect(moved(paid, 'payable:refunds')).toBe('0.00');
    expect(moved(paid, 'channel:bank-transfer:clearing')).toBe('500.00');
    expect(moved(paid, 'channel:cash:clearing')).toBe('-500.00');
    // A leg that did not bounce cannot be rerouted, and a cash leg cannot bounce.
    expect(await reroute('cash-window', null, 'finance-supervisor')).toBe('REFUND_LEG_NOT_BOUNCED');
    const late = await importBankReturns(
      ports,
      'H1',
      'refund_no,amount,reason,bank_ref\nPR1.L1,500.00,x,BR-0009',
      {
        actor: clerk,
      },
    );
    expect(late[0]).toMatchObject({ outcome: 'refused', code: 'REFUND_LEG_NOT_BOUNCEABLE' });
    await drain();
    const plan2 = await loadRefundPlan(ports, 'H1', 'PR1');
    expect(plan2.legs[0]?.reissues).toBe(1);
  });
});
