// Signs notifications the way Alipay does (RSA2 over the sorted, decoded, non-empty params without
// sign/sign_type) and form-encodes them. Shared by tests, bench and the demo.
import type { KeyObject } from 'node:crypto';
import { alipaySign, alipaySignString } from './signing.ts';

/** UTF-8 only; GBK notifications are built by hand in the tests. */
export function simulateAlipayNotification(
  params: Readonly<Record<string, string>>,
  privateKey: KeyObject,
  options: { includeSignType?: boolean } = {},
): { body: string; params: Record<string, string> } {
  const signature = alipaySign(alipaySignString(params), privateKey);
  const all: Record<string, string> = { ...params, sign: signature };
  if (options.includeSignType !== false) all.sign_type = 'RSA2';
  return { body: new URLSearchParams(all).toString(), params: all };
}
