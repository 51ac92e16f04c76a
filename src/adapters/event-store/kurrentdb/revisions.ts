// Our stream versions against KurrentDB revisions. A version counts events (0 = no stream, 1 after the first
// event); a KurrentDB revision numbers them from 0 (the first event is revision 0).
import { type AppendStreamState, type CurrentStreamState, NO_STREAM } from '@kurrent/kurrentdb-client';

/** The version of a stream whose last event has this revision. */
export function versionOfRevision(revision: bigint): number {
  if (revision < 0n) return 0;
  const version = revision + 1n;
  if (version > BigInt(Number.MAX_SAFE_INTEGER))
    throw new RangeError(`revision ${revision} is beyond a safe version`);
  return Number(version);
}

/** The version a stream is at, from the state KurrentDB reports (deleted streams report negative revisions). */
export function versionOfState(state: CurrentStreamState): number {
  return state === NO_STREAM ? 0 : versionOfRevision(state);
}

/** The exact state to append at, for a stream now at `version`: no stream at 0, else the last event's revision. */
export function streamStateOfVersion(version: number): AppendStreamState {
  if (!Number.isSafeInteger(version) || version < 0)
    throw new RangeError(`invalid stream version ${version}`);
  return version === 0 ? NO_STREAM : BigInt(version - 1);
}

/** The revision of the event at `version` (1-based). */
export function revisionOfVersion(version: number): bigint {
  if (!Number.isSafeInteger(version) || version < 1) throw new RangeError(`invalid event version ${version}`);
  return BigInt(version - 1);
}
