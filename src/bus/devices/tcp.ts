// The TCP side of the device gateway: one listener per device model (its framing and format), long or short
// connections, a response for every request in the order the requests came, and limits on everything:
// connections, frame size, idle/read time, requests waiting on one connection (reading pauses beyond it).
import { createServer, type Server, type Socket } from 'node:net';
import type { Logger } from 'pino';
import { DeviceError } from '../../adapters/devices/codecs/index.ts';
import { DEFAULT_MAX_FRAME_BYTES, FrameReader, frame } from '../../adapters/devices/framing.ts';
import { type DeviceModel, modelCodec } from '../../adapters/devices/models.ts';
import type { DeviceService } from './service.ts';
import type { DeviceStatusBook } from '../../adapters/devices/status.ts';

export interface GatewayLimits {
  /** Open connections one listener accepts; beyond it new connections are dropped at once. */
  maxConnections: number;
  /** A connection that sends nothing for this long is closed (mid-frame: answered FRAME_TRUNCATED first). */
  readTimeoutMs: number;
  maxFrameBytes: number;
  /** Requests read from one connection and not yet answered; reading pauses while there are more. */
  maxQueuedRequests: number;
}

export const DEFAULT_GATEWAY_LIMITS: GatewayLimits = {
  maxConnections: 1_000,
  readTimeoutMs: 30_000,
  maxFrameBytes: DEFAULT_MAX_FRAME_BYTES,
  maxQueuedRequests: 4,
};

export class DeviceGateway {
  readonly #servers: Server[] = [];
  readonly #sockets = new Set<Socket>();
  readonly limits: GatewayLimits;

  constructor(
    private readonly service: DeviceService,
    private readonly status: DeviceStatusBook,
    private readonly logger: Logger,
    limits: Partial<GatewayLimits> = {},
  ) {
    this.limits = { ...DEFAULT_GATEWAY_LIMITS, ...limits };
  }

  /** Starts a listener for one model; answers its address. */
  async listen(
    model: DeviceModel,
    options: { host: string; port: number },
  ): Promise<{ host: string; port: number }> {
    const server = createServer({ allowHalfOpen: true }, (socket) => this.#serve(model, socket));
    server.maxConnections = this.limits.maxConnections;
    await new Promise<void>((resolve, reject) => {
      server.once('error', reject);
      server.listen(options.port, options.host, () => resolve());
    });
    this.#servers.push(server);
    const address = server.address();
    if (address === null || typeof address === 'string') throw new Error('listener has no TCP address');
    return { host: address.address, port: address.port };
  }

  #serve(model: DeviceModel, socket: Socket): void {
    this.#sockets.add(socket);
    const codec = modelCodec(model);
    const reader = new FrameReader(model.framing, this.limits.maxFrameBytes);
    const queue: (Buffer | DeviceError)[] = [];
    const devices = new Set<string>();
    let busy = false;
    let closing = false;
    let ended = false;

    const finish = () => {
      if (!socket.destroyed) socket.end();
    };
    const send = (bytes: Buffer) => {
      if (!socket.destroyed && socket.writable) socket.write(frame(bytes, model.framing));
    };
    const pump = async () => {
      if (busy) return;
      busy = true;
      while (queue.length > 0 && !socket.destroyed) {
        const item = queue.shift()!;
        if (item instanceof DeviceError) {
          send(this.service.refuse(codec, item).bytes);
          closing = true;
          break;
        }
        let answered: Awaited<ReturnType<DeviceService['process']>>;
        try {
          answered = await this.service.process(codec, item, { transport: 'tcp', model: model.name });
        } catch (err) {
          // process answers every request; reaching here is a bug: drop the connection, never the process
          this.logger.error({ err }, 'device request could not be answered');
          socket.destroy();
          break;
        }
        if (answered.device && !devices.has(answered.device.deviceId)) {
          devices.add(answered.device.deviceId);
          await this.status
            .connected(answered.device.hospitalId, answered.device.deviceId)
            .catch((err: unknown) => this.logger.warn({ err }, 'device status not written'));
        }
        send(answered.bytes);
        if (model.connection === 'short') closing = true;
        if (closing) break;
        if (queue.length < this.limits.maxQueuedRequests) socket.resume();
      }
      busy = false;
      if (closing || (ended && queue.length === 0)) finish();
    };
    const take = (items: (Buffer | DeviceError)[]) => {
      if (closing) return;
      queue.push(...items);
      if (queue.length >= this.limits.maxQueuedRequests) socket.pause();
      void pump();
    };

    socket.setTimeout(this.limits.readTimeoutMs);
    socket.on('data', (chunk: Buffer) => {
      if (closing) return;
      try {
        take(reader.push(chunk));
      } catch (error) {
        // a bad length header: the stream cannot be cut into frames any more, so answer and close
        take([
          error instanceof DeviceError ? error : new DeviceError('MALFORMED_MESSAGE', 'unreadable frame'),
        ]);
        closing = true;
      }
    });
    socket.on('timeout', () => {
      if (reader.pending > 0 && !closing)
        take([
          new DeviceError('FRAME_TRUNCATED', `no more bytes for ${this.limits.readTimeoutMs} ms mid-frame`),
        ]);
      else if (!busy) finish();
    });
    socket.on('end', () => {
      ended = true;
      if (reader.pending > 0 && !closing)
        take([new DeviceError('FRAME_TRUNCATED', 'the connection ended mid-frame')]);
      else if (!busy && queue.length === 0) finish();
    });
    socket.on('error', (err) => this.logger.debug({ err }, 'device connection error'));
    socket.on('close', () => {
      this.#sockets.delete(socket);
      for (const id of devices) this.status.disconnected(id);
    });
  }

  /** Open connections to every listener (for tests and the status page). */
  get connections(): number {
    return this.#sockets.size;
  }

  async close(): Promise<void> {
    const closed = this.#servers.map((s) => new Promise<void>((resolve) => s.close(() => resolve())));
    for (const socket of this.#sockets) socket.end();
    setTimeout(() => {
      for (const socket of this.#sockets) socket.destroy();
    }, 1_000).unref();
    await Promise.all(closed);
  }
}
