// Drives a simulated day through the application's use cases, exactly as the bus would: every command goes
// through the same use case (an order's payment checked against its admission, channel admission…) and the
// follow-ups (deposit credits, HIS writebacks) come from the platform's reactions, never from the simulator.
// Episodes run concurrently, the steps of one episode in order. Idempotency keys make a re-run of the same
// day on the same store a no-op, so an interrupted simulation resumes where it stopped.
import { createHash } from 'node:crypto';
import { runDepositCommand } from '../app/deposits.ts';
import { type CommandContext, execute } from '../app/execute.ts';
import { loadDeposit } from '../app/load.ts';
import { runOrderCommand } from '../app/orders.ts';
import type { AppPorts } from '../app/ports.ts';
import { settlementDecider } from '../domain/settlement/index.ts';
import type { AwaitDepositCredit, SimCommand, SimStep } from './commands.ts';
import type { SimulatedDay, Story } from './types.ts';

/** How hard the drive pushes the store, and how long an episode waits for the platform. */
export const DRIVE_LIMITS = {
  /** Episodes in flight at once: enough to keep the store's append batching busy, bounded for memory. */
  defaultConcurrency: 64,
  maxConcurrency: 512,
  /** Longest an episode waits for the platform's reaction (a deposit credit) before it fails. */
  awaitReactionMs: 120_000,
  /** How often it looks whether the reaction happened. */
  awaitPollMs: 25,
} as const;

export interface DriveProgress {
  commands: number;
  totalCommands: number;
  events: number;
}

export interface DriveResult {
  commands: number;
  events: number;
  /** Commands whose idempotency key had been applied before (a resumed or repeated run). */
  replayed: number;
  ms: number;
}

export interface DriveOptions {
  concurrency?: number;
  onProgress?: (p: DriveProgress) => void;
  /** Calls onProgress at most once per this many commands. */
  progressEvery?: number;
}

/** A command the application refused: the generator produced something the real system would not. */
export class SimulationCommandError extends Error {
  constructor(
    readonly story: string,
    readonly commandType: string,
    override readonly cause: unknown,
  ) {
    const c = cause as { code?: string; message?: string; details?: unknown };
    super(
      `episode ${story}: ${commandType} refused: ${c.code ?? ''} ${c.message ?? String(cause)} ${c.details ? JSON.stringify(c.details) : ''}`.trim(),
    );
    this.name = 'SimulationCommandError';
  }
}

function requestHash(command: SimCommand['command']): string {
  return createHash('sha256').update(JSON.stringify(command)).digest('hex').slice(0, 32);
}

/** One command through its use case: what a kiosk, the HIS or a channel callback would call. */
export async function runSimCommand(
  ports: AppPorts,
  step: SimCommand,
  ctx: CommandContext,
): Promise<{ events: number; duplicate: boolean }> {
  const r =
    step.decider === 'order'
      ? await runOrderCommand(ports, step.command, ctx)
      : step.decider === 'deposit'
        ? await runDepositCommand(ports, step.command, ctx)
        : await execute(ports, settlementDecider, step.command, ctx);
  return { events: r.events.length, duplicate: r.duplicate };
}

async function awaitCredit(ports: AppPorts, step: AwaitDepositCredit['command']): Promise<void> {
  const deadline = Date.now() + DRIVE_LIMITS.awaitReactionMs;
  for (;;) {
    const { state } = await loadDeposit(ports.store, step.hospitalId, step.admissionId);
    if (step.orderIds.every((id) => state.topUps.has(id))) return;
    if (Date.now() > deadline)
      throw new Error(`deposit of ${step.admissionId} was not credited in time (are reactions running?)`);
    await new Promise((r) => setTimeout(r, DRIVE_LIMITS.awaitPollMs));
  }
}

async function runStory(
  ports: AppPorts,
  day: SimulatedDay,
  story: Story,
): Promise<{ events: number; replayed: number }> {
  let events = 0;
  let replayed = 0;
  for (let i = 0; i < story.commands.length; i++) {
    const step: SimStep = story.commands[i]!;
    try {
      if (step.decider === 'await') {
        await awaitCredit(ports, step.command);
        continue;
      }
      const r = await runSimCommand(ports, step, {
        actor: step.command.actor,
        idempotencyKey: `sim:${day.runTag}:${story.key}:${i}`,
        requestHash: requestHash(step.command),
        correlationId: `sim:${day.runTag}:${story.key}`,
      });
      if (r.duplicate) replayed++;
      else events += r.events;
    } catch (error) {
      throw new SimulationCommandError(story.key, step.command.type, error);
    }
  }
  return { events, replayed };
}

/** Runs every episode of the day through the use cases; rejects on the first refused command. */
export async function driveDay(
  ports: AppPorts,
  day: SimulatedDay,
  options: DriveOptions = {},
): Promise<DriveResult> {
  const started = performance.now();
  const concurrency = Math.min(
    Math.max(1, options.concurrency ?? DRIVE_LIMITS.defaultConcurrency),
    DRIVE_LIMITS.maxConcurrency,
  );
  const totalCommands = day.stories.reduce((n, s) => n + s.commands.length, 0);
  const every = Math.max(1, options.progressEvery ?? 250);
  let next = 0;
  let commands = 0;
  let events = 0;
  let replayed = 0;
  let reported = 0;
  let failure: unknown;
  const worker = async () => {
    while (failure === undefined && next < day.stories.length) {
      const story = day.stories[next++]!;
      try {
        const r = await runStory(ports, day, story);
        events += r.events;
        replayed += r.replayed;
      } catch (error) {
        failure ??= error;
        return;
      }
      commands += story.commands.length;
      if (options.onProgress && commands - reported >= every) {
        reported = commands;
        options.onProgress({ commands, totalCommands, events });
      }
    }
  };
  await Promise.all(Array.from({ length: Math.min(concurrency, day.stories.length) }, worker));
  if (failure !== undefined) throw failure;
  options.onProgress?.({ commands, totalCommands, events });
  return { commands, events, replayed, ms: Math.round(performance.now() - started) };
}
