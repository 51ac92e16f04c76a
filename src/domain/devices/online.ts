// When a kiosk or POS terminal counts as online: while it holds an open connection to a gateway, or while its
// last heartbeat (TCP or MQTT) is younger than ONLINE_WINDOW_MS. A disabled device is never online.

/** A device that has not sent a heartbeat for this long (and holds no connection) is offline. */
export const ONLINE_WINDOW_MS = 90_000;

export function isOnline(
  device: { disabled: boolean; connections: number; lastHeartbeatAt: Date | null },
  now: Date,
): boolean {
  if (device.disabled) return false;
  if (device.connections > 0) return true;
  return (
    device.lastHeartbeatAt !== null && now.getTime() - device.lastHeartbeatAt.getTime() <= ONLINE_WINDOW_MS
  );
}
