// A day's match book, folded from its stream (what people decided about pairs: manual matches, rule-made pairs
// undone, proposals rejected). Read by reconciliation runs (kept-apart pairs) and by manual matching.
import { type RecordedEvent, streamId } from '../../domain/event-store.ts';
import type { MatchBookEvent } from '../../domain/reconciliation/match-events.ts';
import {
  evolveMatchBook,
  initialMatchBookState,
  type MatchBookState,
  matchBookKey,
} from '../../domain/reconciliation/manual-match.ts';
import type { ReconciliationPorts } from './ports.ts';

/** The recorded events of a day's match book, oldest first. */
export async function readMatchBook(
  ports: Pick<ReconciliationPorts, 'store'>,
  hospitalId: string,
  channel: string,
  businessDate: string,
): Promise<readonly RecordedEvent[]> {
  const r = await ports.store.readStream(
    streamId(hospitalId, 'match-book', matchBookKey(channel, businessDate)),
  );
  return r.events;
}

export async function loadMatchBook(
  ports: Pick<ReconciliationPorts, 'store'>,
  hospitalId: string,
  channel: string,
  businessDate: string,
): Promise<MatchBookState> {
  let s = initialMatchBookState();
  for (const e of await readMatchBook(ports, hospitalId, channel, businessDate))
    s = evolveMatchBook(s, e as unknown as MatchBookEvent);
  return s;
}
