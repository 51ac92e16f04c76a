// Running the reactions: per reaction, a projection runner records its intents (one leader across processes,
// checkpointed with the queue) and a dispatch loop in every process carries out what is due.
import { REACTIONS, type Reaction } from '../../domain/reactions/index.ts';
import { catchUpProjection } from '../../projections/build.ts';
import { readCheckpoint } from '../../projections/checkpoint.ts';
import {
  reactionProjection,
  reactionSchema,
  workCounts,
  type WorkCounts,
} from '../../projections/reactions.ts';
import { type Leases, ProjectionRunner } from '../../projections/runner.ts';
import type { AppPorts } from '../ports.ts';
import { DISPATCH_BATCH, dispatchDue } from './dispatcher.ts';

/** How often an idle dispatcher looks for due work. */
export const DISPATCH_POLL_MS = 250;
/** Rounds one drain may take before it gives up (each advances the clock or finishes due work). */
const MAX_DRAIN_ROUNDS = 10_000;

export interface ReactionStatus {
  name: string;
  version: number;
  schema: string;
  position: bigint;
  head: bigint;
  lag: bigint;
  leader: boolean;
  work: WorkCounts;
}

export interface ReactionsHandle {
  readonly runners: readonly ProjectionRunner[];
  status(): Promise<ReactionStatus[]>;
  /** Resolves once every event so far is recorded and no work is due now (later retries may wait). */
  settled(timeoutMs?: number): Promise<void>;
  stop(): Promise<void>;
}

async function statusOf(
  ports: AppPorts,
  reaction: Reaction,
  runner?: ProjectionRunner,
): Promise<ReactionStatus> {
  const schema = reactionSchema(reaction);
  const head = await ports.store.headPosition();
  const checkpoint = await readCheckpoint(ports.db, schema);
  const position = checkpoint ?? 0n;
  // No checkpoint: the reaction's queue does not exist yet, so it holds no work.
  const work =
    checkpoint !== undefined
      ? await workCounts(ports.db, schema, ports.now())
      : { pending: 0, due: 0, retrying: 0, parked: 0, nextDueAt: null };
  return {
    name: reaction.name,
    version: reaction.version,
    schema,
    position,
    head,
    lag: head > position ? head - position : 0n,
    leader: runner?.isLeader() ?? false,
    work,
  };
}

export async function reactionStatuses(
  ports: AppPorts,
  reactions: readonly Reaction[] = REACTIONS,
): Promise<ReactionStatus[]> {
  return Promise.all(reactions.map((r) => statusOf(ports, r)));
}

/** Starts recording and carrying out every reaction in this process (`ledger serve`, `ledger worker`). */
export function startReactions(
  ports: AppPorts,
  leases: Leases,
  options: { reactions?: readonly Reaction[]; pollMs?: number; standbyPollMs?: number } = {},
): ReactionsHandle {
  const reactions = options.reactions ?? REACTIONS;
  const runners = reactions.map((reaction) =>
    new ProjectionRunner({
      db: ports.db,
      store: ports.store,
      leases,
      projection: reactionProjection(reaction),
      schema: reactionSchema(reaction),
      ...(options.standbyPollMs !== undefined ? { standbyPollMs: options.standbyPollMs } : {}),
      onError: (error) => ports.logger.error({ err: error }, 'reaction runner failed; retrying'),
    }).start(),
  );
  let stopped = false;
  let busy = 0;
  let wake: () => void = () => {};
  const loops = reactions.map(async (reaction) => {
    while (!stopped) {
      let full = false;
      busy++;
      try {
        if ((await readCheckpoint(ports.db, reactionSchema(reaction))) !== undefined)
          full = (await dispatchDue(ports, reaction)).claimed === DISPATCH_BATCH;
      } catch (error) {
        ports.logger.error({ err: error, reaction: reaction.name }, 'reaction dispatch failed; retrying');
      } finally {
        busy--;
      }
      if (!full)
        await new Promise<void>((resolve) => {
          const t = setTimeout(resolve, options.pollMs ?? DISPATCH_POLL_MS);
          wake = () => {
            clearTimeout(t);
            resolve();
          };
        });
    }
  });
  return {
    runners,
    status: () => Promise.all(reactions.map((r, i) => statusOf(ports, r, runners[i]))),
    async settled(timeoutMs = 30_000) {
      const deadline = Date.now() + timeoutMs;
      for (;;) {
        const all = await Promise.all(reactions.map((r, i) => statusOf(ports, r, runners[i])));
        if (busy === 0 && all.every((s) => s.lag === 0n && s.work.due === 0)) return;
        if (Date.now() > deadline) throw new Error('reactions did not settle in time');
        wake();
        await new Promise((r) => setTimeout(r, 20));
      }
    },
    async stop() {
      stopped = true;
      wake();
      await Promise.all(loops);
      await Promise.all(runners.map((r) => r.stop()));
    },
  };
}

/**
 * Runs every reaction to completion in this process, without leases: records what the store holds, carries
 * out what is due, and when only later work is left, moves `clock` to it (a simulation's clock; pass none
 * to stop at what is due now). For the simulator, tests and one-off catch-ups.
 */
export async function drainReactions(
  ports: AppPorts,
  options: { reactions?: readonly Reaction[]; advanceClock?: (to: Date) => void } = {},
): Promise<{ done: number; rounds: number }> {
  const reactions = options.reactions ?? REACTIONS;
  let done = 0;
  for (let round = 0; round < MAX_DRAIN_ROUNDS; round++) {
    let progressed = false;
    for (const reaction of reactions) {
      const projection = reactionProjection(reaction);
      const schema = reactionSchema(reaction);
      await catchUpProjection({ db: ports.db, store: ports.store, projection, schema });
      for (;;) {
        const r = await dispatchDue(ports, reaction);
        done += r.done;
        if (r.claimed > 0) progressed = true;
        if (r.claimed < DISPATCH_BATCH) break;
      }
    }
    if (progressed) continue;
    const statuses = await reactionStatuses(ports, reactions);
    if (statuses.some((s) => s.lag > 0n)) continue;
    const next = statuses
      .map((s) => s.work.nextDueAt)
      .filter((d): d is Date => d !== null)
      .sort((a, b) => a.getTime() - b.getTime())[0];
    if (!next || !options.advanceClock) return { done, rounds: round + 1 };
    options.advanceClock(next);
  }
  throw new Error('reactions did not drain');
}
