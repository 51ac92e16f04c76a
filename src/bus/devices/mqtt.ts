// The MQTT side of the device gateway: kiosk fleets publish payment results and heartbeats to
//   hospital/<hospitalId>/device/<deviceId>/payment-result | heartbeat
// as JSON with a MAC (jsonCodec); each becomes a request exactly as a TCP frame does, and its response is
// published to hospital/<hospitalId>/device/<deviceId>/response. Subscriptions are shared
// ($share/<group>/…), so several gateway instances split the messages instead of each handling all.
import { connectAsync, type MqttClient } from 'mqtt';
import type { Logger } from 'pino';
import { jsonCodec } from '../../adapters/devices/codecs/index.ts';
import type { MessageType } from '../../adapters/devices/specs/index.ts';
import type { DeviceService } from './service.ts';

export const TOPIC_ROOT = 'hospital';
export const SHARE_GROUP = 'ledger-devices';
/** Messages being handled at once; beyond it a message waits in the client until one finishes. */
export const MAX_INFLIGHT_MQTT = 64;

/** What each topic suffix carries. */
export const MQTT_TOPICS: Readonly<Record<string, MessageType>> = {
  'payment-result': 'payment-result',
  heartbeat: 'heartbeat',
};

const TOPIC = /^hospital\/([A-Za-z0-9_-]{1,64})\/device\/([A-Za-z0-9_.:-]{1,16})\/([a-z-]+)$/;

export function deviceTopic(hospitalId: string, deviceId: string, suffix: string): string {
  return `${TOPIC_ROOT}/${hospitalId}/device/${deviceId}/${suffix}`;
}

export class DeviceMqttBridge {
  #inflight = 0;
  readonly #waiting: (() => void)[] = [];
  readonly #running = new Set<Promise<void>>();

  private constructor(
    private readonly client: MqttClient,
    private readonly service: DeviceService,
    private readonly logger: Logger,
  ) {}

  static async start(options: {
    url: string;
    service: DeviceService;
    logger: Logger;
    clientId?: string;
    /** Instances in one group split the messages; '' subscribes to all of them (one instance). */
    shareGroup?: string;
  }): Promise<DeviceMqttBridge> {
    const client = await connectAsync(options.url, {
      ...(options.clientId ? { clientId: options.clientId } : {}),
      reconnectPeriod: 1_000,
      connectTimeout: 5_000,
    });
    const bridge = new DeviceMqttBridge(client, options.service, options.logger);
    client.on('message', (topic, payload) => bridge.#track(bridge.#handle(topic, payload)));
    client.on('error', (err) => options.logger.warn({ err }, 'MQTT error'));
    const group = options.shareGroup ?? SHARE_GROUP;
    const prefix = group === '' ? '' : `$share/${group}/`;
    await client.subscribeAsync(
      Object.keys(MQTT_TOPICS).map((suffix) => `${prefix}${TOPIC_ROOT}/+/device/+/${suffix}`),
      { qos: 1 },
    );
    return bridge;
  }

  #track(p: Promise<void>): void {
    this.#running.add(p);
    void p.finally(() => this.#running.delete(p));
  }

  async #handle(topic: string, payload: Buffer): Promise<void> {
    const m = TOPIC.exec(topic);
    const type = m ? MQTT_TOPICS[m[3]!] : undefined;
    if (!m || !type) {
      this.logger.info({ topic }, 'MQTT message on a topic the gateway does not serve');
      return;
    }
    const [, hospitalId, deviceId] = m as unknown as [string, string, string];
    if (this.#inflight >= MAX_INFLIGHT_MQTT) await new Promise<void>((r) => this.#waiting.push(r));
    this.#inflight++;
    try {
      const answered = await this.service.process(jsonCodec, payload, {
        transport: 'mqtt',
        topic: { hospitalId, deviceId },
        allowedTypes: [type],
      });
      await this.client.publishAsync(deviceTopic(hospitalId, deviceId, 'response'), answered.bytes, {
        qos: 1,
      });
    } catch (err) {
      this.logger.error({ err, topic }, 'MQTT device message could not be answered');
    } finally {
      this.#inflight--;
      this.#waiting.shift()?.();
    }
  }

  async close(): Promise<void> {
    await Promise.allSettled([...this.#running]); // answers being published go out first
    await this.client.endAsync();
  }
}
