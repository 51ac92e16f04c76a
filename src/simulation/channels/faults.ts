// What the channel sandbox can be told to do wrong, one rule at a time, for a number of calls.
import type { GatewayChannel } from '../../domain/channel/gateway.ts';

export const SANDBOX_OPERATIONS = [
  'query',
  'close',
  'refund',
  'refund-query',
  'bill',
  'certificates',
  'callback',
  'prepay',
  'codepay',
  'reverse',
] as const;
export type SandboxOperation = (typeof SANDBOX_OPERATIONS)[number];

export const SANDBOX_FAULTS = ['delay', 'fail', 'timeout', 'processing', 'forge', 'callback-twice'] as const;
export type SandboxFaultKind = (typeof SANDBOX_FAULTS)[number];

export interface SandboxFault {
  kind: SandboxFaultKind;
  /** Any channel when absent. */
  channel?: GatewayChannel;
  /** Any operation when absent. */
  operation?: SandboxOperation;
  /** Calls it applies to (default 1). */
  times?: number;
  /** `delay`: how long to wait before answering. */
  ms?: number;
  /** `processing`: refund queries answered PROCESSING before the refund completes (default 1). */
  polls?: number;
}

/**
 * - delay: the call is carried out, the answer comes `ms` later;
 * - fail: SYSTEM_ERROR (HTTP 500 / Alipay 20000), nothing carried out;
 * - timeout: the call IS carried out, the answer never comes (held until the sandbox closes): the caller's
 *   deadline passes without knowing what happened;
 * - processing: a refund is accepted as PROCESSING and completes after `polls` queries (then notifies);
 * - forge: the answer is signed with a key that is not the channel's;
 * - callback-twice: each notification of the call is delivered twice.
 */
export class FaultPlan {
  readonly #rules: Array<SandboxFault & { left: number }> = [];

  add(fault: SandboxFault): void {
    this.#rules.push({ ...fault, left: fault.times ?? 1 });
  }

  clear(): void {
    this.#rules.length = 0;
  }

  /** The first rule matching this call among `kinds`, consumed once; undefined when none applies. */
  take(
    channel: GatewayChannel,
    operation: SandboxOperation,
    kinds: readonly SandboxFaultKind[],
  ): SandboxFault | undefined {
    const i = this.#rules.findIndex(
      (r) =>
        r.left > 0 &&
        kinds.includes(r.kind) &&
        (r.channel === undefined || r.channel === channel) &&
        (r.operation === undefined || r.operation === operation),
    );
    if (i < 0) return undefined;
    const rule = this.#rules[i]!;
    rule.left--;
    if (rule.left <= 0) this.#rules.splice(i, 1);
    return rule;
  }
}
