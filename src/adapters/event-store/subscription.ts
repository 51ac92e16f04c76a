import type {
  ReadAllPage,
  RecordedEvent,
  SubscribeOptions,
  Subscription,
  Upcaster,
} from '../../domain/event-store.ts';

/** What a subscription needs from a store: the gap-safe page read, wake-ups and checkpoints. */
/** What every store adapter takes: upcasters for reads, and how often subscribers look without a wake-up. */
export interface StoreOptions {
  upcasters?: readonly Upcaster[];
  /** Subscribers read again this often even without a wake-up (a lost one only delays, never loses). */
  pollIntervalMs?: number;
}

export interface SubscribableStore {
  readAllPage(options: { after?: bigint; maxCount?: number }): Promise<ReadAllPage>;
  headPosition(): Promise<bigint>;
  onAppend(wake: () => void): () => void;
  loadCheckpoint(name: string): Promise<bigint | undefined>;
  storeCheckpoint(name: string, position: bigint): Promise<void>;
  readonly pollIntervalMs: number;
}

export const DEFAULT_BATCH_SIZE = 500;
/** How soon to look again when a hole may still fill (an append in flight). */
const HOLE_RETRY_MS = 2;
const MAX_ERROR_BACKOFF_MS = 5_000;

/**
 * Delivers every event exactly once, in position order, in batches: catches up from the checkpoint (or
 * `after`), then follows live, woken by appends (in-process or NOTIFY) and by a fallback poll.
 * The checkpoint is stored after the handler finished a batch: delivery is at-least-once across a crash
 * between the two; consumers that need exactly-once keep their checkpoint in their own transaction
 * (the projection runner does).
 */
export class PollingSubscription implements Subscription {
  private current = 0n;
  private stopped = false;
  private wake: (() => void) | undefined;
  /** Set by a wake-up that came while the loop was not sleeping, so that it is not lost. */
  private woken = false;
  private readonly done: Promise<void>;
  private readonly unsubscribe: () => void;
  private readonly progressWaiters = new Set<() => void>();
  private started: Promise<void>;

  constructor(
    private readonly store: SubscribableStore,
    private readonly options: SubscribeOptions,
  ) {
    this.unsubscribe = store.onAppend(() => this.poke());
    this.started = this.start();
    this.done = this.started.then(() => this.loop());
  }

  private async start(): Promise<void> {
    const stored = this.options.checkpoint
      ? await this.store.loadCheckpoint(this.options.checkpoint)
      : undefined;
    this.current = stored ?? this.options.after ?? 0n;
  }

  private poke(): void {
    this.woken = true;
    this.wake?.();
  }

  position(): bigint {
    return this.current;
  }

  async caughtUp(): Promise<void> {
    await this.started;
    const head = await this.store.headPosition();
    while (this.current < head && !this.stopped) {
      await new Promise<void>((resolve) => this.progressWaiters.add(resolve));
    }
  }

  async stop(): Promise<void> {
    this.stopped = true;
    this.unsubscribe();
    this.poke();
    await this.done.catch(() => {});
    for (const w of this.progressWaiters) w();
  }

  private async loop(): Promise<void> {
    const batchSize = this.options.batchSize ?? DEFAULT_BATCH_SIZE;
    let backoff = 100;
    while (!this.stopped) {
      let page: ReadAllPage;
      this.woken = false;
      try {
        page = await this.store.readAllPage({ after: this.current, maxCount: batchSize });
        if (page.events.length > 0) await this.deliver(page.events);
        backoff = 100;
      } catch (error) {
        this.options.onError?.(error);
        await this.sleep(backoff);
        backoff = Math.min(backoff * 2, MAX_ERROR_BACKOFF_MS);
        continue;
      }
      if (page.events.length === batchSize) continue;
      await this.sleep(page.blocked ? HOLE_RETRY_MS : this.store.pollIntervalMs);
    }
  }

  private async deliver(events: RecordedEvent[]): Promise<void> {
    await this.options.handler(events);
    const last = events.at(-1)!.position;
    if (this.options.checkpoint) await this.store.storeCheckpoint(this.options.checkpoint, last);
    this.current = last;
    for (const w of this.progressWaiters) w();
    this.progressWaiters.clear();
  }

  private sleep(ms: number): Promise<void> {
    if (this.stopped || this.woken) return Promise.resolve();
    return new Promise((resolve) => {
      const finish = () => {
        clearTimeout(timer);
        this.wake = undefined;
        resolve();
      };
      const timer = setTimeout(finish, ms);
      this.wake = finish;
    });
  }
}
