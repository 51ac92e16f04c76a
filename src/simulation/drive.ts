// Drives a simulated day through the one command handler, exactly as the bus would: every command is loaded,
// decided and appended by handle(). Episodes run concurrently (the store combines concurrent appends), the
// commands of one episode in order. Idempotency keys make a re-run of the same day on the same store a no-op,
// so an interrupted simulation resumes where it stopped.
import { createHash } from 'node:crypto';
import { handle } from '../domain/command-handler.ts';
import type { Decider, DomainEventShape } from '../domain/decider.ts';
import { depositDecider } from '../domain/deposit/index.ts';
import type { EventStore } from '../domain/event-store.ts';
import { orderDecider } from '../domain/order/index.ts';
import { settlementDecider } from '../domain/settlement/index.ts';
import type { SimCommand } from './commands.ts';
import type { SimulatedDay, Story } from './types.ts';

/** Episodes in flight at once: enough to keep the store's append batching busy, bounded for memory. */
export const DEFAULT_DRIVE_CONCURRENCY = 64;
export const MAX_DRIVE_CONCURRENCY = 512;

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

const DECIDERS = {
  order: orderDecider,
  deposit: depositDecider,
  settlement: settlementDecider,
} as const;

/** A command the domain refused: the generator produced something the real system would not. */
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

async function runStory(
  store: EventStore,
  day: SimulatedDay,
  story: Story,
): Promise<{ events: number; replayed: number }> {
  let events = 0;
  let replayed = 0;
  for (let i = 0; i < story.commands.length; i++) {
    const { decider, command } = story.commands[i]!;
    const d = DECIDERS[decider] as unknown as Decider<typeof command, DomainEventShape, unknown>;
    try {
      const r = await handle(store, d, command, {
        idempotencyKey: `sim:${day.runTag}:${story.key}:${i}`,
        requestHash: requestHash(command),
        metadata: { correlationId: `sim:${day.runTag}:${story.key}` },
      });
      if (r.duplicate) replayed++;
      else events += r.events.length;
    } catch (error) {
      throw new SimulationCommandError(story.key, command.type, error);
    }
  }
  return { events, replayed };
}

/** Runs every episode of the day through handle(); rejects on the first refused command. */
export async function driveDay(
  store: EventStore,
  day: SimulatedDay,
  options: DriveOptions = {},
): Promise<DriveResult> {
  const started = performance.now();
  const concurrency = Math.min(
    Math.max(1, options.concurrency ?? DEFAULT_DRIVE_CONCURRENCY),
    MAX_DRIVE_CONCURRENCY,
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
        const r = await runStory(store, day, story);
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
