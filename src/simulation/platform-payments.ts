// Part of the simulated day paid through the platform (统一支付接口: POST /v1/payments runs takePayment) with the
// channel sandbox answering, instead of the channel's callback the generator scripts: QR codes and in-app
// payments the patient completes, payment codes paid at once, one where the patient enters the password and the
// payment is settled by query, and one (on an extra order) the patient never completes, reversed at the channel.
//
// The routed orders are ordinary clean payments of the generated day: their commands stay as generated up to
// the order's creation, the payment goes through the route at the time the generator had it paid, and their
// channel statement lines and HIS charges then carry what the sandbox's book holds (its transaction id and
// time). So the answer key still holds: they are matched like every other paid order. The reversed order
// moves no money and has no statement line.
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { alipayClient, wechatClient } from '../adapters/channels/credentials.ts';
import { runOrderCommand } from '../app/orders.ts';
import {
  answerOf,
  followPaymentAttempt,
  loadPayment,
  type PaymentStatus,
  takePayment,
} from '../app/payments.ts';
import type { AppPorts } from '../app/ports.ts';
import type { ChannelGateway, ChannelGateways, GatewayChannel } from '../domain/channel/gateway.ts';
import type { Actor } from '../domain/decider.ts';
import { OrderId } from '../domain/ids.ts';
import { attemptOf, type PaymentMethod, type SettledVia } from '../domain/payment/index.ts';
import { ChannelSandbox, type CodePaymentBehaviour } from './channels/sandbox.ts';
import type { SimCommand } from './commands.ts';
import { MERCHANT_IDS, type SimulatedDay, type Story } from './types.ts';

/** What is routed, in this order: each takes the next clean order of its channel. */
export const ROUTED_PAYMENTS: readonly {
  method: PaymentMethod;
  channel: GatewayChannel;
  behaviour?: CodePaymentBehaviour;
}[] = [
  { method: 'qr', channel: 'wechat' },
  { method: 'qr', channel: 'alipay' },
  { method: 'in_app', channel: 'wechat' },
  { method: 'in_app', channel: 'alipay' },
  { method: 'code', channel: 'wechat', behaviour: 'success' },
  { method: 'code', channel: 'alipay', behaviour: 'success' },
  { method: 'code', channel: 'wechat', behaviour: 'password' },
  { method: 'code', channel: 'alipay', behaviour: 'password-timeout' },
];

/** Sample payment codes (付款码) by channel: WeChat 10–15 + 16 digits, Alipay 25–30 + 14–22 digits. */
const AUTH_CODES: Record<GatewayChannel, string> = {
  wechat: '134567890123456789',
  alipay: '2845678901234567',
};
/** Queries the sandbox answers "user is paying" before a password payment completes (inside the request). */
const PASSWORD_POLLS = 2;

export interface RoutedPayment {
  method: PaymentMethod;
  channel: GatewayChannel;
  behaviour?: CodePaymentBehaviour;
  orderId: string;
  attemptId: string;
  amount: string;
  actor: Actor;
  /** When the patient pays (the generator's channel time for the order). */
  at: Date;
  /** The transaction id the generator gave the payment (replaced by the sandbox's). */
  generatedTxnId?: string;
  /** An extra order made for the payment that times out (its CreateOrder). */
  create?: SimCommand;
}

export interface RoutedOutcome extends RoutedPayment {
  status: PaymentStatus;
  settledVia?: SettledVia;
  channelTxnId?: string;
}

/** The day with the routed orders' payment commands taken out, and what the route pays instead. */
export function routePayments(day: SimulatedDay): { day: SimulatedDay; routed: RoutedPayment[] } {
  const excluded = new Set<string>();
  for (const k of day.answerKey) excluded.add(k.subject.replace(/^dup:/, ''));
  for (const c of day.cases) excluded.add(c.subject);
  const recordOf = new Map(day.channelRecords.map((r) => [r.channelTxnId, r]));
  const used = new Set<string>();
  const routed: RoutedPayment[] = [];
  const clean = (s: Story, channel: GatewayChannel) => {
    if (used.has(s.key) || s.commands.length !== 3) return undefined;
    const [create, request, record] = s.commands.map((x) => x.command);
    if (
      create?.type !== 'CreateOrder' ||
      request?.type !== 'RequestPayment' ||
      record?.type !== 'RecordPayment'
    )
      return undefined;
    if (create.business.kind === 'deposit' || request.channel !== channel) return undefined;
    const orderId = String(create.orderId);
    if (excluded.has(orderId) || excluded.has(record.channelTxnId)) return undefined;
    const his = day.hisPlan[orderId];
    if (his && (his.failures > 0 || his.outcome !== 'confirmed')) return undefined;
    const line = recordOf.get(record.channelTxnId);
    if (!line || line.copy || line.businessDate !== day.config.date) return undefined;
    if (day.channelRecords.filter((r) => r.merchantOrderNo === orderId).length !== 1) return undefined;
    return { create, request, record, line };
  };
  const stories = new Map(day.stories.map((s) => [s.key, s]));
  for (const plan of ROUTED_PAYMENTS) {
    for (const s of day.stories) {
      const c = clean(s, plan.channel);
      if (!c) continue;
      used.add(s.key);
      const base = {
        ...plan,
        attemptId: String(c.request.attemptId),
        amount: c.create.amount.toString(),
        actor: c.request.actor,
        at: new Date(c.line.occurredAt),
      };
      if (plan.behaviour === 'password-timeout') {
        // Never paid: an extra order of its own, so the generated day's money stays as it is.
        const orderId = `${c.create.orderId}P`;
        routed.push({
          ...base,
          orderId,
          create: { decider: 'order', command: { ...c.create, orderId: OrderId(orderId) } },
        });
      } else {
        routed.push({ ...base, orderId: String(c.create.orderId), generatedTxnId: c.record.channelTxnId });
        stories.set(s.key, { key: s.key, commands: s.commands.slice(0, 1) });
      }
      break;
    }
  }
  return { day: { ...day, stories: day.stories.map((s) => stories.get(s.key)!) }, routed };
}

/** A clock the platform and the sandbox share while the route pays: set to each payment's time. */
export class PaymentClock {
  #at = new Date(0);
  readonly now = (): Date => this.#at;
  set(at: Date): void {
    this.#at = at;
  }
}

/**
 * Pays each routed order through takePayment (what POST /v1/payments runs), one at a time at its time, the
 * sandbox playing the patient: it pays a QR code or in-app prepay (then the platform queries it), answers a
 * payment code as scripted. Then, on `later` (the platform's clock after the day), what is still open is followed
 * as the payment_follow_up reaction follows it: a payment code still waiting for the password is reversed.
 * Safe to run again: an attempt that exists is answered as it stands.
 */
export async function payRouted(
  pay: PaymentSandbox,
  ports: AppPorts,
  hospitalId: string,
  routed: readonly RoutedPayment[],
): Promise<void> {
  const { sandbox, clock, gateways } = pay;
  const later = { ...ports, gateways };
  ports = { ...later, now: clock.now };
  for (const r of routed) {
    clock.set(r.at);
    const ctx = { actor: r.actor, correlationId: `demo-pay:${r.orderId}` };
    if (r.create)
      await runOrderCommand(ports, r.create.command as never, {
        ...ctx,
        idempotencyKey: `demo-pay:${r.orderId}:create`,
      });
    const before = attemptOf(await loadPayment(ports, hospitalId, r.orderId), r.attemptId);
    if (!before && r.behaviour)
      sandbox.scriptCodePayment({ behaviour: r.behaviour, channel: r.channel, polls: PASSWORD_POLLS });
    const { answer } = await takePayment(
      ports,
      {
        hospitalId,
        orderId: r.orderId,
        attemptId: r.attemptId,
        method: r.method,
        channel: r.channel,
        ...(r.method === 'code' ? { authCode: AUTH_CODES[r.channel] } : {}),
        ...(r.method === 'in_app' ? { payer: `sim-payer-${r.orderId}` } : {}),
      },
      ctx,
      { sleep: async () => {}, codePollsInRequest: PASSWORD_POLLS + 1 },
    );
    if (answer.status === 'pending') {
      // The patient scans the code / confirms in the app; the platform learns it by query.
      await sandbox.pay(r.channel, r.orderId, r.amount, r.at);
      await followPaymentAttempt(ports, hospitalId, r.orderId, r.attemptId);
    }
  }
  for (const r of routed) await followPaymentAttempt(later, hospitalId, r.orderId, r.attemptId);
}

/** Each routed payment as it ended (after the reactions reversed what timed out). */
export async function routedOutcomes(
  ports: AppPorts,
  hospitalId: string,
  routed: readonly RoutedPayment[],
): Promise<RoutedOutcome[]> {
  const out: RoutedOutcome[] = [];
  for (const r of routed) {
    const payment = await loadPayment(ports, hospitalId, r.orderId);
    const a = attemptOf(payment, r.attemptId);
    if (!a) throw new Error(`routed payment of ${r.orderId} has no attempt ${r.attemptId}`);
    const answer = answerOf(payment, a);
    out.push({
      ...r,
      status: answer.status,
      ...(answer.settledVia ? { settledVia: answer.settledVia } : {}),
      ...(answer.channelTxnId ? { channelTxnId: answer.channelTxnId } : {}),
    });
  }
  return out;
}

/**
 * The day's channel and HIS records with the routed payments as the sandbox booked them: its transaction id in
 * place of the generated one (the time is the generator's: the sandbox was paid at it).
 */
export function withRoutedTxnIds(day: SimulatedDay, outcomes: readonly RoutedOutcome[]): SimulatedDay {
  const txn = new Map<string, RoutedOutcome>();
  for (const o of outcomes) {
    if (!o.generatedTxnId) continue;
    if (o.status !== 'succeeded' || !o.channelTxnId)
      throw new Error(`routed payment of ${o.orderId} ended ${o.status}, not paid`);
    txn.set(o.generatedTxnId, o);
  }
  const tradeType = (o: RoutedOutcome) =>
    o.channel !== 'wechat'
      ? undefined
      : o.method === 'qr'
        ? 'NATIVE'
        : o.method === 'in_app'
          ? 'JSAPI'
          : 'MICROPAY';
  return {
    ...day,
    channelRecords: day.channelRecords.map((r) => {
      const o = txn.get(r.channelTxnId);
      if (!o) return r;
      const t = tradeType(o);
      return { ...r, channelTxnId: o.channelTxnId!, ...(t ? { tradeType: t } : {}) };
    }),
    hisRecords: day.hisRecords.map((h) => {
      const o = h.channelTxnId ? txn.get(h.channelTxnId) : undefined;
      return o ? { ...h, channelTxnId: o.channelTxnId! } : h;
    }),
  };
}

/** The summary's line: how many were paid by each method, how many settled by query, how many reversed. */
export function routedSummary(outcomes: readonly RoutedOutcome[]): string {
  const n = (f: (o: RoutedOutcome) => boolean) => outcomes.filter(f).length;
  const paid = (m: PaymentMethod) => n((o) => o.method === m && o.status === 'succeeded');
  return (
    `${outcomes.length} payments through the unified payment use case (what POST /v1/payments runs) with the channel sandbox answering: ` +
    `${paid('qr')} QR code, ${paid('in_app')} in-app, ${paid('code')} payment code ` +
    `(${n((o) => o.behaviour === 'password' && o.settledVia === 'query')} after "user is paying", settled by query), ` +
    `${n((o) => o.status === 'reversed')} payment code timed out and reversed (撤销: nothing charged)`
  );
}

/** The sandbox the routed payments are made at, the platform's clients of it, on one shared clock. */
export interface PaymentSandbox {
  sandbox: ChannelSandbox;
  clock: PaymentClock;
  gateways: ChannelGateways;
  close(): Promise<void>;
}

/**
 * Starts the channel sandbox on loopback with a receiver that acknowledges its callbacks (the platform learns
 * the routed payments by its answers and queries here), and clients of its two merchants for `hospitalId`.
 */
export async function startPaymentSandbox(hospitalId: string): Promise<PaymentSandbox> {
  const sink = createServer((req, res) => {
    req.resume();
    req.on('end', () => res.writeHead(200, { 'content-type': 'text/plain' }).end('success'));
  });
  await new Promise<void>((r) => sink.listen(0, '127.0.0.1', r));
  const notifyUrl = `http://127.0.0.1:${(sink.address() as AddressInfo).port}/notify`;
  const clock = new PaymentClock();
  // The simulated hospital's merchants: the bills the demo downloads are issued to them.
  const sandbox = new ChannelSandbox({
    now: clock.now,
    wechat: { notifyUrl, mchId: MERCHANT_IDS.wechat },
    alipay: { notifyUrl, pid: MERCHANT_IDS.alipay.replace(/0156$/, '') },
  });
  try {
    await sandbox.start();
  } catch (error) {
    sink.close();
    throw error;
  }
  const c = sandbox.credentials();
  const now = () => clock.now().getTime();
  const clients: Record<string, ChannelGateway> = {
    wechat: wechatClient(c.wechat, { timeoutMs: 10_000, paymentNotifyUrl: notifyUrl, now }),
    alipay: alipayClient(c.alipay, { timeoutMs: 10_000, now }),
  };
  return {
    sandbox,
    clock,
    gateways: { gateway: async (h, channel) => (h === hospitalId ? clients[channel] : undefined) },
    close: async () => {
      await sandbox.close();
      await new Promise((r) => sink.close(r));
    },
  };
}
