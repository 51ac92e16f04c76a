// Deposit use cases: discharge settlement and remainder refunds (top-ups are orders: src/app/orders.ts, and
// their credit is a reaction).
import type { HandleResult } from '../domain/command-handler.ts';
import {
  type DepositCommand,
  type DepositEvent,
  type DepositState,
  depositDecider,
} from '../domain/deposit/index.ts';
import { type CommandContext, execute } from './execute.ts';
import type { AppPorts } from './ports.ts';

export type DepositOutcome = HandleResult<DepositEvent, DepositState>;

export function runDepositCommand(
  ports: AppPorts,
  command: DepositCommand,
  ctx: CommandContext,
): Promise<DepositOutcome> {
  return execute(ports, depositDecider, command, ctx);
}
