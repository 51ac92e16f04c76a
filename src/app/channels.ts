// Channel management's reads: a channel's settings as the command path reads them (folded from the channel's
// stream, always the latest facts, cached briefly per process so admission does not read the stream on every
// request), and the history of its changes. Edges call these; they never read the store themselves.
import {
  type ChannelEvent,
  channelDecider,
  type ChannelState,
  channelStreamId,
} from '../domain/channel/index.ts';
import { fold } from '../domain/decider.ts';
import type { EventStore } from '../domain/event-store.ts';
import type { HospitalId } from '../domain/ids.ts';

/** One change of a channel's settings: who, when, why. */
export interface ChannelChange {
  version: number;
  type: string;
  actor: unknown;
  at: string;
  reason: string | null;
  changed: unknown[] | null;
}

export async function channelHistory(
  store: EventStore,
  hospitalId: string,
  channelId: string,
): Promise<ChannelChange[]> {
  const read = await store.readStream(channelStreamId(hospitalId, channelId));
  return read.events.map((e) => ({
    version: e.streamVersion,
    type: e.type,
    actor: e.metadata.actor ?? null,
    at: e.occurredAt.toISOString(),
    reason: typeof e.data.reason === 'string' ? e.data.reason : null,
    changed: Array.isArray(e.data.changed) ? e.data.changed : null,
  }));
}

/** A change made on another bus instance reaches this one within this time. */
export const CHANNEL_CACHE_TTL_MS = 1_000;
export const CHANNEL_CACHE_MAX_ENTRIES = 10_000;

export class ChannelDirectory {
  readonly #cache = new Map<string, { state: ChannelState; until: number }>();
  readonly #loading = new Map<string, Promise<ChannelState>>();

  constructor(
    private readonly store: EventStore,
    private readonly now: () => number = Date.now,
  ) {}

  async load(hospitalId: HospitalId, channelId: string): Promise<{ state: ChannelState; version: number }> {
    const read = await this.store.readStream(channelStreamId(hospitalId, channelId));
    return {
      state: fold(channelDecider, read.events as unknown as ChannelEvent[]),
      version: read.version,
    };
  }

  /**
   * The channel's settings, at most CHANNEL_CACHE_TTL_MS old. Commands that miss together share one read: when
   * the entry expires under load, one read of the channel stream serves every command waiting for it.
   */
  async get(hospitalId: HospitalId, channelId: string): Promise<ChannelState> {
    const key = `${hospitalId}/${channelId}`;
    const t = this.now();
    const hit = this.#cache.get(key);
    if (hit && hit.until > t) return hit.state;
    const loading = this.#loading.get(key);
    if (loading) return loading;
    const read = this.load(hospitalId, channelId)
      .then(({ state }) => {
        // A put() while this read ran holds newer settings than the read may have seen: keep those.
        if (this.#loading.get(key) === read) {
          if (this.#cache.size >= CHANNEL_CACHE_MAX_ENTRIES) this.#cache.clear();
          this.#cache.set(key, { state, until: t + CHANNEL_CACHE_TTL_MS });
        }
        return state;
      })
      .finally(() => {
        if (this.#loading.get(key) === read) this.#loading.delete(key);
      });
    this.#loading.set(key, read);
    return read;
  }

  /** After an admin change on this instance: the next command sees it at once. */
  put(hospitalId: string, channelId: string, state: ChannelState): void {
    const key = `${hospitalId}/${channelId}`;
    this.#loading.delete(key);
    this.#cache.set(key, { state, until: this.now() + CHANNEL_CACHE_TTL_MS });
  }
}
