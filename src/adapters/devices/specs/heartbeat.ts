// 0800 心跳: the device is alive; its state (OK, PAPER_LOW, CASHBOX_FULL…) and software version.
import { an, iso, request } from './types.ts';

export const heartbeatSpec = request(
  { type: 'heartbeat', code: '0800', title: { zh: '心跳', en: 'Heartbeat' }, macBit: 64 },
  [an('deviceState', 16, iso.ll(53)), an('softwareVersion', 16, iso.ll(54), { optional: true })],
);
