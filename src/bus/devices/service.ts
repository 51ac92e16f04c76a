// One device request, whatever carried it (TCP frame or MQTT payload): decode → find the device → check the
// MAC → (device, serial) seen before? → one port call → a signed response. Every outcome is a response
// message with a result code; nothing a device sends makes this throw.
import { createHash } from 'node:crypto';
import type { Logger } from 'pino';
import { DEVICE_ERRORS, DeviceError, type DeviceCodec } from '../../adapters/devices/codecs/index.ts';
import { signMessage, verifyMac } from '../../adapters/devices/mac.ts';
import { type DeviceMessage, MAC_FIELD, SPECS } from '../../adapters/devices/specs/index.ts';
import { EventStoreError } from '../../domain/event-store.ts';
import { Refusal } from '../../domain/rejection.ts';
import type { Exchange, ExchangeBook } from '../../adapters/devices/exchanges.ts';
import type { DeviceOrderAnswer, DeviceCommandPort } from './port.ts';
import type { Device, DeviceRegistry } from '../../app/devices.ts';
import type { DeviceStatusBook, Transport } from '../../adapters/devices/status.ts';
import { deviceTime, dispatch, formatDeviceTime } from './translate.ts';
import { gbkBytes } from '../../adapters/devices/codecs/fields.ts';

export const RESULT_OK = 'OK';
const RESULT_MESSAGE_BYTES = SPECS.response.fields.find((f) => f.name === 'resultMessage')!.width;

export interface DeviceServiceDeps {
  registry: DeviceRegistry;
  exchanges: ExchangeBook;
  status: DeviceStatusBook;
  port: DeviceCommandPort;
  logger: Logger;
  now?: () => Date;
}

export interface RequestOrigin {
  transport: Transport;
  /** The model the TCP port serves: a device of another model is refused. */
  model?: string;
  /** MQTT: the hospital and device the topic names, which the message must match. */
  topic?: { hospitalId: string; deviceId: string };
  /** MQTT topics each take one message type. */
  allowedTypes?: readonly string[];
}

export interface Answered {
  bytes: Buffer;
  response: DeviceMessage;
  /** The verified device, when the request got that far. */
  device?: Device;
}

/** Result text in GBK within the response field's width. */
function fitMessage(text: string): string {
  let out = text;
  while (gbkBytes(out).length > RESULT_MESSAGE_BYTES) out = out.slice(0, -1);
  return out.trim();
}

/** Content the serial stands for: every field but the MAC and the device's clock (a resend may restamp it). */
export function requestHash(message: DeviceMessage): string {
  const { [MAC_FIELD]: _m, time: _t, ...rest } = message.fields;
  return createHash('sha256')
    .update(JSON.stringify([message.type, rest]))
    .digest('hex');
}

export class DeviceService {
  readonly #now: () => Date;

  constructor(private readonly deps: DeviceServiceDeps) {
    this.#now = deps.now ?? (() => new Date());
  }

  async process(codec: DeviceCodec, bytes: Buffer, origin: RequestOrigin): Promise<Answered> {
    let request: DeviceMessage | undefined;
    let entry: { device: Device; key: Buffer } | undefined;
    try {
      request = codec.decode(bytes);
      entry = await this.#authenticate(codec, request, origin);
      const fields = await this.#answer(entry.device, request, origin);
      return this.#reply(codec, fields, entry);
    } catch (error) {
      const failure = failureOf(error);
      if (failure.code === 'INTERNAL_ERROR')
        this.deps.logger.error({ err: error, deviceId: request?.fields.deviceId }, 'device request failed');
      else
        this.deps.logger.info(
          { code: failure.code, detail: failure.detail, deviceId: request?.fields.deviceId },
          'device request refused',
        );
      return this.#reply(codec, this.#result(request, failure), entry);
    }
  }

  /** The answer to bytes that never became a request (a bad length header, a frame cut short). */
  refuse(codec: DeviceCodec, error: DeviceError): Answered {
    this.deps.logger.info({ code: error.code, detail: error.detail }, 'device frame refused');
    return this.#reply(codec, this.#result(undefined, failureOf(error)), undefined);
  }

  async #authenticate(
    codec: DeviceCodec,
    request: DeviceMessage,
    origin: RequestOrigin,
  ): Promise<{ device: Device; key: Buffer }> {
    if (request.type === 'response')
      throw new DeviceError('NOT_A_REQUEST', 'a response was sent as a request');
    if (origin.allowedTypes && !origin.allowedTypes.includes(request.type))
      throw new DeviceError('UNKNOWN_MESSAGE_TYPE', `${request.type} is not accepted on this topic`);
    const deviceId = request.fields.deviceId!;
    const entry = await this.deps.registry.lookup(deviceId);
    if (!entry) throw new DeviceError('DEVICE_UNKNOWN', `device ${deviceId}`);
    if (
      origin.topic &&
      (origin.topic.deviceId !== deviceId || origin.topic.hospitalId !== entry.device.hospitalId)
    )
      throw new DeviceError('DEVICE_UNKNOWN', `the topic names another device or hospital than ${deviceId}`);
    if (!verifyMac(codec, request, entry.key)) throw new DeviceError('BAD_MAC', `device ${deviceId}`);
    if (entry.device.disabled) throw new DeviceError('DEVICE_DISABLED', `device ${deviceId}`);
    if (origin.model && origin.model !== entry.device.model)
      throw new DeviceError(
        'DEVICE_MODEL_MISMATCH',
        `${deviceId} is a ${entry.device.model}, the port serves ${origin.model}`,
      );
    return entry;
  }

  /** The response fields (without MAC) for a verified request: from the journal when the serial was seen. */
  async #answer(
    device: Device,
    request: DeviceMessage,
    origin: RequestOrigin,
  ): Promise<Record<string, string>> {
    const f = request.fields;
    const at = deviceTime(f.time!);
    if (request.type === 'heartbeat') {
      await this.deps.status.heartbeat(device.hospitalId, device.deviceId, origin.transport, {
        deviceState: f.deviceState!,
        softwareVersion: f.softwareVersion ?? '',
      });
      return this.#result(request, { code: RESULT_OK, message: '成功' });
    }
    const hash = requestHash(request);
    const seen = await this.deps.exchanges.find(device.deviceId, f.serial!);
    if (seen) return replayed(seen, hash);
    let answer: Record<string, string>;
    try {
      const order = await dispatch(
        this.deps.port,
        {
          hospitalId: device.hospitalId,
          deviceId: device.deviceId,
          channel: device.channel,
          serial: f.serial!,
          at,
          idempotencyKey: `device:${device.deviceId}:${f.serial}`,
          requestHash: hash,
        },
        request,
      );
      answer = this.#result(request, { code: RESULT_OK, message: '成功', order });
    } catch (error) {
      const failure = failureOf(error);
      // a refusal is the answer for good; an internal failure is not kept, so the resend is tried again
      if (failure.code === 'INTERNAL_ERROR' || failure.code === 'SERIAL_REUSED') throw error;
      answer = this.#result(request, failure);
    }
    const kept = await this.deps.exchanges.keep(device.deviceId, f.serial!, {
      requestHash: hash,
      requestType: request.type,
      response: answer,
    });
    return replayed(kept, hash);
  }

  #result(
    request: DeviceMessage | undefined,
    outcome: { code: string; message: string; order?: DeviceOrderAnswer },
  ): Record<string, string> {
    const f = request?.fields ?? {};
    const order = outcome.order;
    return {
      deviceId: f.deviceId ?? '',
      serial: f.serial ?? '',
      time: formatDeviceTime(this.#now()),
      requestCode: request ? SPECS[request.type].code : '',
      resultCode: outcome.code.slice(0, 32),
      resultMessage: fitMessage(outcome.message),
      orderId: order?.orderId ?? f.orderId ?? '',
      orderStatus: order?.status ?? '',
      amount: order ? centsText(order.amount.toCents()) : '',
      refundedAmount: order ? centsText(order.refunded.toCents()) : '',
    };
  }

  /** Signed with the device's key when it is known (a device can tell the gateway's answer from a forgery). */
  #reply(
    codec: DeviceCodec,
    fields: Record<string, string>,
    entry: { key: Buffer; device: Device } | undefined,
  ): Answered {
    const unsigned: DeviceMessage = { type: 'response', fields };
    const response = entry
      ? signMessage(codec, unsigned, entry.key)
      : { type: 'response' as const, fields: { ...fields, [MAC_FIELD]: '0'.repeat(64) } };
    return { bytes: codec.encode(response), response, ...(entry ? { device: entry.device } : {}) };
  }
}

function centsText(cents: bigint): string {
  return cents.toString().padStart(12, '0');
}

function replayed(seen: Exchange, hash: string): Record<string, string> {
  if (seen.requestHash !== hash)
    throw new DeviceError('SERIAL_REUSED', `serial answered before for another ${seen.requestType} request`);
  return seen.response;
}

interface Failure {
  code: string;
  message: string;
  detail?: string;
}

function failureOf(error: unknown): Failure {
  if (error instanceof DeviceError)
    return { code: error.code, message: DEVICE_ERRORS[error.code].zh, detail: error.detail };
  if (error instanceof Refusal) return { code: error.code, message: error.messageIn('zh') };
  if (error instanceof EventStoreError && error.code === 'IDEMPOTENCY_KEY_REUSED')
    return { code: 'SERIAL_REUSED', message: DEVICE_ERRORS.SERIAL_REUSED.zh };
  return { code: 'INTERNAL_ERROR', message: DEVICE_ERRORS.INTERNAL_ERROR.zh };
}
