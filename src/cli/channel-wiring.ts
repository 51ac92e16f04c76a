// Builds the channel side of a process from its environment: channel management's merchant store (secrets sealed
// under the master keyring, as bus-client secrets are), the gateways the reactions call, and the channel_calls
// reaction with its configured delays.
//
//   CHANNEL_QUERY_DELAY_MS       wait before 主动查单 of a status-unknown attempt (default 60 s)
//   CHANNEL_PAYMENT_DEADLINE_MS  how long a requested payment may stay unpaid before the order is closed (30 min)
//   CHANNEL_TIMEOUT_MS           per-call deadline of a channel API call (10 s)
import { DEFAULT_REFUND_POLICY, type RefundPolicy, validatePolicy } from '../domain/refund/index.ts';
import { gatewayFor } from '../adapters/channels/credentials.ts';
import { SqlMerchantStore } from '../adapters/channels/merchant-store.ts';
import { MerchantGateways, type MerchantPorts } from '../app/merchants.ts';
import { channelCallsReaction, REACTIONS, type Reaction } from '../domain/reactions/index.ts';
import type { AnyDb } from '../projections/projection.ts';
import { envelopeSealer } from '../adapters/secrets/sealer.ts';
import type { MasterKeyring } from '../adapters/secrets/keyring.ts';

function positiveMs(env: NodeJS.ProcessEnv, name: string): number | undefined {
  const v = env[name]?.trim();
  if (!v) return undefined;
  const n = Number(v);
  if (!Number.isInteger(n) || n < 0) throw new RangeError(`${name} must be a whole number of milliseconds`);
  return n;
}

export interface ChannelWiring {
  merchants: { ports: MerchantPorts; gateways: MerchantGateways };
  /** Every reaction, the channel_calls one with the configured delays. */
  reactions: readonly Reaction[];
}

export function channelWiring(env: NodeJS.ProcessEnv, db: AnyDb, keyring: MasterKeyring): ChannelWiring {
  const ports: MerchantPorts = {
    merchants: new SqlMerchantStore(db),
    sealer: envelopeSealer(keyring),
    now: () => new Date(),
  };
  const timeoutMs = positiveMs(env, 'CHANNEL_TIMEOUT_MS');
  const gateways = new MerchantGateways(ports, (c) => gatewayFor(c, timeoutMs ? { timeoutMs } : {}));
  const queryDelay = positiveMs(env, 'CHANNEL_QUERY_DELAY_MS');
  const deadline = positiveMs(env, 'CHANNEL_PAYMENT_DEADLINE_MS');
  const channelCalls = channelCallsReaction({
    ...(queryDelay !== undefined ? { paymentQueryDelayMs: queryDelay } : {}),
    ...(deadline !== undefined ? { paymentDeadlineMs: deadline } : {}),
  });
  return {
    merchants: { ports, gateways },
    reactions: REACTIONS.map((r) => (r.name === channelCalls.name ? channelCalls : r)),
  };
}

/**
 * The hospital-wide refund routes from REFUND_POLICY (JSON: { order, channelPriority, windowsDays, fallbacks }),
 * merged over the defaults (WeChat 365 days, Alipay 90, newest first, bank transfer then cash). Refused whole at
 * start-up when invalid, never half applied.
 */
export function refundPolicyOption(env: NodeJS.ProcessEnv): { refundPolicy?: RefundPolicy } {
  const text = env.REFUND_POLICY;
  if (!text) return {};
  const given = JSON.parse(text) as Partial<RefundPolicy>;
  const policy: RefundPolicy = {
    ...DEFAULT_REFUND_POLICY,
    ...given,
    windowsDays: { ...DEFAULT_REFUND_POLICY.windowsDays, ...(given.windowsDays ?? {}) },
  };
  validatePolicy(policy);
  return { refundPolicy: policy };
}
