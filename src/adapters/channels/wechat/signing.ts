// WeChat Pay API v3 request signing (商户API证书) as both sides compute it: the client signs each request,
// the sandbox checks it. Message = `${METHOD}\n${path?query}\n${timestamp}\n${nonce}\n${body}\n`, SHA256-RSA
// with the merchant's private key, sent as `Authorization: WECHATPAY2-SHA256-RSA2048 mchid="…",nonce_str="…",
// signature="…",timestamp="…",serial_no="…"`.
import { type KeyObject, randomBytes, sign, verify } from 'node:crypto';
import { WECHAT_SIGNATURE_TYPE } from './notify.ts';

export interface WechatAuthorizationInput {
  mchId: string;
  serial: string;
  privateKey: KeyObject;
  method: string;
  /** Path and query exactly as sent (`/v3/refund/domestic/refunds/R1`). */
  pathWithQuery: string;
  body: string;
  /** Unix seconds. */
  timestamp: number;
  nonce?: string;
}

export function wechatRequestMessage(
  method: string,
  pathWithQuery: string,
  timestamp: string,
  nonce: string,
  body: string,
): Buffer {
  return Buffer.from(`${method}\n${pathWithQuery}\n${timestamp}\n${nonce}\n${body}\n`, 'utf8');
}

export function wechatAuthorization(input: WechatAuthorizationInput): string {
  const nonce = input.nonce ?? randomBytes(16).toString('hex').toUpperCase();
  const ts = String(input.timestamp);
  const signature = sign(
    'sha256',
    wechatRequestMessage(input.method, input.pathWithQuery, ts, nonce, input.body),
    input.privateKey,
  ).toString('base64');
  return `${WECHAT_SIGNATURE_TYPE} mchid="${input.mchId}",nonce_str="${nonce}",signature="${signature}",timestamp="${ts}",serial_no="${input.serial}"`;
}

export interface WechatAuthorization {
  mchId: string;
  nonce: string;
  signature: string;
  timestamp: string;
  serial: string;
}

const FIELD = /([a-z_]+)="([^"]*)"/g;

/** The fields of an Authorization header; undefined when it is not WeChat's scheme or lacks one. */
export function parseWechatAuthorization(header: string | undefined): WechatAuthorization | undefined {
  if (!header?.startsWith(`${WECHAT_SIGNATURE_TYPE} `)) return undefined;
  const fields: Record<string, string> = {};
  for (const m of header.slice(WECHAT_SIGNATURE_TYPE.length + 1).matchAll(FIELD)) fields[m[1]!] = m[2]!;
  const { mchid, nonce_str, signature, timestamp, serial_no } = fields;
  if (!mchid || !nonce_str || !signature || !timestamp || !serial_no) return undefined;
  return { mchId: mchid, nonce: nonce_str, signature, timestamp, serial: serial_no };
}

export function verifyWechatRequest(
  auth: WechatAuthorization,
  publicKey: KeyObject,
  method: string,
  pathWithQuery: string,
  body: string,
): boolean {
  try {
    return verify(
      'sha256',
      wechatRequestMessage(method, pathWithQuery, auth.timestamp, auth.nonce, body),
      publicKey,
      Buffer.from(auth.signature, 'base64'),
    );
  } catch {
    return false;
  }
}
