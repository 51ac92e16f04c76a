// The device registry: register a kiosk or POS (its MAC key generated here, shown once, stored only sealed),
// disable it, list them, and the lookup each device request runs (cached briefly, with the opened key).
import { randomBytes } from 'node:crypto';
import { DEVICE_KEY_BYTES } from '../adapters/devices/mac.ts';
import { deviceModel } from '../adapters/devices/models.ts';
import { DEVICE_ID, type Device, type DeviceStore, deviceKeyContext } from '../domain/devices/device.ts';
import { Channel, HospitalId } from '../domain/ids.ts';
import type { SecretSealer } from '../domain/secrets.ts';

export { type Device, MAX_DEVICES_LISTED } from '../domain/devices/device.ts';

/** How long a looked-up device (and its opened key) is trusted before it is read again. */
export const DEVICE_CACHE_TTL_MS = 2_000;
export const DEVICE_CACHE_MAX_ENTRIES = 10_000;

export class DeviceExistsError extends Error {
  constructor(readonly deviceId: string) {
    super(`device ${deviceId} already exists`);
    this.name = 'DeviceExistsError';
  }
}

export class DeviceRegistry {
  readonly #cache = new Map<string, { entry: { device: Device; key: Buffer } | undefined; until: number }>();

  constructor(
    private readonly store: DeviceStore,
    private readonly sealer: SecretSealer,
    private readonly now: () => number = Date.now,
  ) {}

  /** The device and its MAC key, or undefined when not registered. */
  async lookup(deviceId: string): Promise<{ device: Device; key: Buffer } | undefined> {
    const t = this.now();
    const hit = this.#cache.get(deviceId);
    if (hit && hit.until > t) return hit.entry;
    const found = await this.store.get(deviceId);
    const entry = found && {
      device: found.device,
      key: Buffer.from(this.sealer.open(found.sealedKey, deviceKeyContext(deviceId)), 'hex'),
    };
    if (this.#cache.size >= DEVICE_CACHE_MAX_ENTRIES) this.#cache.clear();
    this.#cache.set(deviceId, { entry, until: t + DEVICE_CACHE_TTL_MS });
    return entry;
  }

  /** Registers a device and answers its key (hex): the only time it exists outside the device. */
  async register(input: { deviceId: string; hospitalId: string; model: string; channel: string }): Promise<{
    device: Device;
    key: string;
  }> {
    if (!DEVICE_ID.test(input.deviceId)) throw new RangeError(`device id must match ${DEVICE_ID}`);
    deviceModel(input.model);
    const key = randomBytes(DEVICE_KEY_BYTES).toString('hex');
    const device = await this.store.insert(
      {
        deviceId: input.deviceId,
        hospitalId: HospitalId(input.hospitalId),
        model: input.model,
        channel: Channel(input.channel),
      },
      this.sealer.seal(key, deviceKeyContext(input.deviceId)),
    );
    if (!device) throw new DeviceExistsError(input.deviceId);
    this.#cache.delete(input.deviceId);
    return { device, key };
  }

  async setDisabled(deviceId: string, disabled: boolean): Promise<Device | undefined> {
    const device = await this.store.setDisabled(deviceId, disabled);
    this.#cache.delete(deviceId);
    return device;
  }

  list(hospitalId: string): Promise<Device[]> {
    return this.store.list(hospitalId);
  }
}
