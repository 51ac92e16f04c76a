import type { EventStore } from '../domain/event-store.ts';
import { applyBatch, createProjectionSchema, readCheckpoint } from './checkpoint.ts';
import type { AnyDb, Projection } from './projection.ts';

/** Leases come from the database adapter (advisory locks on PostgreSQL). */
export interface Leases {
  tryLock(key: string): Promise<{ lost: Promise<void>; release(): Promise<void> } | null>;
}

export const DEFAULT_LIVE_BATCH = 1_000;
export const DEFAULT_STANDBY_POLL_MS = 1_000;

export interface ProjectionStatus {
  name: string;
  schema: string;
  /** Last event position applied. */
  position: bigint;
  /** Last event position in the store. */
  head: bigint;
  /** Events not applied yet. */
  lag: bigint;
  /** Whether this runner currently holds the projection's lease. */
  leader: boolean;
}

export function liveSchema(projection: Projection): string {
  return `rm_${projection.name}`;
}

export interface RunnerOptions {
  db: AnyDb;
  store: EventStore;
  leases: Leases;
  projection: Projection;
  /** Defaults to rm_<name>. */
  schema?: string;
  batchSize?: number;
  standbyPollMs?: number;
  onError?: (error: unknown) => void;
}

/**
 * Keeps one projection up to date: takes the projection's lease (one active runner across processes; the
 * others wait and take over when the holder dies), catches up from the checkpoint, then follows live.
 */
export class ProjectionRunner {
  readonly schema: string;
  private stopped = false;
  private leader = false;
  private loop: Promise<void> | undefined;
  private wakeStop: () => void = () => {};
  private readonly stopSignal: Promise<void>;

  constructor(private readonly options: RunnerOptions) {
    this.schema = options.schema ?? liveSchema(options.projection);
    this.stopSignal = new Promise((resolve) => {
      this.wakeStop = resolve;
    });
  }

  start(): this {
    this.loop ??= this.run();
    return this;
  }

  isLeader(): boolean {
    return this.leader;
  }

  async stop(): Promise<void> {
    this.stopped = true;
    this.wakeStop();
    await this.loop;
  }

  async status(): Promise<ProjectionStatus> {
    const position = (await readCheckpoint(this.options.db, this.schema)) ?? 0n;
    const head = await this.options.store.headPosition();
    return {
      name: this.options.projection.name,
      schema: this.schema,
      position,
      head,
      lag: head > position ? head - position : 0n,
      leader: this.leader,
    };
  }

  /** Resolves once the read model has applied everything in the store at the time of the call. */
  async caughtUp(pollMs = 10): Promise<void> {
    const head = await this.options.store.headPosition();
    while (!this.stopped) {
      const position = (await readCheckpoint(this.options.db, this.schema)) ?? 0n;
      if (position >= head) return;
      await new Promise((r) => setTimeout(r, pollMs));
    }
  }

  private async run(): Promise<void> {
    const { leases, projection, db } = this.options;
    while (!this.stopped) {
      let lease: Awaited<ReturnType<Leases['tryLock']>> = null;
      try {
        lease = await leases.tryLock(`projection:${this.schema}`);
      } catch (error) {
        this.options.onError?.(error);
      }
      if (!lease) {
        await Promise.race([this.stopSignal, sleep(this.options.standbyPollMs ?? DEFAULT_STANDBY_POLL_MS)]);
        continue;
      }
      this.leader = true;
      try {
        await createProjectionSchema(db, projection, this.schema);
        await this.follow(lease.lost);
      } catch (error) {
        this.options.onError?.(error);
        await Promise.race([this.stopSignal, sleep(500)]);
      } finally {
        this.leader = false;
        await lease.release();
      }
    }
  }

  /** Follows the store until stopped or the lease is lost; restarts its subscription when the checkpoint moves under it. */
  private async follow(lost: Promise<void>): Promise<void> {
    const { db, store, projection } = this.options;
    let leaseLost = false;
    void lost.then(() => {
      leaseLost = true;
    });
    while (!this.stopped && !leaseLost) {
      let expected = (await readCheckpoint(db, this.schema)) ?? 0n;
      let restart: () => void = () => {};
      const moved = new Promise<void>((resolve) => {
        restart = resolve;
      });
      const subscription = store.subscribe({
        after: expected,
        batchSize: this.options.batchSize ?? DEFAULT_LIVE_BATCH,
        onError: (e) => this.options.onError?.(e),
        handler: async (events) => {
          if (this.stopped || leaseLost) return restart();
          if (await applyBatch(db, projection, this.schema, events, expected))
            expected = events.at(-1)!.position;
          else restart();
        },
      });
      await Promise.race([this.stopSignal, lost, moved]);
      await subscription.stop();
    }
  }
}

function sleep(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, ms));
}
