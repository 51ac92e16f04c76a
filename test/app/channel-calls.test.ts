// Asking the channels, as durable reactions, against the channel sandbox: 主动查单 of a lost attempt, refunds sent
// and followed to their outcome (recorded once, even when the request timed out and the callback also came),
// orders unpaid past their deadline closed at the channel before they are cancelled, and a day's bill
// downloaded and reconciled exactly like the same file imported.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { SqlEventStore } from '../../src/adapters/event-store/sql-event-store.ts';
import { createLogger } from '../../src/adapters/log.ts';
import { bufferSource } from '../../src/adapters/statements/source.ts';
import { discrepancyRefundId, downloadChannelBill } from '../../src/app/channel-calls.ts';
import { HospitalId } from '../../src/domain/ids.ts';
import { discrepancyDecider, discrepancyIdOf } from '../../src/domain/reconciliation/discrepancy.ts';
import { handle } from '../../src/domain/command-handler.ts';
import { loadOrder } from '../../src/app/load.ts';
import { applyChannelNotice } from '../../src/app/orders.ts';
import type { AppPorts } from '../../src/app/ports.ts';
import { drainReactions } from '../../src/app/reactions/runtime.ts';
import { importStatement } from '../../src/app/reconciliation/import-statement.ts';
import { reconcileDay } from '../../src/app/reconciliation/reconcile-day.ts';
import type { ChannelGateway } from '../../src/domain/channel/gateway.ts';
import { UPCASTERS } from '../../src/domain/events.ts';
import { orderDecider } from '../../src/domain/order/index.ts';
import { channelCallsReaction } from '../../src/domain/reactions/index.ts';
import type { ChannelSandbox } from '../../src/simulation/channels/sandbox.ts';
import { cmd } from '../generators/builders.ts';
import { type SandboxedChannels, startSandboxedChannels } from '../support/channel-sandbox.ts';
import { createPostgresDatabase, type TestDatabase } from '../support/databases.ts';

let tdb: TestDatabase;
let store: SqlEventStore;
let sandbox: ChannelSandbox;
let ports: AppPorts;
let clockMs = Date.parse('2026-11-30T02:00:00Z');
const clock = {
  now: () => new Date(clockMs),
  advanceTo: (to: Date) => {
    clockMs = Math.max(clockMs, to.getTime());
  },
};
const reactions = [channelCallsReaction({ paymentQueryDelayMs: 60_000, paymentDeadlineMs: 15 * 60_000 })];
const drain = () => drainReactions(ports, { reactions, advanceClock: clock.advanceTo });
let gateways: Record<string, ChannelGateway>;
/** The sandbox, its clients, and its callbacks verified and applied as the bus would. */
let channels: SandboxedChannels;

beforeAll(async () => {
  tdb = await createPostgresDatabase('channel_calls');
  store = new SqlEventStore(tdb.database, { upcasters: UPCASTERS });
  channels = await startSandboxedChannels({ onNotice: (notice) => applyChannelNotice(ports, 'H1', notice) });
  sandbox = channels.sandbox;
  gateways = channels.gateways;
  ports = {
    store,
    db: tdb.database.db,
    now: clock.now,
    logger: createLogger({ level: process.env.TEST_LOG ?? 'silent' }),
    gateways: { gateway: async (h, channel) => (h === 'H1' || h === 'H2' ? gateways[channel] : undefined) },
  };
});

afterAll(async () => {
  await channels?.close();
  await store?.close();
  await tdb?.dispose();
});

async function run(command: Parameters<typeof handle>[2]): Promise<void> {
  await handle(store, orderDecider, command as never);
}

const types = async (orderId: string, hospitalId = 'H1') =>
  (await loadOrder(store, hospitalId, orderId)).events.map((e) => e.type);

const verifiedRefund = (o: Parameters<typeof cmd.requestRefund>[0]) => ({
  ...cmd.requestRefund(o),
  identity: { method: 'id-card' as const, verifiedBy: 'clerk-7' },
});

async function paidOrder(orderId: string, channel: 'wechat' | 'alipay', amount = '25.00', hospitalId = 'H1') {
  const at = clock.now();
  await run(cmd.createRegistration({ orderId, amount, at, hospitalId }));
  await run(cmd.requestPayment({ orderId, channel, at, hospitalId }));
  const trade = await sandbox.pay(channel, orderId, amount, at);
  await run(cmd.recordPayment({ orderId, channel, channelTxnId: trade.txnId, amount, at, hospitalId }));
  return trade;
}

describe('主动查单: a status-unknown payment', () => {
  it('is confirmed from the channel after the delay when the patient paid', async () => {
    const at = clock.now();
    await run(cmd.createRegistration({ orderId: 'U1', at }));
    await run(cmd.requestPayment({ orderId: 'U1', at }));
    const trade = await sandbox.pay('wechat', 'U1', '25.00', at);
    await run(cmd.markPaymentUnknown({ orderId: 'U1', at }));
    await drain();
    const { state, events } = await loadOrder(store, 'H1', 'U1');
    expect(state.status).toBe('paid');
    expect(state.payment?.channelTxnId).toBe(trade.txnId);
    expect(events.filter((e) => e.type === 'PaymentConfirmed')).toHaveLength(1);
  });

  it('is closed at the channel and recorded failed when the patient never paid', async () => {
    const at = clock.now();
    await run(cmd.createRegistration({ orderId: 'U2', at }));
    await run(cmd.requestPayment({ orderId: 'U2', channel: 'alipay', at }));
    sandbox.book.open('alipay', 'U2', '25.00');
    await run(cmd.markPaymentUnknown({ orderId: 'U2', channel: 'alipay', at }));
    await drain();
    expect((await loadOrder(store, 'H1', 'U2')).state.status).toBe('awaiting-payment');
    expect(await types('U2')).toContain('PaymentFailed');
    expect(sandbox.book.trade('alipay', 'U2')!.state).toBe('CLOSED');
  });
});

describe('refunds sent to the channel and followed', () => {
  it.each(['wechat', 'alipay'] as const)(
    '%s: a verified refund is sent and its success recorded once',
    async (ch) => {
      const trade = await paidOrder(`RF-${ch}`, ch);
      await run(
        verifiedRefund({ orderId: `RF-${ch}`, refundId: `R-${ch}`, amount: '10.00', at: clock.now() }),
      );
      await drain();
      const { state, events } = await loadOrder(store, 'H1', `RF-${ch}`);
      expect(state.refunds.get(`R-${ch}`)?.status).toBe('succeeded');
      expect(events.filter((e) => e.type === 'RefundSucceeded')).toHaveLength(1);
      expect(trade.refunds.get(`R-${ch}`)?.amount).toBe('10.00');
    },
  );

  it('a refund whose request timed out and then succeeded is recorded once (query and callback both say so)', async () => {
    sandbox.wechat.notifyUrl = channels.notifyUrl;
    try {
      await paidOrder('TO1', 'wechat');
      sandbox.fault({ kind: 'timeout', channel: 'wechat', operation: 'refund' });
      await run(verifiedRefund({ orderId: 'TO1', refundId: 'R-TO1', amount: '25.00', at: clock.now() }));
      await drain(); // the request times out; the retry finds the refund done at the channel
      await sandbox.settled(); // the refund notification arrived as well
      const { state, events } = await loadOrder(store, 'H1', 'TO1');
      expect(state.refunds.get('R-TO1')?.status).toBe('succeeded');
      expect(events.filter((e) => e.type === 'RefundSucceeded')).toHaveLength(1);
      expect(sandbox.book.trade('wechat', 'TO1')!.refunds.size).toBe(1);
      expect(sandbox.deliveries.some((d) => d.kind === 'refund' && d.status === 204)).toBe(true);
    } finally {
      delete sandbox.wechat.notifyUrl;
    }
  });

  it('a refund the channel processes is followed until it succeeds', async () => {
    await paidOrder('PR1', 'wechat');
    sandbox.fault({ kind: 'processing', channel: 'wechat', operation: 'refund', polls: 3 });
    await run(verifiedRefund({ orderId: 'PR1', refundId: 'R-PR1', amount: '5.00', at: clock.now() }));
    await drain();
    expect((await loadOrder(store, 'H1', 'PR1')).state.refunds.get('R-PR1')?.status).toBe('succeeded');
  });

  it('a refund the channel refuses is recorded as failed', async () => {
    const trade = await paidOrder('RJ1', 'wechat', '30.00');
    // The channel's book says more was refunded already (by hand, at the merchant platform).
    sandbox.book.refund('wechat', 'RJ1', 'BY-HAND', '25.00', false);
    await run(verifiedRefund({ orderId: 'RJ1', refundId: 'R-RJ1', amount: '10.00', at: clock.now() }));
    await drain();
    expect((await loadOrder(store, 'H1', 'RJ1')).state.refunds.get('R-RJ1')?.status).toBe('failed');
    expect(trade.refunds.has('R-RJ1')).toBe(false);
  });

  it('a refund awaiting the identity check is not sent', async () => {
    await paidOrder('ID1', 'wechat');
    await run(cmd.requestRefund({ orderId: 'ID1', refundId: 'R-ID1', amount: '5.00', at: clock.now() }));
    await drain();
    expect(sandbox.book.trade('wechat', 'ID1')!.refunds.size).toBe(0);
  });
});

describe('an approved refund-the-patient', () => {
  it('refunds the platform order it names, at the channel, once', async () => {
    await paidOrder('HM1', 'wechat');
    const discrepancyId = discrepancyIdOf({
      type: 'HIS_MISSING',
      channel: 'wechat',
      businessDate: '2026-11-30',
      subject: 'HM1',
    });
    const base = { hospitalId: HospitalId('H1'), discrepancyId, at: clock.now() };
    const clerk = { kind: 'staff', id: 'clerk-7' } as const;
    const supervisor = { kind: 'staff', id: 'wang' } as const;
    await handle(store, discrepancyDecider, {
      ...base,
      type: 'RaiseDiscrepancy',
      actor: { kind: 'system', id: 'reconciliation' },
      runId: 'run-1',
      finding: {
        type: 'HIS_MISSING',
        hospitalId: 'H1',
        channel: 'wechat',
        businessDate: '2026-11-30',
        subject: 'HM1',
        amount: '25.00',
        amounts: { platform: '25.00', channel: '25.00' },
        reason: 'paid, not in the HIS',
        sources: [],
      },
    });
    await handle(store, discrepancyDecider, {
      ...base,
      type: 'ProposeResolution',
      action: 'refund-patient',
      reason: '患者要求退费',
      actor: clerk,
    });
    await drain();
    expect(sandbox.book.trade('wechat', 'HM1')!.refunds.size).toBe(0); // not before the second person approves
    await handle(store, discrepancyDecider, { ...base, type: 'ApproveResolution', actor: supervisor });
    await drain();
    await drain();
    const refund = (await loadOrder(store, 'H1', 'HM1')).state.refunds.get(
      discrepancyRefundId(discrepancyId),
    );
    expect(refund?.status).toBe('succeeded');
    expect(sandbox.book.trade('wechat', 'HM1')!.refunds.size).toBe(1);
  });
});

describe('an order unpaid past its deadline', () => {
  it('is closed at the channel, then cancelled', async () => {
    const at = clock.now();
    await run(cmd.createRegistration({ orderId: 'DL1', at }));
    await run(cmd.requestPayment({ orderId: 'DL1', attemptId: 'A1', at }));
    sandbox.book.open('wechat', 'DL1', '25.00');
    await drain();
    expect((await loadOrder(store, 'H1', 'DL1')).state.status).toBe('cancelled');
    expect(sandbox.book.trade('wechat', 'DL1')!.state).toBe('CLOSED');
  });

  it('is recorded paid instead when the patient paid just before (and the callback was lost)', async () => {
    const at = clock.now();
    await run(cmd.createRegistration({ orderId: 'DL2', at }));
    await run(cmd.requestPayment({ orderId: 'DL2', channel: 'alipay', at }));
    await sandbox.pay('alipay', 'DL2', '25.00', at);
    await drain();
    expect((await loadOrder(store, 'H1', 'DL2')).state.status).toBe('paid');
  });
});

describe('a day’s bill', () => {
  it('downloaded from the channel reconciles exactly like the same file imported', async () => {
    const day = '2026-11-29';
    const at = new Date('2026-11-29T03:00:00Z');
    for (const h of ['H1', 'H2']) {
      await run(cmd.createRegistration({ orderId: 'BILL1', hospitalId: h, at }));
      await run(
        cmd.recordPayment({ orderId: 'BILL1', hospitalId: h, at, channelTxnId: 'X', attemptId: null }),
      );
    }
    // The channel's book for that day: BILL1 under another transaction id, and a payment the platform never saw.
    sandbox.book.pay('wechat', 'BILL1', '25.00', at);
    sandbox.book.pay('wechat', 'BILL-LONG', '40.00', new Date('2026-11-29T04:00:00Z'));

    const downloaded = await downloadChannelBill(ports, { hospitalId: 'H1', channel: 'wechat', date: day });
    const file = await gateways.wechat!.downloadBill({ date: day, kind: 'trade' });
    const imported = await importStatement(ports, bufferSource(file.fileName, file.bytes), {
      hospitalId: 'H2',
      channel: 'wechat',
    });
    expect(downloaded.sha256).toBe(imported.sha256);
    expect(downloaded.summary).toEqual(imported.summary);
    const again = await downloadChannelBill(ports, { hospitalId: 'H1', channel: 'wechat', date: day });
    expect(again.duplicate).toBe(true);

    const r1 = await reconcileDay(ports, {
      hospitalId: 'H1',
      channel: 'wechat',
      businessDate: day,
      at: clock.now(),
    });
    const r2 = await reconcileDay(ports, {
      hospitalId: 'H2',
      channel: 'wechat',
      businessDate: day,
      at: clock.now(),
    });
    const shape = (r: typeof r1) => r.findings.map((f) => [f.type, f.subject, f.amount]);
    expect(shape(r1)).toEqual(shape(r2));
    expect(shape(r1)).toContainEqual(['CHANNEL_ONLY', 'BILL-LONG', '40.00']);
    expect(r1.matched).toEqual(r2.matched);
  });
});
