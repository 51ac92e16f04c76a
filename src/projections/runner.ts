import type { EventStore } from '../domain/event-store.ts';
import { rebuildProjection } from './build.ts';
import { applyBatch, createProjectionSchema, readCheckpoint, readCheckpointRow } from './checkpoint.ts';
import { type AnyDb, liveSchema, type Projection } from './projection.ts';

/** Leases come from the database adapter (advisory locks on PostgreSQL). */
export interface Leases {
  tryLock(key: string): Promise<{ lost: Promise<void>; release(): Promise<void> } | null>;
}

/** What a runner uses where its options say nothing: events applied per batch, a standby's pause between tries. */
export const RUNNER_DEFAULTS = { batchSize: 1_000, standbyPollMs: 1_000 } as const;

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
  /** Code version of the projection. */
  version: number;
  /** Version that built the tables in the schema (undefined before it exists); another one means a rebuild is due. */
  storedVersion: number | undefined;
}

export { liveSchema };

export interface RunnerOptions {
  db: AnyDb;
  store: EventStore;
  leases: Leases;
  projection: Projection;
  /** Defaults to the live schema rm_<name>. */
  schema?: string;
  batchSize?: number;
  standbyPollMs?: number;
  onError?: (error: unknown) => void;
  /**
   * The live schema was made by this start's schema work (openLedger with readModelPreparation): a leader
   * then reads the checkpoint's version instead of running the schema's DDL again, one query instead of a few
   * dozen on a start.
   */
  schemaPrepared?: boolean;
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
    const checkpoint = await readCheckpointRow(this.options.db, this.schema);
    const position = checkpoint?.position ?? 0n;
    const head = await this.options.store.headPosition();
    return {
      name: this.options.projection.name,
      schema: this.schema,
      position,
      head,
      lag: head > position ? head - position : 0n,
      leader: this.leader,
      version: this.options.projection.version,
      storedVersion: checkpoint?.version,
    };
  }

  /**
   * Resolves once the read model has applied everything in the store at the time of the call, built by this
   * code version (a copy of another version is being rebuilt, however far it got).
   */
  async caughtUp(pollMs = 10): Promise<void> {
    const head = await this.options.store.headPosition();
    while (!this.stopped) {
      const checkpoint = await readCheckpointRow(this.options.db, this.schema);
      if (checkpoint && checkpoint.version === this.options.projection.version && checkpoint.position >= head)
        return;
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
        await Promise.race([
          this.stopSignal,
          sleep(this.options.standbyPollMs ?? RUNNER_DEFAULTS.standbyPollMs),
        ]);
        continue;
      }
      this.leader = true;
      try {
        const prepared = this.options.schemaPrepared ? await readCheckpointRow(db, this.schema) : undefined;
        const stored = prepared?.version ?? (await createProjectionSchema(db, projection, this.schema));
        // Tables built by another code version: rebuild beside them and swap before following live.
        if (stored !== projection.version)
          await rebuildProjection({ db, store: this.options.store, projection, schema: this.schema });
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
        batchSize: this.options.batchSize ?? RUNNER_DEFAULTS.batchSize,
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
