import { describe, expect, it } from 'vitest';
import { CHANNEL_CACHE_TTL_MS, ChannelDirectory } from '../../src/app/channels.ts';
import { channelDecider } from '../../src/domain/channel/index.ts';
import type { EventStore, ReadStreamResult } from '../../src/domain/event-store.ts';
import { HospitalId } from '../../src/domain/ids.ts';

/** A store whose stream reads wait until released, counting them. */
function slowStore() {
  const waiting: (() => void)[] = [];
  let reads = 0;
  const store = {
    readStream(): Promise<ReadStreamResult> {
      reads++;
      return new Promise((resolve) => waiting.push(() => resolve({ exists: false, version: 0, events: [] })));
    },
  } as unknown as EventStore;
  return {
    store,
    reads: () => reads,
    release: () => {
      for (const go of waiting.splice(0)) go();
    },
  };
}

const H = HospitalId('H1');

describe('the channel settings cache', () => {
  it('commands that miss together share one read of the channel stream', async () => {
    const s = slowStore();
    let t = 0;
    const directory = new ChannelDirectory(s.store, () => t);
    const gets = Array.from({ length: 20 }, () => directory.get(H, 'kiosk'));
    expect(s.reads()).toBe(1);
    s.release();
    for (const state of await Promise.all(gets)) expect(state).toEqual(channelDecider.initialState());
    await directory.get(H, 'kiosk');
    expect(s.reads()).toBe(1);
    t += CHANNEL_CACHE_TTL_MS + 1;
    const again = directory.get(H, 'kiosk');
    expect(s.reads()).toBe(2);
    s.release();
    await again;
  });

  it('settings put while a read runs are kept: the older read does not overwrite them', async () => {
    const s = slowStore();
    const directory = new ChannelDirectory(s.store, () => 0);
    const pending = directory.get(H, 'kiosk');
    const newer = { ...channelDecider.initialState(), exists: true } as ReturnType<
      typeof channelDecider.initialState
    >;
    directory.put(H, 'kiosk', newer);
    s.release();
    await pending;
    expect(await directory.get(H, 'kiosk')).toBe(newer);
    expect(s.reads()).toBe(1);
  });
});
