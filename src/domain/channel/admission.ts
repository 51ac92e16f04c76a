// The admission rule every money-moving command from a bus client passes before it is decided: is its
// channel registered and enabled, open at this hour, allowed this business, and is the patient not blocked.
// Pure: the instant and the patient's keyed hash come in.
import { localParts } from '../business-date.ts';
import { refuse } from './refusals.ts';
import type { BusinessType, ChannelState, OpeningWindow } from './types.ts';

export interface AdmissionRequest {
  /** Absent for commands on an existing order (paying it, cancelling it): its kind was admitted at creation. */
  businessType?: BusinessType;
  /** When the command arrives (server clock). */
  at: Date;
  /** Keyed hash of the patient / card id when the command names one (see ChannelSettings.blacklist). */
  patientKey?: string;
}

function toMinutes(hhmm: string): number {
  return Number(hhmm.slice(0, 2)) * 60 + Number(hhmm.slice(3, 5));
}

export function isOpenAt(windows: readonly OpeningWindow[], timeZone: string, at: Date): boolean {
  if (windows.length === 0) return true;
  const p = localParts(at, timeZone);
  const now = p.hour * 60 + p.minute;
  return windows.some((w) => {
    const from = toMinutes(w.from);
    const to = toMinutes(w.to);
    return from < to ? now >= from && now < to : now >= from || now < to; // to < from spans midnight
  });
}

/** Throws a ChannelRefusal with the first reason the channel may not submit this command now. */
export function admitToChannel(state: ChannelState, request: AdmissionRequest): void {
  if (!state.exists) throw refuse('CHANNEL_NOT_REGISTERED');
  const channelId = state.channelId;
  if (!state.enabled) throw refuse('CHANNEL_DISABLED', { channelId });
  const s = state.settings;
  if (request.businessType !== undefined && !s.businessTypes.includes(request.businessType))
    throw refuse('CHANNEL_BUSINESS_NOT_ALLOWED', {
      channelId,
      businessType: request.businessType ?? null,
      allowed: s.businessTypes.join(','),
    });
  if (!isOpenAt(s.openingHours, s.timeZone, request.at))
    throw refuse('CHANNEL_CLOSED', {
      channelId,
      openingHours: s.openingHours.map((w) => `${w.from}-${w.to}`).join(','),
      timeZone: s.timeZone,
    });
  if (request.patientKey !== undefined && s.blacklist.includes(request.patientKey))
    throw refuse('CHANNEL_PATIENT_BLOCKED', { channelId });
}
