// A registered kiosk or POS terminal. Each has its own MAC key, which exists at rest only sealed (SecretSealer)
// under its device id, as bus-client secrets are under theirs.
import type { Channel, HospitalId } from '../ids.ts';

/** Devices listed at most for one hospital. */
export const MAX_DEVICES_LISTED = 5_000;
// no '/', '+' or '#': a device id is a segment of its MQTT topics
export const DEVICE_ID = /^[A-Za-z0-9_.:-]{1,16}$/;

export interface Device {
  deviceId: string;
  hospitalId: HospitalId;
  model: string;
  channel: Channel;
  disabled: boolean;
}

/** Binds a sealed device key to its device. */
export function deviceKeyContext(deviceId: string): string {
  return `device:${deviceId}`;
}

/** The device registry's persistence (adapters/devices/registry-store.ts): one contract. */
export interface DeviceStore {
  /** The device and its sealed key. */
  get(deviceId: string): Promise<{ device: Device; sealedKey: string } | undefined>;
  /** Inserts a new device (enabled); undefined when the id is taken. */
  insert(device: Omit<Device, 'disabled'>, sealedKey: string): Promise<Device | undefined>;
  setDisabled(deviceId: string, disabled: boolean): Promise<Device | undefined>;
  /** The hospital's devices by id, at most MAX_DEVICES_LISTED. */
  list(hospitalId: string): Promise<Device[]>;
}
