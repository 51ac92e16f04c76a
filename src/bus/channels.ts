// Channel settings as the command path reads them: folded from the channel's stream (always the latest
// facts), cached briefly per process so admission does not read the stream on every request.
import { channelDecider, type ChannelState } from '../domain/channel/index.ts';
import { fold, streamOf } from '../domain/decider.ts';
import type { EventStore } from '../domain/event-store.ts';
import type { HospitalId } from '../domain/ids.ts';
import { Channel } from '../domain/ids.ts';

/** A change made on another bus instance reaches this one within this time. */
export const CHANNEL_CACHE_TTL_MS = 1_000;
export const CHANNEL_CACHE_MAX_ENTRIES = 10_000;

export class ChannelDirectory {
  readonly #cache = new Map<string, { state: ChannelState; until: number }>();

  constructor(
    private readonly store: EventStore,
    private readonly now: () => number = Date.now,
  ) {}

  async load(hospitalId: HospitalId, channelId: string): Promise<{ state: ChannelState; version: number }> {
    const stream = streamOf(channelDecider, {
      type: 'DisableChannel',
      hospitalId,
      channelId: Channel(channelId),
      at: new Date(0),
      actor: { kind: 'system', id: 'read' },
      reason: 'read',
    });
    const read = await this.store.readStream(stream);
    return { state: fold(channelDecider, read.events as never[]), version: read.version };
  }

  async get(hospitalId: HospitalId, channelId: string): Promise<ChannelState> {
    const key = `${hospitalId}/${channelId}`;
    const t = this.now();
    const hit = this.#cache.get(key);
    if (hit && hit.until > t) return hit.state;
    const { state } = await this.load(hospitalId, channelId);
    if (this.#cache.size >= CHANNEL_CACHE_MAX_ENTRIES) this.#cache.clear();
    this.#cache.set(key, { state, until: t + CHANNEL_CACHE_TTL_MS });
    return state;
  }

  /** After an admin change on this instance: the next command sees it at once. */
  put(hospitalId: string, channelId: string, state: ChannelState): void {
    this.#cache.set(`${hospitalId}/${channelId}`, { state, until: this.now() + CHANNEL_CACHE_TTL_MS });
  }
}
