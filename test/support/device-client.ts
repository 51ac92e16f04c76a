// A kiosk / POS as the tests and the bench drive it: builds signed messages and speaks to the gateway over
// TCP with the model's framing, one frame out, one frame back.
import { connect, type Socket } from 'node:net';
import { codecFor, type DeviceCodec } from '../../src/adapters/devices/codecs/index.ts';
import { FrameReader, frame } from '../../src/adapters/devices/framing.ts';
import { signMessage } from '../../src/adapters/devices/mac.ts';
import { type DeviceModel, deviceModel, modelCodec } from '../../src/adapters/devices/models.ts';
import type { DeviceMessage, MessageType } from '../../src/adapters/devices/specs/index.ts';

export const DEVICE_TIME = '20250115093000';

export class DeviceConnection {
  readonly codec: DeviceCodec;
  readonly #reader: FrameReader;
  readonly #frames: Buffer[] = [];
  readonly #waiters: ((b: Buffer | undefined) => void)[] = [];
  #closed = false;

  private constructor(
    readonly socket: Socket,
    readonly model: DeviceModel,
  ) {
    this.codec = modelCodec(model);
    this.#reader = new FrameReader(model.framing, 1 << 20);
    socket.on('data', (chunk: Buffer) => {
      for (const f of this.#reader.push(chunk)) this.#deliver(f);
    });
    socket.on('close', () => {
      this.#closed = true;
      for (const w of this.#waiters.splice(0)) w(undefined);
    });
    socket.on('error', () => {});
  }

  static async open(modelName: string, address: { host: string; port: number }): Promise<DeviceConnection> {
    const socket = connect({ host: address.host, port: address.port });
    await new Promise<void>((resolve, reject) => {
      socket.once('connect', resolve);
      socket.once('error', reject);
    });
    return new DeviceConnection(socket, deviceModel(modelName));
  }

  #deliver(f: Buffer): void {
    const w = this.#waiters.shift();
    if (w) w(f);
    else this.#frames.push(f);
  }

  get closed(): boolean {
    return this.#closed;
  }

  /** The next response frame's body; undefined when the gateway closed without one. */
  next(): Promise<Buffer | undefined> {
    const f = this.#frames.shift();
    if (f) return Promise.resolve(f);
    if (this.#closed) return Promise.resolve(undefined);
    return new Promise((resolve) => this.#waiters.push(resolve));
  }

  writeRaw(bytes: Buffer): void {
    this.socket.write(bytes);
  }

  sendBody(body: Buffer): void {
    this.socket.write(frame(body, this.model.framing));
  }

  async request(message: DeviceMessage, key: Buffer): Promise<DeviceMessage> {
    this.sendBody(this.codec.encode(signMessage(this.codec, message, key)));
    const reply = await this.next();
    if (!reply) throw new Error('the gateway closed the connection without an answer');
    return this.codec.decode(reply);
  }

  close(): void {
    this.socket.end();
  }
}

/** One request on a connection of its own (what a short-connection kiosk does). */
export async function requestOnce(
  modelName: string,
  address: { host: string; port: number },
  message: DeviceMessage,
  key: Buffer,
): Promise<DeviceMessage> {
  const c = await DeviceConnection.open(modelName, address);
  try {
    return await c.request(message, key);
  } finally {
    c.close();
  }
}

export function decodeWith(format: Parameters<typeof codecFor>[0], bytes: Buffer): DeviceMessage {
  return codecFor(format).decode(bytes);
}

const header = (deviceId: string, serial: string) => ({ deviceId, serial, time: DEVICE_TIME });

export function msg(type: MessageType, fields: Record<string, string>): DeviceMessage {
  return { type, fields };
}

/** Request builders with every optional field filled in as ''. */
export const build = {
  createDeposit: (
    deviceId: string,
    serial: string,
    o: { orderId: string; patientId: string; admissionId: string; cents: number },
  ) =>
    msg('create-order', {
      ...header(deviceId, serial),
      orderId: o.orderId,
      patientId: o.patientId,
      orderKind: 'D',
      amount: String(o.cents).padStart(12, '0'),
      refId: o.admissionId,
      departmentId: '',
      doctorId: '',
      visitDate: '',
      itemId: '',
      itemName: '',
    }),
  createOutpatient: (
    deviceId: string,
    serial: string,
    o: { orderId: string; patientId: string; cents: number },
  ) =>
    msg('create-order', {
      ...header(deviceId, serial),
      orderId: o.orderId,
      patientId: o.patientId,
      orderKind: 'O',
      amount: String(o.cents).padStart(12, '0'),
      refId: `V-${o.orderId}`.slice(0, 32),
      departmentId: '',
      doctorId: '',
      visitDate: '',
      itemId: `I-${o.orderId}`.slice(0, 32),
      itemName: '门诊缴费',
    }),
  payment: (
    deviceId: string,
    serial: string,
    o: { orderId: string; cents: number; txn: string; channel?: string },
  ) =>
    msg('payment-result', {
      ...header(deviceId, serial),
      orderId: o.orderId,
      amount: String(o.cents).padStart(12, '0'),
      cardMasked: '622202******1234',
      referenceNo: '123456789012',
      terminalId: '12345678',
      merchantId: '898110012345678',
      batchNo: '000001',
      voucherNo: '000123',
      channelTxnId: o.txn,
      channel: o.channel ?? 'unionpay',
      attemptId: '',
    }),
  unknown: (deviceId: string, serial: string, o: { orderId: string; cents: number; attemptId: string }) =>
    msg('payment-unknown', {
      ...header(deviceId, serial),
      orderId: o.orderId,
      attemptId: o.attemptId,
      channel: 'unionpay',
      amount: String(o.cents).padStart(12, '0'),
      reason: 'POS应答超时',
    }),
  refund: (deviceId: string, serial: string, o: { orderId: string; refundId: string; cents: number }) =>
    msg('refund', {
      ...header(deviceId, serial),
      orderId: o.orderId,
      refundId: o.refundId,
      refundKind: 'V',
      amount: String(o.cents).padStart(12, '0'),
      channelTxnId: '',
      originalReferenceNo: '123456789012',
      reason: '患者取消',
      identity: 'I',
    }),
  query: (deviceId: string, serial: string, orderId: string) =>
    msg('order-query', { ...header(deviceId, serial), orderId }),
  heartbeat: (deviceId: string, serial: string) =>
    msg('heartbeat', { ...header(deviceId, serial), deviceState: 'OK', softwareVersion: '2.3.1' }),
};
