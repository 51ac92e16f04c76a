import { connect as tcpConnect } from 'node:net';
import { connectAsync, type MqttClient } from 'mqtt';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { jsonCodec } from '../../../src/adapters/devices/codecs/index.ts';
import { signMessage } from '../../../src/adapters/devices/mac.ts';
import type { DeviceMessage } from '../../../src/adapters/devices/specs/index.ts';
import { deviceTopic } from '../../../src/bus/devices/mqtt.ts';
import { build, requestOnce } from '../../support/device-client.ts';
import { type DevicesHarness, HOSPITAL, MQTT_URL, startDevicesHarness } from './harness.ts';

async function reachable(url: string): Promise<boolean> {
  const { hostname, port } = new URL(url);
  return new Promise((resolve) => {
    const s = tcpConnect({ host: hostname, port: Number(port || 1883) });
    s.once('connect', () => {
      s.destroy();
      resolve(true);
    });
    s.once('error', () => resolve(false));
  });
}

const available = await reachable(MQTT_URL);
if (!available)
  console.warn(
    `MQTT tests skipped: no broker reachable at ${MQTT_URL} (start mosquitto or set TEST_MQTT_URL)`,
  );

let seq = 0;
const unique = (p: string) => `${p}${Date.now().toString(36)}${++seq}`;

describe.skipIf(!available)('devices over MQTT', () => {
  let h: DevicesHarness;
  let kiosk: MqttClient;
  const answers = new Map<string, (m: DeviceMessage) => void>();

  beforeAll(async () => {
    h = await startDevicesHarness('devices_mqtt', { mqtt: true });
    kiosk = await connectAsync(MQTT_URL, { clientId: unique('kiosk-') });
    kiosk.on('message', (_topic, payload) => {
      try {
        const m = jsonCodec.decode(payload);
        answers.get(m.fields.serial!)?.(m);
      } catch {
        // another run's answer on the shared broker
      }
    });
    await kiosk.subscribeAsync(`hospital/${HOSPITAL}/device/+/response`, { qos: 1 });
  });
  afterAll(async () => {
    await kiosk?.endAsync();
    await h?.close();
  });

  /** Publishes as the device and waits for the gateway's answer on the response topic. */
  async function publish(
    suffix: string,
    message: DeviceMessage,
    key: Buffer,
    deviceId: string,
  ): Promise<DeviceMessage> {
    const answered = new Promise<DeviceMessage>((resolve) => answers.set(message.fields.serial!, resolve));
    const payload = jsonCodec.encode(signMessage(jsonCodec, message, key));
    await kiosk.publishAsync(deviceTopic(HOSPITAL, deviceId, suffix), payload, { qos: 1 });
    return answered;
  }

  it('a payment result published by a kiosk pays the order once, even when published twice', async () => {
    const { deviceId, key } = h.devices['kiosk-xml']!;
    const orderId = unique('O');
    const txn = unique('T');
    // the order is opened over TCP, as the kiosk does before it shows the POS prompt
    const created = await requestOnce(
      'kiosk-xml',
      h.address('kiosk-xml'),
      build.createOutpatient(deviceId, unique('s'), { orderId, patientId: 'P5', cents: 1200 }),
      key,
    );
    expect(created.fields.resultCode).toBe('OK');

    const payment = build.payment(deviceId, unique('s'), { orderId, cents: 1200, txn });
    const first = await publish('payment-result', payment, key, deviceId);
    expect(first.fields).toMatchObject({ resultCode: 'OK', orderStatus: 'paid' });
    const again = await publish('payment-result', payment, key, deviceId);
    expect(again).toEqual(first);

    const events = await h.orderEvents(orderId);
    expect(events.map((e) => e.type)).toEqual(['OrderCreated', 'PaymentSucceeded']);
    expect(events[1]!.data).toMatchObject({ channelTxnId: txn, amount: '12.00' });
  });

  it('heartbeats mark the device online, reported as mqtt', async () => {
    const { deviceId, key } = h.devices['kiosk-pipe']!;
    const answer = await publish('heartbeat', build.heartbeat(deviceId, unique('s')), key, deviceId);
    expect(answer.fields.resultCode).toBe('OK');
    const mine = (await h.running.status.list(HOSPITAL)).find((s) => s.deviceId === deviceId)!;
    expect(mine).toMatchObject({ online: true, lastTransport: 'mqtt', deviceState: 'OK' });
  });

  it('a bad MAC, a message on the wrong topic and a device named by another topic are refused', async () => {
    const { deviceId, key } = h.devices['kiosk-fixed']!;
    const other = h.devices['kiosk-pipe']!;
    const orderId = unique('O');
    const forged = await publish(
      'payment-result',
      build.payment(deviceId, unique('s'), { orderId, cents: 100, txn: unique('T') }),
      other.key,
      deviceId,
    );
    expect(forged.fields.resultCode).toBe('BAD_MAC');
    const wrongTopic = await publish('heartbeat', build.query(deviceId, unique('s'), orderId), key, deviceId);
    expect(wrongTopic.fields.resultCode).toBe('UNKNOWN_MESSAGE_TYPE');
    const impostor = await publish('heartbeat', build.heartbeat(deviceId, unique('s')), key, other.deviceId);
    expect(impostor.fields.resultCode).toBe('DEVICE_UNKNOWN');
    expect(await h.orderEvents(orderId)).toEqual([]);
  });
});
