// Alipay OpenAPI client (the ChannelGateway port) over the RSA2 gateway: alipay.trade.query, .close,
// .refund, .fastpay.refund.query and alipay.data.dataservice.bill.downloadurl.query (then the .csv.zip).
//
// Written on node:crypto rather than alipay-sdk: the same RSA2 rules already verify Alipay's notifications
// here (notify.ts), the sandbox signs its answers with them, and what the port needs from an answer (the
// raw response text the signature covers, codes mapped to the port's) is a few lines either way; alipay-sdk
// would add urllib and its own error types to translate.
import type { KeyObject } from 'node:crypto';
import {
  type BillRequest,
  CHANNEL_MAX_BILL_BYTES,
  CHANNEL_REQUEST_TIMEOUT_MS,
  ChannelCallError,
  type ChannelGateway,
  type CloseOutcome,
  type DownloadedBill,
  type PaymentLookup,
  type RefundLookup,
  type RefundRequest,
} from '../../../domain/channel/gateway.ts';
import type { ChannelNotice, NoticeStatus } from '../../../domain/channel/notice.ts';
import { maskRef } from '../../../domain/ids.ts';
import type {
  CodePayAnswer,
  CodePayRequest,
  InAppRequest,
  PaymentGateway,
  PrepayRequest,
} from '../../../domain/payment/gateway.ts';
import type { ReversalAction } from '../../../domain/payment/types.ts';
import { type ChannelHttpResponse, exchange } from '../http.ts';
import { normalizeYuan } from '../notification.ts';
import { parseShanghaiTime } from './notify.ts';
import { alipayResponseKey, alipaySign, alipaySignString, alipayVerify, rawJsonMember } from './signing.ts';

export interface AlipayClientConfig {
  /** `https://openapi.alipay.com/gateway.do`, or the sandbox's. */
  gateway: string;
  appId: string;
  /** Our application private key (应用私钥). */
  privateKey: KeyObject;
  /** Alipay's public key for this app (支付宝公钥): every answer is verified with it. */
  alipayPublicKey: KeyObject;
  timeoutMs?: number;
  now?: () => number;
  /** Where Alipay sends payment notifications (notify_url of precreate, pay and create). */
  paymentNotifyUrl?: string;
}

type Json = Record<string, unknown>;

const TRADE_STATES: Record<string, NoticeStatus> = {
  TRADE_SUCCESS: 'succeeded',
  TRADE_FINISHED: 'succeeded',
  WAIT_BUYER_PAY: 'pending',
  TRADE_CLOSED: 'closed',
};

const PAYMENT_METHODS_NOTIFIED = new Set([
  'alipay.trade.precreate',
  'alipay.trade.pay',
  'alipay.trade.create',
]);

/** "yyyy-MM-dd HH:mm:ss" in Asia/Shanghai (UTC+8, no DST), as the gateway wants its timestamp. */
function shanghaiStamp(ms: number): string {
  return new Date(ms + 8 * 3600_000).toISOString().slice(0, 19).replace('T', ' ');
}

const str = (o: Json, k: string): string | undefined =>
  typeof o[k] === 'string' && o[k] !== '' ? (o[k] as string) : undefined;

export class AlipayClient implements ChannelGateway, PaymentGateway {
  readonly channel = 'alipay' as const;
  readonly #timeoutMs: number;
  readonly #now: () => number;

  constructor(private readonly config: AlipayClientConfig) {
    this.#timeoutMs = config.timeoutMs ?? CHANNEL_REQUEST_TIMEOUT_MS;
    this.#now = config.now ?? Date.now;
  }

  get merchantId(): string {
    return this.config.appId;
  }

  async queryPayment(merchantOrderNo: string): Promise<PaymentLookup> {
    const r = await this.call('alipay.trade.query', { out_trade_no: merchantOrderNo }, true);
    if (r === null) return { found: false };
    return { found: true, notice: this.paymentNotice(r) };
  }

  async closeOrder(merchantOrderNo: string): Promise<CloseOutcome> {
    try {
      // A trade the patient never scanned does not exist at Alipay: nothing to close.
      await this.call('alipay.trade.close', { out_trade_no: merchantOrderNo }, false);
      return 'closed';
    } catch (error) {
      if (!(error instanceof ChannelCallError) || error.channelCode !== 'ACQ.TRADE_STATUS_ERROR') throw error;
      // Not closable: paid meanwhile, or closed already. Ask.
      const now = await this.queryPayment(merchantOrderNo);
      return now.found && now.notice.status === 'succeeded' ? 'already-paid' : 'closed';
    }
  }

  async refund(request: RefundRequest): Promise<ChannelNotice> {
    const r = await this.call(
      'alipay.trade.refund',
      {
        out_trade_no: request.merchantOrderNo,
        out_request_no: request.refundNo,
        refund_amount: request.amount,
        refund_reason: request.reason.slice(0, 256),
      },
      false,
    );
    if (r === null) throw new ChannelCallError('CHANNEL_REJECTED', 'the payment to refund does not exist');
    // Alipay refunds synchronously: a 10000 answer is a refund that went through. refund_fee is the trade's
    // cumulative refunded amount, as in the notification.
    const amount = normalizeYuan(str(r, 'refund_fee') ?? '');
    const txn = str(r, 'trade_no');
    if (amount === undefined || !txn)
      throw new ChannelCallError('CHANNEL_BAD_RESPONSE', 'refund answer lacks trade_no or refund_fee');
    return {
      channel: 'alipay',
      kind: 'refund',
      status: 'succeeded',
      channelStatus: 'REFUND_SUCCESS',
      merchantOrderNo: request.merchantOrderNo,
      channelTxnId: txn,
      refundNo: request.refundNo,
      amount,
      amountBasis: 'cumulative-refunds',
      payerRef: maskRef(str(r, 'buyer_user_id') ?? txn),
      occurredAt: parseShanghaiTime(str(r, 'gmt_refund_pay')) ?? new Date(this.#now()),
    };
  }

  async queryRefund(merchantOrderNo: string, refundNo: string): Promise<RefundLookup> {
    const r = await this.call(
      'alipay.trade.fastpay.refund.query',
      { out_trade_no: merchantOrderNo, out_request_no: refundNo, query_options: ['gmt_refund_pay'] },
      true,
    );
    // No refund_status: Alipay did not receive the refund, or it did not go through.
    if (r === null || str(r, 'refund_status') === undefined) return { found: false };
    const amount = normalizeYuan(str(r, 'refund_amount') ?? '');
    const txn = str(r, 'trade_no');
    if (amount === undefined || !txn)
      throw new ChannelCallError('CHANNEL_BAD_RESPONSE', 'refund query lacks trade_no or refund_amount');
    const state = str(r, 'refund_status')!;
    return {
      found: true,
      notice: {
        channel: 'alipay',
        kind: 'refund',
        status: state === 'REFUND_SUCCESS' ? 'succeeded' : 'pending',
        channelStatus: state,
        merchantOrderNo,
        channelTxnId: txn,
        refundNo,
        amount,
        amountBasis: 'this-refund',
        payerRef: maskRef(txn),
        occurredAt: parseShanghaiTime(str(r, 'gmt_refund_pay')) ?? new Date(this.#now()),
      },
    };
  }

  async downloadBill(request: BillRequest): Promise<DownloadedBill> {
    const r = await this.call(
      'alipay.data.dataservice.bill.downloadurl.query',
      { bill_type: request.kind === 'trade' ? 'trade' : 'signcustomer', bill_date: request.date },
      true,
    );
    const url = r === null ? undefined : str(r, 'bill_download_url');
    if (!url)
      throw new ChannelCallError('CHANNEL_BILL_NOT_READY', `no ${request.kind} bill for ${request.date}`);
    // The file itself is not signed (a short-lived URL Alipay just signed for us); it must be a zip.
    const bytes = await exchange(
      () => ({
        method: 'GET',
        url,
        headers: {},
        timeoutMs: this.#timeoutMs,
        maxBytes: CHANNEL_MAX_BILL_BYTES,
      }),
      (res) => {
        if (res.status !== 200)
          throw new ChannelCallError(
            res.status >= 500 ? 'CHANNEL_UNAVAILABLE' : 'CHANNEL_REJECTED',
            `bill download HTTP ${res.status}`,
          );
        if (res.body.readUInt32LE(0) !== 0x04034b50)
          throw new ChannelCallError('CHANNEL_BAD_RESPONSE', 'bill download is not a zip');
        return res.body;
      },
      true,
    );
    const fileName = decodeURIComponent(new URL(url).pathname.split('/').pop() ?? 'alipay-bill.csv.zip');
    return { bytes, fileName: fileName.endsWith('.zip') ? fileName : `${fileName}.csv.zip` };
  }

  // ---- taking payments (统一支付) ----

  private payBiz(r: PrepayRequest | CodePayRequest): Json {
    return { out_trade_no: r.merchantOrderNo, total_amount: r.amount, subject: r.description.slice(0, 256) };
  }

  /** alipay.trade.precreate: the qr_code to show. The same out_trade_no again answers the same code. */
  async qrPrepay(r: PrepayRequest): Promise<{ codeUrl: string }> {
    const biz = { ...this.payBiz(r), time_expire: shanghaiStamp(r.expiresAt.getTime()) };
    const node = await this.call('alipay.trade.precreate', biz, true);
    const codeUrl = node ? str(node, 'qr_code') : undefined;
    if (!codeUrl) throw new ChannelCallError('CHANNEL_BAD_RESPONSE', 'precreate answer lacks qr_code');
    return { codeUrl };
  }

  /** alipay.trade.create: the trade number my.tradePay / AlipayJSBridge starts paying with. */
  async inAppPrepay(r: InAppRequest): Promise<Record<string, string>> {
    const biz = { ...this.payBiz(r), buyer_id: r.payer, time_expire: shanghaiStamp(r.expiresAt.getTime()) };
    const node = await this.call('alipay.trade.create', biz, true);
    const tradeNo = node ? str(node, 'trade_no') : undefined;
    if (!tradeNo) throw new ChannelCallError('CHANNEL_BAD_RESPONSE', 'create answer lacks trade_no');
    return { tradeNO: tradeNo, outTradeNo: r.merchantOrderNo };
  }

  /** alipay.trade.pay (bar_code): 10000 paid, 10003 the patient is confirming (entering the password). */
  async codePay(r: CodePayRequest): Promise<CodePayAnswer> {
    const biz = { ...this.payBiz(r), scene: 'bar_code', auth_code: r.authCode };
    const node = await this.call('alipay.trade.pay', biz, false);
    if (node === null) throw new ChannelCallError('CHANNEL_BAD_RESPONSE', 'pay answered trade not exist');
    if (str(node, 'code') === '10003') return { status: 'paying' };
    const notice = this.paymentNotice({ ...node, trade_status: 'TRADE_SUCCESS' });
    return {
      status: 'succeeded',
      notice: { ...notice, occurredAt: parseShanghaiTime(str(node, 'gmt_payment')) ?? notice.occurredAt },
    };
  }

  /** alipay.trade.cancel: closes an unpaid trade, refunds a paid one; retry_flag Y means ask again. */
  async reverse(merchantOrderNo: string): Promise<ReversalAction> {
    const node = await this.call('alipay.trade.cancel', { out_trade_no: merchantOrderNo }, true);
    if (node === null) return 'close';
    if (str(node, 'retry_flag') === 'Y')
      throw new ChannelCallError('CHANNEL_UNAVAILABLE', 'Alipay asks to retry the cancel', 'retry_flag');
    return str(node, 'action') === 'refund' ? 'refund' : 'close';
  }

  // ---- the exchange ----

  private request(method: string, biz: Json) {
    const params: Record<string, string> = {
      app_id: this.config.appId,
      method,
      format: 'JSON',
      charset: 'utf-8',
      sign_type: 'RSA2',
      timestamp: shanghaiStamp(this.#now()),
      version: '1.0',
      biz_content: JSON.stringify(biz),
    };
    if (this.config.paymentNotifyUrl && PAYMENT_METHODS_NOTIFIED.has(method))
      params.notify_url = this.config.paymentNotifyUrl;
    params.sign = alipaySign(alipaySignString(params), this.config.privateKey);
    return {
      method: 'POST' as const,
      url: this.config.gateway,
      headers: { 'content-type': 'application/x-www-form-urlencoded;charset=utf-8' },
      body: new URLSearchParams(params).toString(),
      timeoutMs: this.#timeoutMs,
    };
  }

  /** The verified response node on code 10000; null when the trade does not exist; throws otherwise. */
  private call(method: string, biz: Json, idempotent: boolean): Promise<Json | null> {
    return exchange(
      () => this.request(method, biz),
      (res) => this.interpret(method, res),
      idempotent,
    );
  }

  private interpret(method: string, res: ChannelHttpResponse): Json | null {
    if (res.status >= 500) throw new ChannelCallError('CHANNEL_UNAVAILABLE', `gateway HTTP ${res.status}`);
    const body = res.body.toString('utf8');
    const key = alipayResponseKey(method);
    const raw = rawJsonMember(body, key) ?? rawJsonMember(body, 'error_response');
    let parsed: unknown;
    try {
      parsed = JSON.parse(body);
    } catch {
      throw new ChannelCallError('CHANNEL_BAD_RESPONSE', `HTTP ${res.status} answer is not JSON`);
    }
    if (raw === undefined || typeof parsed !== 'object' || parsed === null)
      throw new ChannelCallError('CHANNEL_BAD_RESPONSE', `answer has no ${key}`);
    const signature = (parsed as Json).sign;
    if (typeof signature !== 'string' || !alipayVerify(raw, signature, this.config.alipayPublicKey))
      throw new ChannelCallError('CHANNEL_BAD_SIGNATURE', 'Alipay answer signature does not verify');
    const node = JSON.parse(raw) as Json;
    const code = str(node, 'code');
    // 10003: a code payment waits for the patient (WAIT_BUYER_PAY), a state, not an error.
    if (code === '10000' || (code === '10003' && method === 'alipay.trade.pay')) return node;
    const subCode = str(node, 'sub_code');
    const message =
      `${code ?? '?'} ${subCode ?? ''} ${str(node, 'sub_msg') ?? str(node, 'msg') ?? ''}`.trim();
    if (subCode === 'ACQ.TRADE_NOT_EXIST') return null;
    if (subCode === 'isp.bill_not_exist')
      throw new ChannelCallError('CHANNEL_BILL_NOT_READY', message, subCode);
    if (code === '20000' || subCode === 'ACQ.SYSTEM_ERROR' || subCode === 'aop.ACQ.SYSTEM_ERROR')
      throw new ChannelCallError('CHANNEL_UNAVAILABLE', message, subCode ?? code);
    if (code === '40004') throw new ChannelCallError('CHANNEL_REJECTED', message, subCode ?? code);
    throw new ChannelCallError('CHANNEL_MISCONFIGURED', message, subCode ?? code);
  }

  private paymentNotice(r: Json): ChannelNotice {
    const state = str(r, 'trade_status') ?? '';
    const status = TRADE_STATES[state];
    const amount = normalizeYuan(str(r, 'total_amount') ?? '');
    if (!status || amount === undefined)
      throw new ChannelCallError('CHANNEL_BAD_RESPONSE', `trade query answer: trade_status ${state}`);
    const txn = str(r, 'trade_no') ?? '';
    return {
      channel: 'alipay',
      kind: 'payment',
      status,
      channelStatus: state,
      merchantOrderNo: str(r, 'out_trade_no') ?? '',
      channelTxnId: txn,
      amount,
      payerRef: maskRef(str(r, 'buyer_user_id') ?? txn),
      occurredAt: parseShanghaiTime(str(r, 'send_pay_date')) ?? new Date(this.#now()),
    };
  }
}
