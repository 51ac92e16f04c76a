// Seals and verification on KurrentDB: the seals are events of one stream, written with exact revisions so
// two sealers never interleave; verification recomputes hashes from the events as stored.
import { BACKWARDS, END, jsonEvent, type KurrentDBClient, NO_STREAM } from '@kurrent/kurrentdb-client';
import {
  type SealAnchoring,
  HistoryVerifier,
  type Seal,
  type SealLog,
  type SealResult,
  sealInto,
  type VerifyReport,
} from '../integrity.ts';
import { type SealJson, sealJson } from '../anchors.ts';
import { isStreamNotFound, KurrentDbError, translateError } from './errors.ts';
import { SEAL_EVENT_TYPE, SEAL_STREAM } from './mapping.ts';
import type { KurrentDbEventStore } from './store.ts';

const VERIFY_PAGE = 5_000;

interface SealData extends SealJson {
  keyId?: string;
  signature?: string;
}

function toSeal(data: unknown): Seal {
  const d = data as Partial<SealData> | null;
  if (!d || typeof d.sealNo !== 'string' || typeof d.hash !== 'string' || typeof d.prevHash !== 'string')
    throw new KurrentDbError('KURRENTDB_FOREIGN_EVENT', `an event of ${SEAL_STREAM} is not a seal`, false);
  return {
    sealNo: BigInt(d.sealNo),
    fromPosition: BigInt(d.fromPosition ?? '0'),
    toPosition: BigInt(d.toPosition ?? '0'),
    eventCount: Number(d.eventCount),
    prevHash: d.prevHash,
    hash: d.hash,
  };
}

/** The seal stream: seal n is revision n − 1, so a second sealer writing the same seal number is refused. */
export function kurrentSealLog(client: KurrentDBClient, deadline: number): SealLog {
  const read = async (options: Parameters<KurrentDBClient['readStream']>[1]): Promise<Seal[]> => {
    const seals: Seal[] = [];
    try {
      for await (const r of client.readStream(SEAL_STREAM, { ...options, deadline }))
        if (r.event?.type === SEAL_EVENT_TYPE) seals.push(toSeal(r.event.data));
    } catch (error) {
      if (!isStreamNotFound(error)) throw translateError(error, { operation: `read ${SEAL_STREAM}` });
    }
    return seals;
  };
  return {
    async last() {
      return (await read({ direction: BACKWARDS, fromRevision: END, maxCount: 1 }))[0];
    },
    async append(seal, signed) {
      const data: SealData = {
        ...sealJson(seal),
        ...(signed ? { keyId: signed.keyId, signature: signed.signature } : {}),
      };
      try {
        await client.appendToStream(SEAL_STREAM, jsonEvent({ type: SEAL_EVENT_TYPE, data: { ...data } }), {
          streamState: seal.sealNo === 1n ? NO_STREAM : seal.sealNo - 2n,
          deadline,
        });
      } catch (error) {
        throw translateError(error, { operation: `write seal ${seal.sealNo}` });
      }
    },
    all() {
      return read({});
    },
  };
}

export function sealKurrentEvents(
  store: KurrentDbEventStore,
  anchoring?: SealAnchoring,
): Promise<SealResult> {
  return sealInto(
    { readAll: ({ after, maxCount }) => store.readStored(after, maxCount) },
    kurrentSealLog(store.client, store.deadlineMs),
    anchoring,
  );
}

/** Recomputes every event's hash chain and every seal from what KurrentDB holds; names the first mismatch. */
export async function verifyKurrentEvents(
  store: KurrentDbEventStore,
  onProgress?: (checked: number, position: bigint) => void,
): Promise<VerifyReport> {
  const verifier = new HistoryVerifier(await kurrentSealLog(store.client, store.deadlineMs).all());
  let after = 0n;
  for (;;) {
    const events = await store.readStored(after, VERIFY_PAGE);
    for (const e of events) if (!verifier.check(e)) return verifier.report();
    if (events.length > 0) {
      after = events.at(-1)!.position;
      onProgress?.(verifier.eventsChecked, after);
    }
    if (events.length < VERIFY_PAGE) break;
  }
  return verifier.report();
}
