// WeChat Pay API v3 client (the ChannelGateway port): 查询订单, 关闭订单, 申请退款, 查询单笔退款, 申请交易账单 /
// 资金账单 and the file behind their download_url.
//
// Written on node:crypto rather than wechatpay-axios-plugin: the callback verification next door already
// implements WeChat's signature scheme on node:crypto, the sandbox must produce the very same signatures, and
// the port's stable error codes, timeouts and retry rules are ours either way — the plugin would add axios
// and a second copy of the crypto without removing any of our code.
//
// - Every request is signed with the merchant API key and its certificate serial (signing.ts).
// - Every answer with a body is verified (verifyWechatSigned) against the platform key its Wechatpay-Serial
//   names. In platform-certificate mode an unknown serial means WeChat rotated its certificate: the client
//   downloads /v3/certificates once (each one AEAD-decrypted with the APIv3 key, which is what makes them
//   trustworthy), adds the new ones and verifies again. In WeChat Pay public-key mode (serial PUB_KEY_ID_…)
//   the key is configured and nothing is downloaded.
// - A bill's file carries no signature: its SHA1 (of the uncompressed text) must match the signed hash_value.
import { createHash, type KeyObject, randomBytes, sign, X509Certificate } from 'node:crypto';
import { gunzipSync } from 'node:zlib';
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
import type { ChannelNotice } from '../../../domain/channel/notice.ts';
import { Money } from '../../../domain/money.ts';
import type {
  CodePayAnswer,
  CodePayRequest,
  InAppRequest,
  PaymentGateway,
  PrepayRequest,
} from '../../../domain/payment/gateway.ts';
import type { ReversalAction } from '../../../domain/payment/types.ts';
import { type ChannelHttpResponse, exchange } from '../http.ts';
import { toChannelNotice } from '../notification.ts';
import { decryptResource, mapWechatPayment, mapWechatRefund, verifyWechatSigned } from './notify.ts';
import { wechatAuthorization } from './signing.ts';

export interface WechatPayClientConfig {
  /** `https://api.mch.weixin.qq.com`, or the sandbox's address. */
  baseUrl: string;
  mchId: string;
  /** The merchant API certificate's serial and private key (apiclient_key.pem). */
  merchantSerial: string;
  merchantPrivateKey: KeyObject;
  apiV3Key: string;
  /** Platform certificates / the WeChat Pay public key, by serial (wechatPlatformKeys). */
  platformKeys: ReadonlyMap<string, KeyObject>;
  /** `certificates`: download rotated platform certificates on an unknown serial; `public-key`: never. */
  platformMode: 'certificates' | 'public-key';
  /** Where WeChat sends refund notifications. */
  refundNotifyUrl?: string;
  /** The app (公众号 / 小程序) id payments are taken for: Native, JSAPI and code payments need it. */
  appId?: string;
  /** Where WeChat sends payment notifications (defaults to the refund notification URL: one callback route). */
  paymentNotifyUrl?: string;
  timeoutMs?: number;
  now?: () => number;
}

type Json = Record<string, unknown>;

const isObject = (v: unknown): v is Json => typeof v === 'object' && v !== null && !Array.isArray(v);

/** WeChat error codes that are definite and mean "no such thing". */
const NOT_FOUND = new Set(['ORDER_NOT_EXIST', 'ORDERNOTEXIST', 'RESOURCE_NOT_EXISTS', 'NOT_FOUND']);

/** RFC 3339 in Asia/Shanghai, as WeChat wants time_expire. */
function rfc3339(d: Date): string {
  return `${new Date(d.getTime() + 8 * 3600_000).toISOString().slice(0, 19)}+08:00`;
}

function fen(amount: string): number {
  const cents = Money.parse(amount).toCents();
  return Number(cents);
}

export class WechatPayClient implements ChannelGateway, PaymentGateway {
  readonly channel = 'wechat' as const;
  readonly #keys: Map<string, KeyObject>;
  readonly #timeoutMs: number;
  readonly #now: () => number;

  constructor(private readonly config: WechatPayClientConfig) {
    this.#keys = new Map(config.platformKeys);
    this.#timeoutMs = config.timeoutMs ?? CHANNEL_REQUEST_TIMEOUT_MS;
    this.#now = config.now ?? Date.now;
  }

  get merchantId(): string {
    return this.config.mchId;
  }

  /** Serials of the platform keys the client trusts now (grows as WeChat rotates certificates). */
  platformSerials(): string[] {
    return [...this.#keys.keys()];
  }

  async queryPayment(merchantOrderNo: string): Promise<PaymentLookup> {
    const path = `/v3/pay/transactions/out-trade-no/${encodeURIComponent(merchantOrderNo)}?mchid=${encodeURIComponent(this.config.mchId)}`;
    const data = await this.call('GET', path, undefined, true);
    if (data === null) return { found: false };
    return { found: true, notice: this.paymentNotice(data) };
  }

  async closeOrder(merchantOrderNo: string): Promise<CloseOutcome> {
    const path = `/v3/pay/transactions/out-trade-no/${encodeURIComponent(merchantOrderNo)}/close`;
    try {
      await this.call('POST', path, { mchid: this.config.mchId }, false);
      return 'closed';
    } catch (error) {
      if (error instanceof ChannelCallError && error.channelCode === 'ORDERPAID') return 'already-paid';
      throw error;
    }
  }

  async refund(request: RefundRequest): Promise<ChannelNotice> {
    const body: Json = {
      out_trade_no: request.merchantOrderNo,
      out_refund_no: request.refundNo,
      reason: request.reason.slice(0, 80),
      amount: { refund: fen(request.amount), total: fen(request.total), currency: 'CNY' },
    };
    if (this.config.refundNotifyUrl) body.notify_url = this.config.refundNotifyUrl;
    const data = await this.call('POST', '/v3/refund/domestic/refunds', body, false);
    if (data === null) throw new ChannelCallError('CHANNEL_REJECTED', 'the payment to refund does not exist');
    return this.refundNotice(data);
  }

  async queryRefund(_merchantOrderNo: string, refundNo: string): Promise<RefundLookup> {
    const data = await this.call(
      'GET',
      `/v3/refund/domestic/refunds/${encodeURIComponent(refundNo)}`,
      undefined,
      true,
    );
    if (data === null) return { found: false };
    return { found: true, notice: this.refundNotice(data) };
  }

  async downloadBill(request: BillRequest): Promise<DownloadedBill> {
    const query =
      request.kind === 'trade'
        ? `/v3/bill/tradebill?bill_date=${request.date}&bill_type=ALL&tar_type=GZIP`
        : `/v3/bill/fundflowbill?bill_date=${request.date}&account_type=BASIC&tar_type=GZIP`;
    const meta = await this.call('GET', query, undefined, true);
    if (meta === null)
      throw new ChannelCallError('CHANNEL_BILL_NOT_READY', `no ${request.kind} bill for ${request.date}`);
    const url = typeof meta.download_url === 'string' ? meta.download_url : '';
    const hash = typeof meta.hash_value === 'string' ? meta.hash_value.toLowerCase() : '';
    if (!url || meta.hash_type !== 'SHA1' || !/^[0-9a-f]{40}$/.test(hash))
      throw new ChannelCallError(
        'CHANNEL_BAD_RESPONSE',
        'bill answer lacks download_url or a SHA1 hash_value',
      );
    const target = new URL(url);
    const base = new URL(this.config.baseUrl);
    // The file is fetched with our signature: only ever from the host we talk to.
    if (target.origin !== base.origin)
      throw new ChannelCallError('CHANNEL_BAD_RESPONSE', `download_url points at ${target.origin}`);
    const bytes = await exchange(
      () => this.signed('GET', `${target.pathname}${target.search}`, '', CHANNEL_MAX_BILL_BYTES),
      (res) => {
        if (res.status !== 200) throw this.errorOf(res, undefined);
        let text: Buffer;
        try {
          text = res.body[0] === 0x1f && res.body[1] === 0x8b ? gunzipSync(res.body) : res.body;
        } catch {
          throw new ChannelCallError('CHANNEL_BAD_RESPONSE', 'bill is not valid gzip');
        }
        const digest = createHash('sha1').update(text).digest('hex');
        if (digest !== hash)
          throw new ChannelCallError(
            'CHANNEL_BAD_RESPONSE',
            `bill SHA1 ${digest} is not the announced ${hash}`,
          );
        return text;
      },
      true,
    );
    const ymd = request.date.replaceAll('-', '');
    return { bytes, fileName: `wechat-${request.kind}-${this.config.mchId}-${ymd}.csv` };
  }

  // ---- taking payments (统一支付) ----

  private payBase(r: PrepayRequest | CodePayRequest): Json {
    if (!this.config.appId)
      throw new ChannelCallError(
        'CHANNEL_MISCONFIGURED',
        'the WeChat merchant has no appId to take payments for',
      );
    return {
      appid: this.config.appId,
      mchid: this.config.mchId,
      description: r.description.slice(0, 127),
      out_trade_no: r.merchantOrderNo,
      amount: { total: fen(r.amount), currency: 'CNY' },
    };
  }

  private notifyUrl(): string {
    const url = this.config.paymentNotifyUrl ?? this.config.refundNotifyUrl;
    if (!url) throw new ChannelCallError('CHANNEL_MISCONFIGURED', 'no notification URL for WeChat payments');
    return url;
  }

  /** Native 下单: the code_url to show as a QR code. Re-sent with the same parameters, WeChat answers the same code. */
  async qrPrepay(r: PrepayRequest): Promise<{ codeUrl: string }> {
    const body = { ...this.payBase(r), time_expire: rfc3339(r.expiresAt), notify_url: this.notifyUrl() };
    const data = await this.call('POST', '/v3/pay/transactions/native', body, true);
    const codeUrl = data && typeof data.code_url === 'string' ? data.code_url : '';
    if (!codeUrl) throw new ChannelCallError('CHANNEL_BAD_RESPONSE', 'native answer lacks code_url');
    return { codeUrl };
  }

  /** JSAPI 下单, then the parameters wx.requestPayment / WeixinJSBridge needs, signed with the merchant key. */
  async inAppPrepay(r: InAppRequest): Promise<Record<string, string>> {
    const body = {
      ...this.payBase(r),
      time_expire: rfc3339(r.expiresAt),
      notify_url: this.notifyUrl(),
      payer: { openid: r.payer },
    };
    const data = await this.call('POST', '/v3/pay/transactions/jsapi', body, true);
    const prepayId = data && typeof data.prepay_id === 'string' ? data.prepay_id : '';
    if (!prepayId) throw new ChannelCallError('CHANNEL_BAD_RESPONSE', 'jsapi answer lacks prepay_id');
    const appId = this.config.appId!;
    const timeStamp = String(Math.floor(this.#now() / 1000));
    const nonceStr = randomBytes(16).toString('hex');
    const pkg = `prepay_id=${prepayId}`;
    const paySign = sign(
      'sha256',
      Buffer.from(`${appId}\n${timeStamp}\n${nonceStr}\n${pkg}\n`, 'utf8'),
      this.config.merchantPrivateKey,
    ).toString('base64');
    return { appId, timeStamp, nonceStr, package: pkg, signType: 'RSA', paySign };
  }

  /** 付款码支付: paid at once, or USERPAYING (the patient is entering the password). Never retried blindly. */
  async codePay(r: CodePayRequest): Promise<CodePayAnswer> {
    const body = {
      ...this.payBase(r),
      payer: { auth_code: r.authCode },
      scene_info: { device_ip: '127.0.0.1' },
    };
    let data: Json | null;
    try {
      data = await this.call('POST', '/v3/pay/transactions/codepay', body, false);
    } catch (error) {
      if (error instanceof ChannelCallError && error.channelCode === 'USERPAYING')
        return { status: 'paying' };
      throw error;
    }
    if (data === null) throw new ChannelCallError('CHANNEL_BAD_RESPONSE', 'codepay answered not found');
    if (data.code === 'USERPAYING' || data.trade_state === 'USERPAYING') return { status: 'paying' };
    const notice = this.paymentNotice(data);
    if (notice.status !== 'succeeded')
      throw new ChannelCallError('CHANNEL_BAD_RESPONSE', `codepay answered ${notice.channelStatus}`);
    return { status: 'succeeded', notice };
  }

  /** 撤销订单: an unpaid trade is closed, a paid one refunded; a trade WeChat never saw needs nothing. */
  async reverse(merchantOrderNo: string): Promise<ReversalAction> {
    const path = `/v3/pay/transactions/out-trade-no/${encodeURIComponent(merchantOrderNo)}/reverse`;
    const data = await this.call(
      'POST',
      path,
      { appid: this.config.appId ?? '', mchid: this.config.mchId },
      true,
    );
    return data && data.action === 'refund' ? 'refund' : 'close';
  }

  // ---- the exchange ----

  private signed(method: 'GET' | 'POST', pathWithQuery: string, body: string, maxBytes?: number) {
    const authorization = wechatAuthorization({
      mchId: this.config.mchId,
      serial: this.config.merchantSerial,
      privateKey: this.config.merchantPrivateKey,
      method,
      pathWithQuery,
      body,
      timestamp: Math.floor(this.#now() / 1000),
    });
    return {
      method,
      url: `${this.config.baseUrl.replace(/\/$/, '')}${pathWithQuery}`,
      headers: {
        authorization,
        accept: 'application/json',
        'user-agent': 'hospital-ledger',
        ...(method === 'POST' ? { 'content-type': 'application/json' } : {}),
      },
      ...(method === 'POST' ? { body } : {}),
      timeoutMs: this.#timeoutMs,
      ...(maxBytes !== undefined ? { maxBytes } : {}),
    };
  }

  /** A verified JSON answer; null for "not found"; {} for 204. Throws ChannelCallError otherwise. */
  private call(method: 'GET' | 'POST', path: string, body: Json | undefined, idempotent: boolean) {
    const text = body === undefined ? '' : JSON.stringify(body);
    return exchange(
      () => this.signed(method, path, text),
      (res) => this.interpret(res),
      idempotent,
    );
  }

  private async interpret(res: ChannelHttpResponse): Promise<Json | null> {
    if (res.status === 204 && res.body.length === 0) return {};
    await this.verify(res);
    let data: unknown;
    try {
      data = JSON.parse(res.body.toString('utf8'));
    } catch {
      throw new ChannelCallError('CHANNEL_BAD_RESPONSE', `HTTP ${res.status} answer is not JSON`);
    }
    if (res.status >= 200 && res.status < 300) {
      if (!isObject(data)) throw new ChannelCallError('CHANNEL_BAD_RESPONSE', 'answer is not an object');
      return data;
    }
    const code = isObject(data) && typeof data.code === 'string' ? data.code : undefined;
    if (code && NOT_FOUND.has(code)) return null;
    throw this.errorOf(res, data);
  }

  private errorOf(res: ChannelHttpResponse, data: unknown): ChannelCallError {
    const code = isObject(data) && typeof data.code === 'string' ? data.code : undefined;
    const message = isObject(data) && typeof data.message === 'string' ? data.message : `HTTP ${res.status}`;
    if (code === 'NO_STATEMENT_EXIST' || code === 'STATEMENT_CREATING')
      return new ChannelCallError('CHANNEL_BILL_NOT_READY', message, code);
    if (res.status === 429 || code === 'FREQUENCY_LIMITED' || code === 'RATELIMIT_EXCEEDED')
      return new ChannelCallError('CHANNEL_RATE_LIMITED', message, code);
    if (res.status >= 500 || code === 'SYSTEM_ERROR' || code === 'SYSTEMERROR')
      return new ChannelCallError('CHANNEL_UNAVAILABLE', message, code);
    if (res.status === 401 && code === 'SIGN_ERROR')
      return new ChannelCallError('CHANNEL_MISCONFIGURED', `WeChat refused our signature: ${message}`, code);
    return new ChannelCallError('CHANNEL_REJECTED', message, code);
  }

  private async verify(res: ChannelHttpResponse): Promise<void> {
    const headers = Object.fromEntries(res.headers.entries());
    let result = verifyWechatSigned(headers, res.body, this.#keys, this.#now());
    if (
      !result.ok &&
      result.code === 'CALLBACK_UNKNOWN_SERIAL' &&
      this.config.platformMode === 'certificates'
    ) {
      await this.refreshCertificates();
      result = verifyWechatSigned(headers, res.body, this.#keys, this.#now());
    }
    if (!result.ok)
      throw new ChannelCallError(
        result.code === 'CALLBACK_MALFORMED' ? 'CHANNEL_BAD_RESPONSE' : 'CHANNEL_BAD_SIGNATURE',
        `WeChat answer refused: ${result.message}`,
        result.code,
      );
  }

  /** 下载平台证书: adds the certificates WeChat serves now (expired ones are dropped). */
  async refreshCertificates(): Promise<string[]> {
    const res = await exchange(
      () => this.signed('GET', '/v3/certificates', ''),
      (r) => r,
      true,
    );
    if (res.status !== 200) throw this.errorOf(res, undefined);
    let data: unknown;
    try {
      data = JSON.parse(res.body.toString('utf8'));
    } catch {
      throw new ChannelCallError('CHANNEL_BAD_RESPONSE', 'certificate list is not JSON');
    }
    const list = isObject(data) && Array.isArray(data.data) ? data.data : [];
    const fresh = new Map<string, KeyObject>();
    const now = this.#now();
    for (const item of list) {
      const enc = isObject(item) && isObject(item.encrypt_certificate) ? item.encrypt_certificate : undefined;
      if (!enc || typeof enc.ciphertext !== 'string' || typeof enc.nonce !== 'string') continue;
      const pem = decryptResource(
        this.config.apiV3Key,
        enc.nonce,
        typeof enc.associated_data === 'string' ? enc.associated_data : '',
        enc.ciphertext,
      );
      if (!pem) throw new ChannelCallError('CHANNEL_BAD_RESPONSE', 'a platform certificate does not decrypt');
      const cert = new X509Certificate(pem);
      if (Date.parse(cert.validTo) < now) continue;
      fresh.set(cert.serialNumber.toUpperCase(), cert.publicKey);
    }
    // The list is itself signed by one of the certificates it carries: check that before trusting any.
    const headers = Object.fromEntries(res.headers.entries());
    const check = verifyWechatSigned(headers, res.body, new Map([...this.#keys, ...fresh]), now);
    if (!check.ok)
      throw new ChannelCallError('CHANNEL_BAD_SIGNATURE', `certificate list refused: ${check.message}`);
    for (const [serial, key] of fresh) this.#keys.set(serial, key);
    return [...fresh.keys()];
  }

  // ---- answers in the platform's words ----

  private paymentNotice(data: Json): ChannelNotice {
    if (data.mchid !== undefined && data.mchid !== this.config.mchId)
      throw new ChannelCallError('CHANNEL_BAD_RESPONSE', 'answer is for another merchant');
    const state = typeof data.trade_state === 'string' ? data.trade_state : '';
    // An unpaid order has no transaction yet: its status is all there is to say.
    if (typeof data.transaction_id !== 'string' && state !== 'SUCCESS' && state !== 'REFUND')
      return {
        channel: 'wechat',
        kind: 'payment',
        status:
          state === 'CLOSED' || state === 'REVOKED' ? 'closed' : state === 'PAYERROR' ? 'failed' : 'pending',
        channelStatus: state,
        merchantOrderNo: String(data.out_trade_no ?? ''),
        channelTxnId: '',
        amount: '0.00',
        payerRef: '',
        occurredAt: new Date(this.#now()),
      };
    const mapped = mapWechatPayment(data, undefined, new Date(this.#now()));
    if (!mapped.ok) throw new ChannelCallError('CHANNEL_BAD_RESPONSE', mapped.message, mapped.code);
    return toChannelNotice(mapped.notification);
  }

  private refundNotice(data: Json): ChannelNotice {
    const created = typeof data.create_time === 'string' ? new Date(data.create_time) : new Date(this.#now());
    const mapped = mapWechatRefund(
      { ...data, refund_status: data.status ?? data.refund_status },
      undefined,
      created,
    );
    if (!mapped.ok) throw new ChannelCallError('CHANNEL_BAD_RESPONSE', mapped.message, mapped.code);
    return toChannelNotice(mapped.notification);
  }
}
