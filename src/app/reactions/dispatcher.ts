// Carries out a reaction's recorded work: claims what is due (rows other dispatchers hold are skipped, so
// any number of processes may dispatch), runs each through its executor, deletes it when done. Work that
// throws (a bug, the database or a dependency away) is retried with backoff and parked after
// MAX_WORK_FAILURES, where `ledger projections status` shows it.
import { backoffMs, type Reaction } from '../../domain/reactions/index.ts';
import { claimDueWork, completeWork, failWork, reactionSchema } from '../../projections/reactions.ts';
import type { AppPorts } from '../ports.ts';
import { EXECUTORS, NotReady } from './effects.ts';

/** Rows claimed per round. */
export const DISPATCH_BATCH = 64;
/** Rows carried out at once. */
export const DISPATCH_CONCURRENCY = 8;
/** How long a claim holds a row: longer than any executor takes (a HIS call times out after 10 s). */
export const CLAIM_LEASE_MS = 120_000;
/** Failed executions before a row is parked for a person. */
export const MAX_WORK_FAILURES = 10;
const RETRY_BASE_MS = 5_000;
const RETRY_CAP_MS = 15 * 60_000;

export interface DispatchRound {
  claimed: number;
  done: number;
  failed: number;
}

/** One round: claims due work and carries it out. */
export async function dispatchDue(ports: AppPorts, reaction: Reaction): Promise<DispatchRound> {
  const schema = reactionSchema(reaction);
  const claimed = await claimDueWork(ports.db, schema, ports.now(), DISPATCH_BATCH, CLAIM_LEASE_MS);
  const round: DispatchRound = { claimed: claimed.length, done: 0, failed: 0 };
  const queue = [...claimed];
  const worker = async () => {
    for (let work = queue.shift(); work; work = queue.shift()) {
      const execute = EXECUTORS[work.kind];
      try {
        if (!execute) throw new Error(`no executor for ${work.kind}`);
        const outcome = await execute(ports, work, reaction.name);
        await completeWork(ports.db, schema, work.key);
        ports.logger.debug({ reaction: reaction.name, key: work.key, outcome }, 'reaction work done');
        round.done++;
      } catch (error) {
        round.failed++;
        const attempts = work.attempts + 1;
        const notReady = error instanceof NotReady;
        const park = !notReady && attempts >= MAX_WORK_FAILURES;
        const retryAt = new Date(ports.now().getTime() + backoffMs(attempts, RETRY_BASE_MS, RETRY_CAP_MS));
        const message = error instanceof Error ? error.message : String(error);
        await failWork(ports.db, schema, work.key, message, retryAt, park).catch((e: unknown) =>
          ports.logger.error({ err: e, key: work.key }, 'could not record a failed reaction'),
        );
        const log = notReady ? ports.logger.debug : park ? ports.logger.error : ports.logger.warn;
        log.call(
          ports.logger,
          { reaction: reaction.name, key: work.key, attempts, parked: park, err: message },
          park ? 'reaction work parked after repeated failures' : 'reaction work failed; will retry',
        );
      }
    }
  };
  await Promise.all(Array.from({ length: Math.min(DISPATCH_CONCURRENCY, claimed.length) }, worker));
  return round;
}
