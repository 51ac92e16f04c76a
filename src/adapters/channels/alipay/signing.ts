// Alipay OpenAPI RSA2 as both sides compute it. A request (and a notification) is signed over its sorted,
// non-empty parameters except sign / sign_type, joined `k=v&…` with decoded values. An answer is
// `{"<method>_response": {...}, "sign": "…"}` and the signature covers the exact text of the response
// object as it stands in the body (not a re-serialisation), so the verifier cuts that text out.
import { type KeyObject, sign, verify } from 'node:crypto';

export function alipaySignString(params: Readonly<Record<string, string>>): string {
  return Object.keys(params)
    .filter((k) => k !== 'sign' && k !== 'sign_type' && params[k] !== '' && params[k] !== undefined)
    .sort()
    .map((k) => `${k}=${params[k]}`)
    .join('&');
}

export function alipaySign(content: string, privateKey: KeyObject): string {
  return sign('sha256', Buffer.from(content, 'utf8'), privateKey).toString('base64');
}

export function alipayVerify(content: string, signature: string, publicKey: KeyObject): boolean {
  try {
    return verify('sha256', Buffer.from(content, 'utf8'), publicKey, Buffer.from(signature, 'base64'));
  } catch {
    return false;
  }
}

/** The response node name of a method: `alipay.trade.query` → `alipay_trade_query_response`. */
export function alipayResponseKey(method: string): string {
  return `${method.replaceAll('.', '_')}_response`;
}

/**
 * The raw JSON text of `"<key>": {…}` in a body, brace-matched outside strings; undefined when absent. Alipay
 * signs these bytes: parsing and re-serialising would change spacing, escapes or key order.
 */
export function rawJsonMember(body: string, key: string): string | undefined {
  const marker = `"${key}"`;
  const at = body.indexOf(marker);
  if (at < 0) return undefined;
  let i = at + marker.length;
  while (i < body.length && /[\s:]/.test(body[i]!)) i++;
  if (body[i] !== '{') return undefined;
  const start = i;
  let depth = 0;
  let inString = false;
  for (; i < body.length; i++) {
    const c = body[i]!;
    if (inString) {
      if (c === '\\') i++;
      else if (c === '"') inString = false;
    } else if (c === '"') inString = true;
    else if (c === '{') depth++;
    else if (c === '}' && --depth === 0) return body.slice(start, i + 1);
  }
  return undefined;
}

/** Signs an answer the way Alipay does (the sandbox's side). */
export function alipaySignedAnswer(
  method: string,
  response: Record<string, unknown>,
  privateKey: KeyObject,
): string {
  const node = JSON.stringify(response);
  return `{"${alipayResponseKey(method)}":${node},"sign":"${alipaySign(node, privateKey)}"}`;
}
