// The bus's side of the command path: who is calling (the principal) and what the request carries
// (idempotency key, correlation) become the use case's CommandContext; the use cases do the rest.
import type { DeviceFleet } from '../adapters/devices/status.ts';
import type { HandleResult } from '../domain/command-handler.ts';
import type { CommandBase, Decider, DomainEventShape } from '../domain/decider.ts';
import type { EventMetadata } from '../domain/event-store.ts';
import { runDepositCommand } from '../app/deposits.ts';
import { type Admission, type CommandContext, execute as executeCommand } from '../app/execute.ts';
import { runOrderCommand } from '../app/orders.ts';
import type { AppPorts } from '../app/ports.ts';
import type { RateLimiter } from '../domain/ports/rate-limit.ts';
import type { ChannelDirectory } from '../app/channels.ts';
import type { Principal } from './principal.ts';

export { patientKey } from '../app/execute.ts';

/** What the routes run on: the use cases' ports, and the device fleet's status for the admin API. */
export type BusDeps = AppPorts & {
  channels: ChannelDirectory;
  rateLimiter: RateLimiter;
  devices: DeviceFleet;
};

export interface ExecuteOptions {
  idempotencyKey?: string;
  requestHash?: string;
  admission?: Admission;
  correlationId?: string;
  /** Facts about the request kept with the events (the client's address). */
  metadata?: EventMetadata;
}

/** The use-case context of a command from this principal (null: a verified channel callback or a job). */
export function contextOf(
  principal: Principal | null,
  actor: CommandContext['actor'],
  options: ExecuteOptions,
): CommandContext {
  const ctx: CommandContext = { actor, ...options };
  if (principal?.kind === 'client') {
    ctx.device = principal.client.clientId;
    ctx.accessChannel = principal.client.channelId;
  }
  return ctx;
}

export function execute<C extends CommandBase, E extends DomainEventShape, S>(
  deps: BusDeps,
  principal: Principal | null,
  decider: Decider<C, E, S>,
  command: C,
  options: ExecuteOptions = {},
): Promise<HandleResult<E, S>> {
  return executeCommand(deps, decider, command, contextOf(principal, command.actor, options));
}

/** A use case that runs one kind of command, as the bus calls it: with the principal's context. */
const fromPrincipal =
  <C extends { actor: CommandContext['actor'] }, R>(
    run: (deps: BusDeps, command: C, context: CommandContext) => R,
  ) =>
  (deps: BusDeps, principal: Principal | null, command: C, options: ExecuteOptions = {}): R =>
    run(deps, command, contextOf(principal, command.actor, options));

export const runOrder = fromPrincipal(runOrderCommand);
export const runDeposit = fromPrincipal(runDepositCommand);
