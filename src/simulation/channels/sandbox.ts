// The channel sandbox (`ledger channel-sandbox`): a loopback HTTP server that speaks the WeChat Pay API v3 and
// the Alipay OpenAPI gateway with real signatures, keeps its own book of trades, sends signed notifications,
// issues a day's bills in the channels' formats, and does wrong on request (faults.ts). Tests and the demo
// point the platform's channel clients at it, as they point the HIS clients at the HIS simulator.
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import type { GatewayChannel } from '../../domain/channel/gateway.ts';
import { type AlipayApi, alipayApi } from './alipay-api.ts';
import { SandboxBook, type SandboxRefund, type SandboxTrade } from './book.ts';
import { FaultPlan, SANDBOX_FAULTS, type SandboxFault, type SandboxOperation } from './faults.ts';
import {
  apiV3Key,
  type KeyPair,
  type PlatformCertificate,
  platformCertificate,
  privatePem,
  publicPem,
  rsaKeyPair,
} from './keys.ts';
import { type WechatApi, wechatApi } from './wechat-api.ts';

/**
 * What the next payment code (付款码) does: pay at once; ask for the password and complete after `polls` payment
 * queries (USERPAYING → SUCCESS); ask for the password and never complete (the platform must reverse it); or be
 * declined (not enough balance).
 */
export const CODE_PAYMENT_BEHAVIOURS = ['success', 'password', 'password-timeout', 'decline'] as const;
export type CodePaymentBehaviour = (typeof CODE_PAYMENT_BEHAVIOURS)[number];

export interface CodePaymentScript {
  behaviour: CodePaymentBehaviour;
  /** Any channel when absent. */
  channel?: GatewayChannel;
  /** `password`: queries answered USERPAYING before the payment completes (default 2). */
  polls?: number;
  /** Code payments it applies to (default 1). */
  times?: number;
}

/** The bills the sandbox issues: the trade bill and the fund-flow bill (Alipay: signcustomer). */
export type SandboxBillKind = 'trade' | 'fundflow';

export type CodePaymentOutcome = 'paid' | 'paying' | 'declined' | 'closed';

/** Largest request body the sandbox reads. */
export const SANDBOX_MAX_BODY_BYTES = 1024 * 1024;
/** A held (timed-out) answer is dropped after this long even if nobody closes the sandbox. */
const HOLD_LIMIT_MS = 10 * 60_000;

export interface SandboxReply {
  status: number;
  headers?: Record<string, string>;
  body: string | Buffer;
  /** A file download: WeChat signs no answer of it. */
  unsigned?: boolean;
}

export interface SandboxRequest {
  method: string;
  /** Path and query as sent. */
  url: string;
  path: string;
  query: URLSearchParams;
  headers: Record<string, string | string[] | undefined>;
  body: string;
}

/** A routed call: what it is (for faults) and how to carry it out. */
export interface Routed {
  operation: SandboxOperation;
  /** An answer given before anything is carried out (the request's signature did not verify). */
  refused?: SandboxReply;
  run(): Promise<SandboxReply> | SandboxReply;
}

/** One channel's endpoints. */
export interface ChannelApi {
  route(req: SandboxRequest): Routed | undefined;
  /** The answer as the channel signs it; `forged`: signed with a key that is not the channel's. */
  sign(reply: SandboxReply, forged: boolean, req: SandboxRequest): SandboxReply;
  systemError(req: SandboxRequest): SandboxReply;
  notification(
    kind: 'payment' | 'refund',
    trade: SandboxTrade,
    refund?: SandboxRefund,
  ): { headers: Record<string, string>; body: string };
}

export interface Delivery {
  channel: GatewayChannel;
  kind: 'payment' | 'refund';
  url: string;
  status: number;
  answer: string;
}

export interface WechatMerchant {
  mchId: string;
  appId: string;
  apiV3Key: string;
  merchant: KeyPair & { serial: string };
  /** Platform certificates, newest last; answers are signed with the newest. */
  certificates: PlatformCertificate[];
  /** WeChat Pay public-key mode: answers signed with this key under `PUB_KEY_ID_…` instead. */
  publicKey?: KeyPair & { serial: string };
  notifyUrl?: string;
}

export interface AlipayMerchant {
  appId: string;
  /** 2088…: the seller id; bills are named after `<pid>0156`. */
  pid: string;
  app: KeyPair;
  alipay: KeyPair;
  notifyUrl?: string;
}

export interface SandboxOptions {
  host?: string;
  port?: number;
  now?: () => Date;
  /** WeChat Pay public-key mode instead of platform certificates. */
  wechatPublicKeyMode?: boolean;
  wechat?: Partial<Pick<WechatMerchant, 'mchId' | 'appId' | 'notifyUrl'>>;
  alipay?: Partial<Pick<AlipayMerchant, 'appId' | 'pid' | 'notifyUrl'>>;
}

/** What the platform needs to talk to the sandbox, as PEM text (written to files by the CLI). */
export interface SandboxCredentials {
  wechat: {
    baseUrl: string;
    mchId: string;
    appId: string;
    apiV3Key: string;
    merchantSerial: string;
    merchantPrivateKey: string;
    platformMode: 'certificates' | 'public-key';
    /** Certificates (PEM) or the public key (PEM), with serials. */
    platformKeys: Array<{ serial: string; pem: string }>;
  };
  alipay: {
    gateway: string;
    appId: string;
    pid: string;
    privateKey: string;
    alipayPublicKey: string;
  };
}

export class ChannelSandbox {
  readonly book: SandboxBook;
  readonly faults = new FaultPlan();
  readonly deliveries: Delivery[] = [];
  readonly wechat: WechatMerchant;
  readonly alipay: AlipayMerchant;
  /** A key that is nobody's: `forge` signs with it. */
  readonly impostor = rsaKeyPair();
  readonly files = new Map<string, { bytes: Buffer; contentType: string }>();
  /** Bills given for a day (issueBill), by `channel/date/kind`: served instead of one made from the book. */
  readonly #issuedBills = new Map<string, Buffer>();
  readonly #server: Server;
  readonly #held = new Set<ServerResponse>();
  readonly #pending = new Set<Promise<void>>();
  readonly #wechatApi: WechatApi;
  readonly #alipayApi: AlipayApi;
  readonly #codeScripts: Array<CodePaymentScript & { left: number }> = [];
  /** Trades waiting for the password: queries left before they complete. */
  readonly #passwordPolls = new Map<string, number>();
  readonly now: () => Date;
  #baseUrl = '';

  constructor(private readonly options: SandboxOptions = {}) {
    this.now = options.now ?? (() => new Date());
    this.book = new SandboxBook(this.now);
    const merchant = rsaKeyPair();
    this.wechat = {
      mchId: options.wechat?.mchId ?? '1900000109',
      appId: options.wechat?.appId ?? 'wx8888888888888888',
      apiV3Key: apiV3Key(),
      merchant: { ...merchant, serial: '3775B6A45ACD588826D15E583A95F5DD2C2E8F36' },
      certificates: [platformCertificate()],
      ...(options.wechatPublicKeyMode
        ? { publicKey: { ...rsaKeyPair(), serial: 'PUB_KEY_ID_0119000001092025120200000000' } }
        : {}),
      ...(options.wechat?.notifyUrl ? { notifyUrl: options.wechat.notifyUrl } : {}),
    };
    this.alipay = {
      appId: options.alipay?.appId ?? '2021000000000001',
      pid: options.alipay?.pid ?? '2088000000000001',
      app: rsaKeyPair(),
      alipay: rsaKeyPair(),
      ...(options.alipay?.notifyUrl ? { notifyUrl: options.alipay.notifyUrl } : {}),
    };
    this.#wechatApi = wechatApi(this);
    this.#alipayApi = alipayApi(this);
    this.#server = createServer((req, res) => {
      this.handle(req, res).catch((error: unknown) => {
        if (!res.headersSent) res.writeHead(500, { 'content-type': 'text/plain' });
        res.end(String(error));
      });
    });
  }

  get baseUrl(): string {
    return this.#baseUrl;
  }

  async start(): Promise<string> {
    await new Promise<void>((resolve, reject) => {
      this.#server.once('error', reject);
      this.#server.listen(this.options.port ?? 0, this.options.host ?? '127.0.0.1', () => resolve());
    });
    const a = this.#server.address() as AddressInfo;
    this.#baseUrl = `http://${a.address}:${a.port}`;
    return this.#baseUrl;
  }

  async close(): Promise<void> {
    for (const res of this.#held) res.destroy();
    this.#held.clear();
    await this.settled();
    this.#server.closeAllConnections();
    await new Promise<void>((resolve) => this.#server.close(() => resolve()));
  }

  fault(fault: SandboxFault): this {
    this.faults.add(fault);
    return this;
  }

  credentials(): SandboxCredentials {
    const w = this.wechat;
    return {
      wechat: {
        baseUrl: this.#baseUrl,
        mchId: w.mchId,
        appId: w.appId,
        apiV3Key: w.apiV3Key,
        merchantSerial: w.merchant.serial,
        merchantPrivateKey: privatePem(w.merchant.privateKey),
        platformMode: w.publicKey ? 'public-key' : 'certificates',
        platformKeys: w.publicKey
          ? [{ serial: w.publicKey.serial, pem: publicPem(w.publicKey.publicKey) }]
          : w.certificates.map((c) => ({ serial: c.serial, pem: c.pem })),
      },
      alipay: {
        gateway: `${this.#baseUrl}/gateway.do`,
        appId: this.alipay.appId,
        pid: this.alipay.pid,
        privateKey: privatePem(this.alipay.app.privateKey),
        alipayPublicKey: publicPem(this.alipay.alipay.publicKey),
      },
    };
  }

  /** WeChat issues a new platform certificate and signs with it from now on (the old one stays listed). */
  rotatePlatformCertificate(): PlatformCertificate {
    const cert = platformCertificate();
    this.wechat.certificates.push(cert);
    return cert;
  }

  /**
   * The channel's own record of a day: its bill endpoints answer these bytes for (channel, date, kind) instead
   * of a bill made from the book (which holds only the trades paid here). WeChat: the bill's text (gzipped and
   * hashed as the API does); Alipay: the bill's .csv.zip.
   */
  issueBill(channel: GatewayChannel, date: string, kind: SandboxBillKind, bytes: Uint8Array): this {
    this.#issuedBills.set(`${channel}/${date}/${kind}`, Buffer.from(bytes));
    return this;
  }

  /** The bill issued for (channel, date, kind), if one was given. */
  issuedBill(channel: GatewayChannel, date: string, kind: SandboxBillKind): Buffer | undefined {
    return this.#issuedBills.get(`${channel}/${date}/${kind}`);
  }

  // ---- what patients and time do ----

  /** The patient pays: the trade is booked SUCCESS and the channel notifies the platform (if it has a URL). */
  async pay(channel: GatewayChannel, outTradeNo: string, total: string, at?: Date): Promise<SandboxTrade> {
    const trade = this.book.pay(channel, outTradeNo, total, at);
    await this.notify(channel, 'payment', trade);
    return trade;
  }

  /** Scripts what the next code payment(s) do (see CODE_PAYMENT_BEHAVIOURS). */
  scriptCodePayment(script: CodePaymentScript): this {
    this.#codeScripts.push({ ...script, left: script.times ?? 1 });
    return this;
  }

  private takeCodeScript(channel: GatewayChannel): CodePaymentScript {
    const i = this.#codeScripts.findIndex((r) => r.channel === undefined || r.channel === channel);
    if (i < 0) return { behaviour: 'success' };
    const rule = this.#codeScripts[i]!;
    if (--rule.left <= 0) this.#codeScripts.splice(i, 1);
    return rule;
  }

  /** A payment code scanned at a device, as the channel's pay call carries it out. */
  codePayment(
    channel: GatewayChannel,
    outTradeNo: string,
    total: string,
  ): { trade?: SandboxTrade; outcome: CodePaymentOutcome } {
    const existing = this.book.trade(channel, outTradeNo);
    if (existing?.state === 'SUCCESS') return { trade: existing, outcome: 'paid' };
    if (existing?.state === 'USERPAYING') return { trade: existing, outcome: 'paying' };
    if (existing && existing.state !== 'NOTPAY') return { trade: existing, outcome: 'closed' };
    const script = this.takeCodeScript(channel);
    switch (script.behaviour) {
      case 'decline':
        return { outcome: 'declined' };
      case 'password':
      case 'password-timeout': {
        const trade = this.book.awaitPassword(channel, outTradeNo, total);
        if (script.behaviour === 'password')
          this.#passwordPolls.set(`${channel}/${outTradeNo}`, script.polls ?? 2);
        return { trade, outcome: 'paying' };
      }
      default: {
        const trade = this.book.pay(channel, outTradeNo, total);
        return { trade, outcome: 'paid' };
      }
    }
  }

  /** Each payment query: a trade waiting for the password completes after its scripted number of queries. */
  queried(trade: SandboxTrade): void {
    const key = `${trade.channel}/${trade.outTradeNo}`;
    const left = this.#passwordPolls.get(key);
    if (trade.state !== 'USERPAYING' || left === undefined) return;
    if (left > 1) {
      this.#passwordPolls.set(key, left - 1);
      return;
    }
    this.#passwordPolls.delete(key);
    this.book.pay(trade.channel, trade.outTradeNo, trade.total);
    setImmediate(() => void this.notify(trade.channel, 'payment', trade));
  }

  /** The patient finishes entering the password now: the trade is paid and the channel notifies. */
  async confirmPassword(channel: GatewayChannel, outTradeNo: string): Promise<SandboxTrade | undefined> {
    const trade = this.book.trade(channel, outTradeNo);
    if (trade?.state !== 'USERPAYING') return trade;
    this.#passwordPolls.delete(`${channel}/${outTradeNo}`);
    return this.pay(channel, outTradeNo, trade.total);
  }

  /** Completes every PROCESSING refund now (and notifies). */
  async completeRefunds(): Promise<number> {
    let n = 0;
    for (const channel of ['wechat', 'alipay'] as const)
      for (const { trade, refund } of this.processingRefunds(channel)) {
        this.book.completeRefund(refund);
        await this.notify(channel, 'refund', trade, refund);
        n++;
      }
    return n;
  }

  private *processingRefunds(channel: GatewayChannel) {
    for (const t of this.book.trades(channel))
      for (const r of t.refunds.values()) if (r.state === 'PROCESSING') yield { trade: t, refund: r };
  }

  /** Sends the notification of a payment or refund (twice under a `callback-twice` fault). */
  async notify(
    channel: GatewayChannel,
    kind: 'payment' | 'refund',
    trade: SandboxTrade,
    refund?: SandboxRefund,
    url?: string,
  ): Promise<void> {
    const api = channel === 'wechat' ? this.#wechatApi : this.#alipayApi;
    const target = url ?? (channel === 'wechat' ? this.wechat.notifyUrl : this.alipay.notifyUrl);
    if (!target) return;
    const twice = this.faults.take(channel, 'callback', ['callback-twice']) !== undefined;
    for (let i = 0; i < (twice ? 2 : 1); i++) {
      const message = api.notification(kind, trade, refund);
      const p = this.deliver(channel, kind, target, message);
      this.#pending.add(p);
      await p.finally(() => this.#pending.delete(p));
    }
  }

  private async deliver(
    channel: GatewayChannel,
    kind: 'payment' | 'refund',
    url: string,
    message: { headers: Record<string, string>; body: string },
  ): Promise<void> {
    try {
      const res = await fetch(url, {
        method: 'POST',
        headers: message.headers,
        body: message.body,
        signal: AbortSignal.timeout(10_000),
      });
      this.deliveries.push({ channel, kind, url, status: res.status, answer: await res.text() });
    } catch (error) {
      this.deliveries.push({ channel, kind, url, status: 0, answer: String(error) });
    }
  }

  /** Resolves when every notification sent so far has been answered. */
  async settled(): Promise<void> {
    while (this.#pending.size > 0) await Promise.allSettled([...this.#pending]);
  }

  // ---- the HTTP side ----

  /**
   * The sandbox's own control API (loopback, for the demo and manual tests): POST /sandbox/pay
   * {channel, outTradeNo, amount, notifyUrl?}, POST /sandbox/faults {kind, channel?, operation?, times?, ms?, polls?},
   * POST /sandbox/code-payments {behaviour, channel?, polls?, times?}, POST /sandbox/password {channel, outTradeNo},
   * DELETE /sandbox/faults, POST /sandbox/refunds/complete, POST /sandbox/rotate-certificate, GET /sandbox/deliveries.
   */
  private async control(req: SandboxRequest): Promise<SandboxReply> {
    const reply = (status: number, body: unknown): SandboxReply => ({
      status,
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify(body),
    });
    let b: Record<string, unknown> = {};
    try {
      b = req.body ? (JSON.parse(req.body) as Record<string, unknown>) : {};
    } catch {
      return reply(400, { error: 'body is not JSON' });
    }
    const route = `${req.method} ${req.path}`;
    if (route === 'POST /sandbox/pay') {
      if (!isChannel(b.channel) || typeof b.outTradeNo !== 'string' || typeof b.amount !== 'string')
        return reply(400, { error: 'channel, outTradeNo and amount are required' });
      if (typeof b.notifyUrl === 'string')
        if (b.channel === 'wechat') this.wechat.notifyUrl = b.notifyUrl;
        else this.alipay.notifyUrl = b.notifyUrl;
      const t = await this.pay(b.channel, b.outTradeNo, b.amount);
      return reply(200, { txnId: t.txnId, state: t.state });
    }
    if (route === 'POST /sandbox/faults') {
      if (!SANDBOX_FAULTS.includes(b.kind as never))
        return reply(400, { error: `kind: ${SANDBOX_FAULTS.join(' | ')}` });
      this.fault(b as unknown as SandboxFault);
      return reply(200, { ok: true });
    }
    if (route === 'POST /sandbox/code-payments') {
      if (!CODE_PAYMENT_BEHAVIOURS.includes(b.behaviour as never))
        return reply(400, { error: `behaviour: ${CODE_PAYMENT_BEHAVIOURS.join(' | ')}` });
      if (b.channel !== undefined && !isChannel(b.channel))
        return reply(400, { error: 'channel: wechat | alipay' });
      this.scriptCodePayment(b as unknown as CodePaymentScript);
      return reply(200, { ok: true });
    }
    if (route === 'POST /sandbox/password') {
      if (!isChannel(b.channel) || typeof b.outTradeNo !== 'string')
        return reply(400, { error: 'channel and outTradeNo are required' });
      const t = await this.confirmPassword(b.channel, b.outTradeNo);
      return t ? reply(200, { txnId: t.txnId, state: t.state }) : reply(404, { error: 'no such trade' });
    }
    if (route === 'DELETE /sandbox/faults') {
      this.faults.clear();
      return reply(200, { ok: true });
    }
    if (route === 'POST /sandbox/refunds/complete')
      return reply(200, { completed: await this.completeRefunds() });
    if (route === 'POST /sandbox/rotate-certificate')
      return reply(200, { serial: this.rotatePlatformCertificate().serial });
    if (route === 'GET /sandbox/deliveries') return reply(200, { deliveries: this.deliveries });
    return NOT_FOUND;
  }

  private async handle(req: IncomingMessage, res: ServerResponse): Promise<void> {
    const body = await readBody(req);
    const url = new URL(req.url ?? '/', 'http://sandbox');
    const request: SandboxRequest = {
      method: req.method ?? 'GET',
      url: `${url.pathname}${url.search}`,
      path: url.pathname,
      query: url.searchParams,
      headers: req.headers,
      body,
    };
    if (url.pathname.startsWith('/sandbox/')) {
      send(res, await this.control(request));
      return;
    }
    if (url.pathname.startsWith('/files/')) {
      // Alipay's bill URL: unsigned, short-lived (here: valid until the sandbox closes).
      const file = this.files.get(url.searchParams.get('token') ?? '');
      send(
        res,
        file ? { status: 200, headers: { 'content-type': file.contentType }, body: file.bytes } : NOT_FOUND,
      );
      return;
    }
    const [channel, api] = url.pathname.startsWith('/v3/')
      ? (['wechat', this.#wechatApi] as const)
      : url.pathname === '/gateway.do'
        ? (['alipay', this.#alipayApi] as const)
        : [undefined, undefined];
    const routed = api?.route(request);
    if (!channel || !api || !routed) {
      send(res, NOT_FOUND);
      return;
    }
    if (routed.refused) {
      send(res, api.sign(routed.refused, false, request));
      return;
    }
    const op = routed.operation;
    if (this.faults.take(channel, op, ['fail'])) {
      send(res, api.sign(api.systemError(request), false, request));
      return;
    }
    const reply = await routed.run();
    const forged = this.faults.take(channel, op, ['forge']) !== undefined;
    const signed = api.sign(reply, forged, request);
    if (this.faults.take(channel, op, ['timeout'])) {
      // Carried out, never answered: the caller's deadline passes.
      this.#held.add(res);
      const t = setTimeout(() => {
        this.#held.delete(res);
        res.destroy();
      }, HOLD_LIMIT_MS);
      t.unref();
      res.on('close', () => {
        clearTimeout(t);
        this.#held.delete(res);
      });
      return;
    }
    const delay = this.faults.take(channel, op, ['delay']);
    if (delay) await new Promise((r) => setTimeout(r, delay.ms ?? 1_000));
    send(res, signed);
  }
}

const isChannel = (v: unknown): v is GatewayChannel => v === 'wechat' || v === 'alipay';

const NOT_FOUND: SandboxReply = {
  status: 404,
  headers: { 'content-type': 'application/json' },
  body: '{"code":"NOT_FOUND","message":"no such endpoint"}',
};

function send(res: ServerResponse, reply: SandboxReply): void {
  const bytes = typeof reply.body === 'string' ? Buffer.from(reply.body, 'utf8') : reply.body;
  res.writeHead(reply.status, { ...reply.headers, 'content-length': bytes.length });
  res.end(bytes);
}

async function readBody(req: IncomingMessage): Promise<string> {
  const chunks: Buffer[] = [];
  let size = 0;
  for await (const chunk of req as AsyncIterable<Buffer>) {
    size += chunk.length;
    if (size > SANDBOX_MAX_BODY_BYTES) throw new Error('request body too large');
    chunks.push(chunk);
  }
  return Buffer.concat(chunks).toString('utf8');
}
