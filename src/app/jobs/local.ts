// The bus's own runner, for a bus without a worker queue (no REDIS_URL; the embedded database): jobs run in
// this process, a few at a time, from their records in the database. At start and then periodically it takes
// up every job left queued, or running under a lease that expired — a job whose process ended (a restart, a
// crash) is run again to its end rather than left `interrupted`.
import type { Logger } from 'pino';
import type { JobDispatch } from '../../domain/ports/jobs.ts';
import { DEFAULT_JOB_LEASE_MS } from '../jobs.ts';
import type { JobWorkPorts } from './kinds.ts';
import { runJob } from './run.ts';

/** The local runner's defaults. */
export const LOCAL_RUNNER = {
  /** Jobs one bus process runs at once (the rest wait in its queue). */
  concurrency: 2,
  /** How often the runner looks for jobs left behind by a process that ended. */
  resumeEveryMs: 15_000,
  /** Longest a stopping bus waits for the jobs in hand (the rest are taken up after their leases expire). */
  stopWaitMs: 10_000,
} as const;

export interface LocalRunnerOptions {
  runner: string;
  logger: Logger;
  leaseMs?: number;
  concurrency?: number;
  resumeEveryMs?: number;
}

export class LocalJobRunner implements JobDispatch {
  readonly #waiting: string[] = [];
  readonly #inHand = new Map<string, Promise<void>>();
  #timer: NodeJS.Timeout | undefined;
  #stopped = false;

  constructor(
    private readonly ports: JobWorkPorts,
    private readonly o: LocalRunnerOptions,
  ) {}

  async dispatch(jobId: string): Promise<void> {
    if (this.#stopped || this.#inHand.has(jobId) || this.#waiting.includes(jobId)) return;
    this.#waiting.push(jobId);
    this.#pump();
  }

  /** Takes up what earlier processes left, now and every `resumeEveryMs`. */
  start(): this {
    const look = async () => {
      try {
        for (const id of await this.ports.jobs.resumable(100)) await this.dispatch(id);
      } catch (e) {
        this.o.logger.warn({ err: (e as Error).message }, 'jobs: could not look for jobs to take up');
      }
    };
    void look();
    this.#timer = setInterval(look, this.o.resumeEveryMs ?? LOCAL_RUNNER.resumeEveryMs);
    this.#timer.unref();
    return this;
  }

  async stop(waitMs = LOCAL_RUNNER.stopWaitMs): Promise<void> {
    this.#stopped = true;
    clearInterval(this.#timer);
    this.#waiting.length = 0;
    let timer: NodeJS.Timeout | undefined;
    await Promise.race([
      Promise.allSettled([...this.#inHand.values()]),
      new Promise((r) => {
        timer = setTimeout(r, waitMs);
      }),
    ]);
    clearTimeout(timer);
  }

  #pump(): void {
    while (!this.#stopped && this.#inHand.size < (this.o.concurrency ?? LOCAL_RUNNER.concurrency)) {
      const id = this.#waiting.shift();
      if (id === undefined) return;
      const run = runJob(this.ports, id, {
        runner: this.o.runner,
        leaseMs: this.o.leaseMs ?? DEFAULT_JOB_LEASE_MS,
        finalAttempt: true,
        onError: (e, job) =>
          this.o.logger.info(
            { job: id, kind: job.kind, code: (e as { code?: string }).code },
            'job did not succeed',
          ),
      })
        .then((r) => this.o.logger.debug({ job: id, outcome: r.kind }, 'job run'))
        .catch((e) => this.o.logger.error({ job: id, err: (e as Error).message }, 'job run failed'))
        .finally(() => {
          this.#inHand.delete(id);
          this.#pump();
        });
      this.#inHand.set(id, run);
    }
  }
}
