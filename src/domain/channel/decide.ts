// Channel decisions (pure). Settings are validated here, so an invalid setting is never a fact.
import { localParts } from '../business-date.ts';
import { refuse } from './refusals.ts';
import {
  BUSINESS_TYPES,
  type BusinessType,
  type ChannelCommand,
  type ChannelEvent,
  type ChannelSettings,
  type ChannelSettingsData,
  type ChannelState,
  CHANNEL_LIMITS,
  type OpeningWindow,
} from './types.ts';

const HHMM = /^([01]\d|2[0-3]):([0-5]\d)$/;
/** A blacklist entry is a hex SHA-256: never a raw id. */
const KEY_HASH = /^[0-9a-f]{64}$/;

function invalid(field: string, reason: string): never {
  throw refuse('CHANNEL_INVALID_SETTINGS', { field, reason });
}

function minutes(hhmm: string, field: string): number {
  const m = HHMM.exec(hhmm);
  if (!m) invalid(field, 'must be HH:MM');
  return Number(m[1]) * 60 + Number(m[2]);
}

function validZone(timeZone: string): void {
  try {
    localParts(new Date(0), timeZone);
  } catch {
    invalid('timeZone', 'unknown IANA time zone');
  }
}

function reasonText(reason: string): string {
  if (typeof reason !== 'string' || reason.length === 0 || reason.length > CHANNEL_LIMITS.reasonLength)
    invalid('reason', `must be 1..${CHANNEL_LIMITS.reasonLength} characters`);
  return reason;
}

export function validateSettings(s: ChannelSettings): ChannelSettingsData {
  if (typeof s.name !== 'string' || s.name.length === 0 || s.name.length > CHANNEL_LIMITS.nameLength)
    invalid('name', `must be 1..${CHANNEL_LIMITS.nameLength} characters`);
  const types = [...new Set(s.businessTypes)];
  for (const t of types)
    if (!(BUSINESS_TYPES as readonly string[]).includes(t)) invalid('businessTypes', `unknown type ${t}`);
  if (s.openingHours.length > CHANNEL_LIMITS.openingWindows)
    invalid('openingHours', `at most ${CHANNEL_LIMITS.openingWindows} windows`);
  for (const [i, w] of s.openingHours.entries())
    if (minutes(w.from, `openingHours[${i}].from`) === minutes(w.to, `openingHours[${i}].to`))
      invalid(`openingHours[${i}]`, 'from and to must differ (leave the list empty for always open)');
  validZone(s.timeZone);
  const { perSecond, burst } = s.rateLimit;
  if (!Number.isInteger(perSecond) || perSecond < 1 || perSecond > CHANNEL_LIMITS.ratePerSecond)
    invalid('rateLimit.perSecond', `must be an integer 1..${CHANNEL_LIMITS.ratePerSecond}`);
  if (!Number.isInteger(burst) || burst < 1 || burst > CHANNEL_LIMITS.ratePerSecond)
    invalid('rateLimit.burst', `must be an integer 1..${CHANNEL_LIMITS.ratePerSecond}`);
  if (!Number.isInteger(s.priority) || s.priority < 0 || s.priority > CHANNEL_LIMITS.priority)
    invalid('priority', `must be an integer 0..${CHANNEL_LIMITS.priority}`);
  const blacklist = [...new Set(s.blacklist)].sort();
  if (blacklist.length > CHANNEL_LIMITS.blacklistEntries)
    invalid('blacklist', `at most ${CHANNEL_LIMITS.blacklistEntries} entries`);
  for (const k of blacklist) if (!KEY_HASH.test(k)) invalid('blacklist', 'entries must be hex SHA-256 keys');
  return {
    name: s.name,
    businessTypes: [...types].sort(),
    openingHours: s.openingHours.map((w) => ({ from: w.from, to: w.to })),
    timeZone: s.timeZone,
    rateLimit: { perSecond, burst },
    priority: s.priority,
    blacklist,
  };
}

export function settingsFromData(d: ChannelSettingsData): ChannelSettings {
  return {
    name: d.name,
    businessTypes: d.businessTypes as BusinessType[],
    openingHours: d.openingHours.map((w): OpeningWindow => ({ from: w.from, to: w.to })),
    timeZone: d.timeZone,
    rateLimit: { ...d.rateLimit },
    priority: d.priority,
    blacklist: [...d.blacklist],
  };
}

export function decideChannel(command: ChannelCommand, state: ChannelState): ChannelEvent[] {
  const channelId = command.channelId;
  if (command.type === 'RegisterChannel') {
    const settings = validateSettings(command.settings);
    if (state.exists) {
      // The same registration again (a retried admin call) changes nothing.
      if (JSON.stringify(validateSettings(state.settings)) === JSON.stringify(settings)) return [];
      throw refuse('CHANNEL_ALREADY_EXISTS', { channelId });
    }
    return [{ type: 'ChannelRegistered', data: { channelId, settings } }];
  }
  if (!state.exists) throw refuse('CHANNEL_NOT_FOUND', { channelId });

  switch (command.type) {
    case 'ChangeChannelSettings': {
      const reason = reasonText(command.reason);
      const c = command.change;
      const add = c.blacklistAdd ?? [];
      const remove = new Set(c.blacklistRemove ?? []);
      if (add.length + remove.size > CHANNEL_LIMITS.blacklistChange)
        invalid('blacklist', `at most ${CHANNEL_LIMITS.blacklistChange} entries per change`);
      const next: ChannelSettings = {
        name: c.name ?? state.settings.name,
        businessTypes: c.businessTypes ?? state.settings.businessTypes,
        openingHours: c.openingHours ?? state.settings.openingHours,
        timeZone: c.timeZone ?? state.settings.timeZone,
        rateLimit: c.rateLimit ?? state.settings.rateLimit,
        priority: c.priority ?? state.settings.priority,
        blacklist: [...state.settings.blacklist.filter((k) => !remove.has(k)), ...add],
      };
      const before = validateSettings(state.settings);
      const after = validateSettings(next);
      const changed = (Object.keys(after) as (keyof ChannelSettingsData)[]).filter(
        (k) => JSON.stringify(before[k]) !== JSON.stringify(after[k]),
      );
      if (changed.length === 0) return [];
      return [{ type: 'ChannelSettingsChanged', data: { channelId, changed, settings: after, reason } }];
    }
    case 'DisableChannel': {
      const reason = reasonText(command.reason);
      if (!state.enabled) return [];
      return [{ type: 'ChannelDisabled', data: { channelId, reason } }];
    }
    case 'EnableChannel': {
      const reason = reasonText(command.reason);
      if (state.enabled) return [];
      return [{ type: 'ChannelEnabled', data: { channelId, reason } }];
    }
  }
}

export function initialChannelState(): ChannelState {
  return {
    exists: false,
    channelId: '',
    enabled: false,
    settings: {
      name: '',
      businessTypes: [],
      openingHours: [],
      timeZone: 'Asia/Shanghai',
      rateLimit: { perSecond: 1, burst: 1 },
      priority: 0,
      blacklist: [],
    },
    version: 0,
  };
}

export function evolveChannel(state: ChannelState, event: ChannelEvent): ChannelState {
  const version = state.version + 1;
  switch (event.type) {
    case 'ChannelRegistered':
      return {
        exists: true,
        channelId: event.data.channelId,
        enabled: true,
        settings: settingsFromData(event.data.settings),
        version,
      };
    case 'ChannelSettingsChanged':
      return { ...state, settings: settingsFromData(event.data.settings), version };
    case 'ChannelDisabled':
      return { ...state, enabled: false, version };
    case 'ChannelEnabled':
      return { ...state, enabled: true, version };
    default:
      return { ...state, version };
  }
}
