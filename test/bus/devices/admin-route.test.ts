import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { generateMasterKey, parseMasterKeys } from '../../../src/adapters/secrets/keyring.ts';
import { DeviceStatusBook } from '../../../src/bus/devices/index.ts';
import { DeviceRegistry } from '../../../src/app/devices.ts';
import { SqlDeviceStore } from '../../../src/adapters/devices/registry-store.ts';
import { keyringSealer } from '../../../src/adapters/secrets/sealer.ts';
import { type Harness, HOSPITAL, startHarness, TOKENS } from '../harness.ts';

let h: Harness;
beforeAll(async () => {
  h = await startHarness('devices_admin_route');
});
afterAll(async () => {
  await h?.close();
});

describe('GET /v1/admin/devices', () => {
  it('lists the hospital devices with their online state, for administrators only', async () => {
    const registry = new DeviceRegistry(
      new SqlDeviceStore(h.db.database.db),
      keyringSealer(parseMasterKeys(generateMasterKey())),
    );
    await registry.register({
      deviceId: 'K-ALIVE',
      hospitalId: HOSPITAL,
      model: 'kiosk-pipe',
      channel: 'kiosk',
    });
    await registry.register({
      deviceId: 'K-SILENT',
      hospitalId: HOSPITAL,
      model: 'mispos-8583',
      channel: 'kiosk',
    });
    await registry.register({
      deviceId: 'K-OTHER',
      hospitalId: 'H999',
      model: 'kiosk-pipe',
      channel: 'kiosk',
    });
    await new DeviceStatusBook(h.db.database.db, () => new Date(h.clock.ms)).heartbeat(
      HOSPITAL,
      'K-ALIVE',
      'mqtt',
      {
        deviceState: 'PAPER_LOW',
        softwareVersion: '1.0',
      },
    );

    const answer = await h.staff(TOKENS.admin)('GET', '/v1/admin/devices');
    expect(answer.status).toBe(200);
    expect(answer.body.devices.map((d: { deviceId: string }) => d.deviceId)).toEqual(['K-ALIVE', 'K-SILENT']);
    expect(answer.body.devices[0]).toMatchObject({
      online: true,
      deviceState: 'PAPER_LOW',
      lastTransport: 'mqtt',
    });
    expect(answer.body.devices[1]).toMatchObject({ online: false, lastHeartbeatAt: null });

    // ninety seconds later without a heartbeat the kiosk is offline
    h.clock.ms += 91_000;
    const later = await h.staff(TOKENS.admin)('GET', '/v1/admin/devices');
    expect(later.body.devices[0].online).toBe(false);

    expect((await h.staff(TOKENS.clerk)('GET', '/v1/admin/devices')).status).toBe(403);
  });
});
