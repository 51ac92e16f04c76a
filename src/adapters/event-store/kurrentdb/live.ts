import {
  type AllStreamSubscription,
  END,
  type KurrentDBClient,
  streamNameFilter,
} from '@kurrent/kurrentdb-client';
import { STREAM_ID_PATTERN } from '../../../domain/event-store.ts';

const RESTART_MIN_MS = 100;
const RESTART_MAX_MS = 5_000;

/**
 * Wakes subscribers when any process appends: a live catch-up subscription to $all from its end, filtered on
 * the server to ledger streams. It only wakes: subscribers read their pages themselves from their own
 * position (with checkpoints), so a dropped subscription delays delivery by one poll and never loses events.
 */
export class LiveWakeups {
  private readonly wakers = new Set<() => void>();
  private subscription: AllStreamSubscription | undefined;
  private restartTimer: NodeJS.Timeout | undefined;
  private backoff = RESTART_MIN_MS;
  private closed = false;

  constructor(private readonly client: KurrentDBClient) {}

  add(wake: () => void): () => void {
    this.wakers.add(wake);
    if (!this.subscription && !this.restartTimer) this.start();
    return () => {
      this.wakers.delete(wake);
      if (this.wakers.size === 0) this.stopSubscription();
    };
  }

  wakeAll(): void {
    for (const wake of this.wakers) wake();
  }

  private start(): void {
    if (this.closed || this.wakers.size === 0) return;
    let sub: AllStreamSubscription;
    try {
      sub = this.client.subscribeToAll({
        fromPosition: END,
        filter: streamNameFilter({ regex: STREAM_ID_PATTERN.source }),
      });
    } catch {
      this.scheduleStart();
      return;
    }
    this.subscription = sub;
    sub.on('data', () => {
      this.backoff = RESTART_MIN_MS;
      this.wakeAll();
    });
    const restart = () => {
      if (this.subscription !== sub) return;
      this.subscription = undefined;
      sub.unsubscribe().catch(() => {});
      this.scheduleStart();
    };
    sub.on('error', restart);
    sub.on('end', restart);
  }

  /** Subscribes again after a back-off; meanwhile subscribers still poll. */
  private scheduleStart(): void {
    if (this.closed || this.wakers.size === 0 || this.restartTimer) return;
    this.restartTimer = setTimeout(() => {
      this.restartTimer = undefined;
      this.start();
    }, this.backoff);
    this.backoff = Math.min(this.backoff * 2, RESTART_MAX_MS);
  }

  private stopSubscription(): void {
    clearTimeout(this.restartTimer);
    this.restartTimer = undefined;
    const sub = this.subscription;
    this.subscription = undefined;
    sub?.unsubscribe().catch(() => {});
  }

  close(): void {
    this.closed = true;
    this.wakers.clear();
    this.stopSubscription();
  }
}
