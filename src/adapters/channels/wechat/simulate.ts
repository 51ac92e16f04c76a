// Builds genuine WeChat Pay v3 notifications the way WeChat does: encrypt the resource with the
// APIv3 key, sign `${ts}\n${nonce}\n${body}\n` with the platform private key. Shared by tests,
// bench and the demo (which plays WeChat against its own keys); production never calls this.
import { createCipheriv, type KeyObject, randomBytes, randomUUID, sign } from 'node:crypto';
import { WECHAT_SIGNATURE_TYPE } from './notify.ts';

export interface SimulatedWechatNotification {
  headers: Record<string, string>;
  body: string;
}

export function encryptWechatResource(
  apiV3Key: string,
  plaintext: string,
  associatedData: string,
  nonce = randomBytes(9).toString('base64url').slice(0, 12),
): { ciphertext: string; nonce: string } {
  const cipher = createCipheriv('aes-256-gcm', Buffer.from(apiV3Key, 'utf8'), Buffer.from(nonce, 'utf8'));
  cipher.setAAD(Buffer.from(associatedData, 'utf8'));
  const ct = Buffer.concat([cipher.update(plaintext, 'utf8'), cipher.final(), cipher.getAuthTag()]);
  return { ciphertext: ct.toString('base64'), nonce };
}

export function signWechatMessage(
  privateKey: KeyObject,
  timestamp: string,
  nonce: string,
  body: string,
): string {
  return sign('sha256', Buffer.from(`${timestamp}\n${nonce}\n${body}\n`, 'utf8'), privateKey).toString(
    'base64',
  );
}

export function simulateWechatNotification(input: {
  privateKey: KeyObject;
  serial: string;
  apiV3Key: string;
  /** The decrypted payload (a transaction or a refund). */
  resource: Record<string, unknown>;
  originalType: 'transaction' | 'refund';
  eventType?: string;
  /** Unix seconds; defaults to now. */
  timestamp?: number;
  nonce?: string;
  createTime?: string;
}): SimulatedWechatNotification {
  const associatedData = input.originalType;
  const { ciphertext, nonce } = encryptWechatResource(
    input.apiV3Key,
    JSON.stringify(input.resource),
    associatedData,
  );
  const body = JSON.stringify({
    id: randomUUID(),
    create_time: input.createTime ?? '2025-01-15T10:00:00+08:00',
    resource_type: 'encrypt-resource',
    event_type:
      input.eventType ?? (input.originalType === 'refund' ? 'REFUND.SUCCESS' : 'TRANSACTION.SUCCESS'),
    summary: input.originalType === 'refund' ? '退款成功' : '支付成功',
    resource: {
      original_type: input.originalType,
      algorithm: 'AEAD_AES_256_GCM',
      ciphertext,
      associated_data: associatedData,
      nonce,
    },
  });
  const timestamp = String(input.timestamp ?? Math.floor(Date.now() / 1000));
  const headerNonce = input.nonce ?? randomBytes(16).toString('hex');
  return {
    body,
    headers: {
      'wechatpay-timestamp': timestamp,
      'wechatpay-nonce': headerNonce,
      'wechatpay-signature': signWechatMessage(input.privateKey, timestamp, headerNonce, body),
      'wechatpay-serial': input.serial,
      'wechatpay-signature-type': WECHAT_SIGNATURE_TYPE,
    },
  };
}
