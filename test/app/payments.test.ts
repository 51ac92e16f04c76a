import { sql } from 'kysely';
// Paying through the platform against the channel sandbox: a payment code that asks for the password then
// succeeds; one that never completes and is reversed at the channel (nothing charged, nothing recorded paid); a
// QR code that expires unpaid and is closed; a callback and a query racing for the same payment, recorded once;
// in-app prepay answers the page's parameters. Follow-ups run as the payment_follow_up reaction on a test clock.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { SqlEventStore } from '../../src/adapters/event-store/sql-event-store.ts';
import { createLogger } from '../../src/adapters/log.ts';
import { loadOrder } from '../../src/app/load.ts';
import { applyChannelNotice } from '../../src/app/orders.ts';
import { intradaySummary, runIntradayCheck } from '../../src/app/intraday-checks.ts';
import { followPaymentAttempt, loadPayment, payOrder } from '../../src/app/payments.ts';
import { catchUpProjection } from '../../src/projections/build.ts';
import {
  PAYMENT_ATTEMPTS,
  paymentAttemptsProjection,
} from '../../src/projections/read-models/payment-attempts.ts';
import type { AppPorts } from '../../src/app/ports.ts';
import { drainReactions } from '../../src/app/reactions/runtime.ts';
import { handle } from '../../src/domain/command-handler.ts';
import { UPCASTERS } from '../../src/domain/events.ts';
import { orderDecider } from '../../src/domain/order/index.ts';
import { paymentFollowUpReaction } from '../../src/domain/reactions/index.ts';
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
const clock = {
  now: () => new Date(clockMs),
  advanceTo: (to: Date) => {
    clockMs = Math.max(clockMs, to.getTime());
  },
};
const reactions = [paymentFollowUpReaction({ codeFirstQueryMs: 5_000 })];
const drain = () => drainReactions(ports, { reactions, advanceClock: clock.advanceTo });
const ctx = { actor: { kind: 'bus-client' as const, id: 'kiosk-1' } };
const noWait = { sleep: async () => {}, codePollsInRequest: 1 };
const WECHAT_CODE = '134567890123456789';
const ALIPAY_CODE = '2845678901234567';

beforeAll(async () => {
  tdb = await createPostgresDatabase('payments');
  store = new SqlEventStore(tdb.database, { upcasters: UPCASTERS });
  channels = await startSandboxedChannels({
    onNotice: (notice) => applyChannelNotice(ports, 'H1', notice),
    notifyFromStart: true,
  });
  sandbox = channels.sandbox;
  const gateways = channels.gateways;
  ports = {
    store,
    db: tdb.database.db,
    now: clock.now,
    logger: createLogger({ level: process.env.TEST_LOG ?? 'silent' }),
    gateways: { gateway: async (h, channel) => (h === 'H1' ? gateways[channel] : undefined) },
  };
});

afterAll(async () => {
  await channels?.close();
  await store?.close();
  await tdb?.dispose();
});

async function order(orderId: string, amount = '25.00'): Promise<void> {
  await handle(store, orderDecider, cmd.createRegistration({ orderId, amount, at: clock.now() }) as never);
}

const orderEvents = async (orderId: string) =>
  (await loadOrder(store, 'H1', orderId)).events.map((e) => e.type);

describe('payment code (条码付)', () => {
  it('asks for the password, then succeeds: recorded paid once, settled by query', async () => {
    await order('PAYCODE01');
    sandbox.scriptCodePayment({ behaviour: 'password', channel: 'wechat', polls: 2 });
    const answer = await payOrder(
      ports,
      { hospitalId: 'H1', orderId: 'PAYCODE01', attemptId: 'A1', method: 'code', authCode: WECHAT_CODE },
      ctx,
      noWait,
    );
    expect(answer.channel).toBe('wechat');
    expect(answer.status).toBe('awaiting-password');
    await drain();
    await sandbox.settled();
    await drain();
    const { state } = await loadOrder(store, 'H1', 'PAYCODE01');
    expect(state.status).toBe('paid');
    expect((await orderEvents('PAYCODE01')).filter((t) => t === 'PaymentSucceeded')).toHaveLength(1);
    const attempt = (await loadPayment(ports, 'H1', 'PAYCODE01')).attempts[0]!;
    expect(attempt.status).toBe('succeeded');
    expect(attempt.channelTxnId).toBe(sandbox.book.trade('wechat', 'PAYCODE01')!.txnId);
  });

  it('that never completes is reversed at the channel: nothing charged, nothing recorded paid', async () => {
    await order('PAYCODE02');
    sandbox.scriptCodePayment({ behaviour: 'password-timeout', channel: 'alipay' });
    const answer = await payOrder(
      ports,
      { hospitalId: 'H1', orderId: 'PAYCODE02', attemptId: 'A1', method: 'code', authCode: ALIPAY_CODE },
      ctx,
      noWait,
    );
    expect(answer).toMatchObject({ channel: 'alipay', status: 'awaiting-password' });
    await drain();
    const trade = sandbox.book.trade('alipay', 'PAYCODE02')!;
    expect(trade.state).toBe('REVOKED');
    expect(trade.paidAt).toBeNull();
    const { state, events } = await loadOrder(store, 'H1', 'PAYCODE02');
    expect(state.status).toBe('awaiting-payment');
    expect(events.map((e) => e.type)).not.toContain('PaymentSucceeded');
    expect(events.map((e) => e.type)).toContain('PaymentFailed');
    const payment = await loadPayment(ports, 'H1', 'PAYCODE02');
    expect(payment.attempts[0]!.status).toBe('reversed');
    // The reversed trade cannot be paid again under the same order number.
    await expect(
      payOrder(ports, { hospitalId: 'H1', orderId: 'PAYCODE02', attemptId: 'A2', method: 'qr' }, ctx),
    ).rejects.toMatchObject({ code: 'PAYMENT_TRADE_CLOSED' });
  });

  it('paid at once answers succeeded, settled by the answer', async () => {
    await order('PAYCODE03', '12.30');
    const answer = await payOrder(
      ports,
      { hospitalId: 'H1', orderId: 'PAYCODE03', attemptId: 'A1', method: 'code', authCode: ALIPAY_CODE },
      ctx,
      noWait,
    );
    expect(answer).toMatchObject({ status: 'succeeded', settledVia: 'answer', amount: '12.30' });
    expect((await loadOrder(store, 'H1', 'PAYCODE03')).state.status).toBe('paid');
  });

  it('declined is recorded failed and the order stays payable', async () => {
    await order('PAYCODE04');
    sandbox.scriptCodePayment({ behaviour: 'decline', channel: 'wechat' });
    const answer = await payOrder(
      ports,
      { hospitalId: 'H1', orderId: 'PAYCODE04', attemptId: 'A1', method: 'code', authCode: WECHAT_CODE },
      ctx,
      noWait,
    );
    expect(answer.status).toBe('failed');
    expect((await loadOrder(store, 'H1', 'PAYCODE04')).state.status).toBe('awaiting-payment');
  });
});

describe('QR code (扫码付)', () => {
  it('expires unpaid and is closed at the channel', async () => {
    await order('PAYQR0001');
    const answer = await payOrder(
      ports,
      {
        hospitalId: 'H1',
        orderId: 'PAYQR0001',
        attemptId: 'A1',
        method: 'qr',
        channel: 'wechat',
        expiresInSeconds: 120,
      },
      ctx,
    );
    expect(answer.status).toBe('pending');
    expect(answer.qrCode).toMatch(/^weixin:\/\/wxpay\/bizpayurl\?pr=/);
    expect(Date.parse(answer.expiresAt) - clock.now().getTime()).toBe(120_000);
    await drain();
    expect(sandbox.book.trade('wechat', 'PAYQR0001')!.state).toBe('CLOSED');
    expect((await loadPayment(ports, 'H1', 'PAYQR0001')).attempts[0]!.status).toBe('closed');
    expect((await loadOrder(store, 'H1', 'PAYQR0001')).state.status).toBe('awaiting-payment');
  });

  it('Alipay precreate answers its qr_code', async () => {
    await order('PAYQR0002');
    const answer = await payOrder(
      ports,
      { hospitalId: 'H1', orderId: 'PAYQR0002', attemptId: 'A1', method: 'qr', channel: 'alipay' },
      ctx,
    );
    expect(answer.qrCode).toMatch(/^https:\/\/qr\.alipay\.com\//);
  });

  it('a callback and a query racing for the same payment are recorded once', async () => {
    await order('PAYQR0003');
    await payOrder(
      ports,
      { hospitalId: 'H1', orderId: 'PAYQR0003', attemptId: 'A1', method: 'qr', channel: 'wechat' },
      ctx,
    );
    // The patient pays: the sandbox sends its callback while the follow-up queries the same payment.
    await Promise.all([
      sandbox.pay('wechat', 'PAYQR0003', '25.00'),
      followPaymentAttempt(ports, 'H1', 'PAYQR0003', 'A1').catch(() => 'not-ready'),
      followPaymentAttempt(ports, 'H1', 'PAYQR0003', 'A1').catch(() => 'not-ready'),
    ]);
    await sandbox.settled();
    await followPaymentAttempt(ports, 'H1', 'PAYQR0003', 'A1');
    await drain();
    const events = await orderEvents('PAYQR0003');
    expect(events.filter((t) => t === 'PaymentSucceeded' || t === 'PaymentConfirmed')).toHaveLength(1);
    expect(events).not.toContain('DuplicatePaymentReceived');
    const payment = await loadPayment(ports, 'H1', 'PAYQR0003');
    expect(payment.attempts).toHaveLength(1);
    expect(payment.attempts[0]!.status).toBe('succeeded');
    const read = await store.readStream('H1/payment/PAYQR0003');
    expect(read.events.filter((e) => e.type === 'PaymentAttemptSucceeded')).toHaveLength(1);
  });
});

describe('in-app (JSAPI / Alipay create)', () => {
  it('answers the signed JSAPI parameters the page needs', async () => {
    await order('PAYAPP001');
    const answer = await payOrder(
      ports,
      {
        hospitalId: 'H1',
        orderId: 'PAYAPP001',
        attemptId: 'A1',
        method: 'in_app',
        channel: 'wechat',
        payer: 'oUpF8uMuAJO_M2pxb1Q9zNjWeS6o',
      },
      ctx,
    );
    expect(answer.inApp).toMatchObject({ signType: 'RSA', appId: sandbox.wechat.appId });
    expect(answer.inApp!.package).toMatch(/^prepay_id=wx/);
    expect(answer.inApp!.paySign!.length).toBeGreaterThan(100);
  });

  it('answers the Alipay trade number', async () => {
    await order('PAYAPP002');
    const request = {
      hospitalId: 'H1',
      orderId: 'PAYAPP002',
      attemptId: 'A1',
      method: 'in_app',
      channel: 'alipay',
      payer: '2088102146225135',
    } as const;
    const answer = await payOrder(ports, request, ctx);
    expect(answer.inApp!.tradeNO).toBe(sandbox.book.trade('alipay', 'PAYAPP002')!.txnId);
    // The same request again answers the same attempt.
    const again = await payOrder(ports, request, ctx);
    expect(again).toEqual(answer);
  });
});

describe('intraday checks (多时点对账)', () => {
  const catchUp = () =>
    catchUpProjection({
      db: ports.db,
      store,
      projection: paymentAttemptsProjection,
      schema: PAYMENT_ATTEMPTS.schema,
    });

  it('settle a payment whose callback never came before its bill, and the day shows it', async () => {
    await order('PAYDAY001', '40.00');
    await payOrder(
      ports,
      { hospitalId: 'H1', orderId: 'PAYDAY001', attemptId: 'A1', method: 'qr', channel: 'alipay' },
      ctx,
    );
    // The patient pays; Alipay's notification never reaches the platform (no notify URL configured here).
    sandbox.book.pay('alipay', 'PAYDAY001', '40.00');
    await catchUp();
    // Too young: left to its callback.
    expect((await runIntradayCheck(ports, { hospitalId: 'H1', minAgeMs: 60_000 })).checked).toBe(0);
    clock.advanceTo(new Date(clock.now().getTime() + 3 * 60_000));
    const r = await runIntradayCheck(ports, { hospitalId: 'H1' });
    expect(r.confirmed).toBeGreaterThanOrEqual(1);
    expect((await loadOrder(store, 'H1', 'PAYDAY001')).state.status).toBe('paid');
    await catchUp();
    // The business day the attempt started on (as the read model recorded it; the test clock may have run ahead
    // of it past midnight).
    const started = await sql<{ at: Date }>`SELECT started_at AS at FROM ${sql.table(
      `${PAYMENT_ATTEMPTS.schema}.payment_attempts`,
    )} WHERE order_id = 'PAYDAY001'`.execute(ports.db);
    const day = new Date(started.rows[0]!.at).toLocaleDateString('sv-SE', { timeZone: 'Asia/Shanghai' });
    const summary = await intradaySummary(ports, { hospitalId: 'H1', businessDate: day });
    expect(summary.tallies).toContainEqual(
      expect.objectContaining({ channel: 'alipay', status: 'succeeded', settledVia: 'query' }),
    );
    expect(Number(summary.settledByQuery.amount)).toBeGreaterThanOrEqual(40);
    // Checked again: nothing left open for it.
    await catchUp();
    const again = await runIntradayCheck(ports, { hospitalId: 'H1' });
    expect(again.confirmed).toBe(0);
  });
});
