// What the use cases run on: the ports, built once by the composition root (src/app/compose.ts) from
// configuration, or by a test with real adapters. Use cases are functions of these; edges hand them in.
import type { RefundPolicy } from '../domain/refund/types.ts';
import type { Logger } from 'pino';
import type { ChannelState } from '../domain/channel/index.ts';
import type { ChannelGateways } from '../domain/channel/gateway.ts';
import type { EventStore } from '../domain/event-store.ts';
import type { HisClient } from '../domain/his/port.ts';
import type { RateLimiter } from '../domain/ports/rate-limit.ts';
import type { AnyDb } from '../projections/projection.ts';

/** Channel settings as the command path reads them (cached briefly per process). */
export interface ChannelSettings {
  get(hospitalId: string, channelId: string): Promise<ChannelState>;
}

export interface AppPorts {
  store: EventStore;
  /** Read models (and the event store's own tables) of the same database. */
  db: AnyDb;
  /** The clock: business time of what the system itself does (reactions, jobs). */
  now: () => Date;
  logger: Logger;
  /** Absent: nothing is written back to a HIS (the writeback reaction waits). */
  his?: HisClient;
  channels?: ChannelSettings;
  rateLimiter?: RateLimiter;
  /** Clients of the hospitals' WeChat Pay / Alipay merchants. Absent: nothing is asked of a channel. */
  gateways?: ChannelGateways;
  /** The hospital's refund routes (order, windows, fallbacks). Absent: DEFAULT_REFUND_POLICY. */
  refundPolicy?: (hospitalId: string) => RefundPolicy | Promise<RefundPolicy>;
}
