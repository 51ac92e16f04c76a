import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { build, DeviceConnection } from '../../support/device-client.ts';
import { type DevicesHarness, startDevicesHarness } from './harness.ts';

let h: DevicesHarness;
beforeAll(async () => {
  h = await startDevicesHarness('devices_limits', { limits: { maxConnections: 2 } });
});
afterAll(async () => {
  await h?.close();
});

async function until(condition: () => boolean): Promise<void> {
  while (!condition()) await new Promise((r) => setTimeout(r, 20));
}

describe('bounded connections', () => {
  it('a listener holds at most maxConnections; the next is dropped, and taken again once one closes', async () => {
    const model = 'kiosk-fixed';
    const { deviceId, key } = h.devices[model]!;
    const address = h.address(model);
    const first = await DeviceConnection.open(model, address);
    const second = await DeviceConnection.open(model, address);
    expect((await first.request(build.heartbeat(deviceId, 'a1'), key)).fields.resultCode).toBe('OK');
    expect((await second.request(build.heartbeat(deviceId, 'a2'), key)).fields.resultCode).toBe('OK');

    const third = await DeviceConnection.open(model, address);
    third.sendBody(third.codec.encode(build.heartbeat(deviceId, 'a3')));
    expect(await third.next()).toBeUndefined();

    first.close();
    await until(() => h.running.gateway.connections < 2);
    const fourth = await DeviceConnection.open(model, address);
    expect((await fourth.request(build.heartbeat(deviceId, 'a4'), key)).fields.resultCode).toBe('OK');
    second.close();
    fourth.close();
  });
});
