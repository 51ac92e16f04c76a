// Channel management (院外渠道接口对接): the settings of each access channel — an official-account app, a
// kiosk fleet, a window, a third-party booking platform — as an event-sourced aggregate, so every change
// is an auditable fact. Stream `<hospitalId>/channel/<channelId>`.
import type { CommandBase } from '../decider.ts';
import type { Channel } from '../ids.ts';

/** What a channel may submit. `refund` covers refund requests and refund outcomes. */
export const BUSINESS_TYPES = ['registration', 'outpatient', 'deposit', 'refund'] as const;
export type BusinessType = (typeof BUSINESS_TYPES)[number];

/** The limits of a channel's settings and of the commands that change them. */
export const CHANNEL_LIMITS = {
  /** Most opening windows per channel (e.g. morning and afternoon clinics). */
  openingWindows: 8,
  /** Most blacklist entries per channel. */
  blacklistEntries: 10_000,
  /** Most blacklist entries one command may add or remove. */
  blacklistChange: 1_000,
  /** Highest rate limit a channel may be given (requests/s); the bus holds one bucket per channel. */
  ratePerSecond: 100_000,
  priority: 100,
  nameLength: 100,
  reasonLength: 500,
} as const;

/** A daily window in the hospital's local time, `HH:MM`–`HH:MM`, end exclusive; end < start spans midnight. */
export interface OpeningWindow {
  from: string;
  to: string;
}

export interface ChannelSettings {
  name: string;
  businessTypes: BusinessType[];
  /** Empty = open around the clock. */
  openingHours: OpeningWindow[];
  /** IANA zone the opening hours are read in (the hospital's). */
  timeZone: string;
  /** Sustained requests per second; `burst` more may come at once. */
  rateLimit: { perSecond: number; burst: number };
  /** Higher is served first where the platform has to choose (e.g. HIS writeback queues). */
  priority: number;
  /**
   * Blocked patients / cards, as keyed hashes (hex SHA-256 of `<hospitalId>:<id>`, computed at the edge):
   * raw ID-card or card numbers are never stored in an event.
   */
  blacklist: string[];
}

export type ChannelSettingsChange = Partial<Omit<ChannelSettings, 'blacklist'>> & {
  blacklistAdd?: string[];
  blacklistRemove?: string[];
};

interface ChannelCommandBase extends CommandBase {
  channelId: Channel;
}

export interface RegisterChannel extends ChannelCommandBase {
  type: 'RegisterChannel';
  settings: ChannelSettings;
}

export interface ChangeChannelSettings extends ChannelCommandBase {
  type: 'ChangeChannelSettings';
  change: ChannelSettingsChange;
  reason: string;
}

export interface DisableChannel extends ChannelCommandBase {
  type: 'DisableChannel';
  reason: string;
}

export interface EnableChannel extends ChannelCommandBase {
  type: 'EnableChannel';
  reason: string;
}

export type ChannelCommand = RegisterChannel | ChangeChannelSettings | DisableChannel | EnableChannel;

export type ChannelSettingsData = {
  name: string;
  businessTypes: string[];
  openingHours: { from: string; to: string }[];
  timeZone: string;
  rateLimit: { perSecond: number; burst: number };
  priority: number;
  blacklist: string[];
};

export type ChannelRegistered = {
  type: 'ChannelRegistered';
  data: { channelId: string; settings: ChannelSettingsData };
};

/** Carries the settings after the change (and what changed), so each event reads on its own. */
export type ChannelSettingsChanged = {
  type: 'ChannelSettingsChanged';
  data: { channelId: string; changed: string[]; settings: ChannelSettingsData; reason: string };
};

export type ChannelDisabled = { type: 'ChannelDisabled'; data: { channelId: string; reason: string } };
export type ChannelEnabled = { type: 'ChannelEnabled'; data: { channelId: string; reason: string } };

export type ChannelEvent = ChannelRegistered | ChannelSettingsChanged | ChannelDisabled | ChannelEnabled;
export type ChannelEventType = ChannelEvent['type'];

export interface ChannelState {
  exists: boolean;
  channelId: string;
  enabled: boolean;
  settings: ChannelSettings;
  /** Events folded: lets a cache tell a newer state from an older one. */
  version: number;
}
