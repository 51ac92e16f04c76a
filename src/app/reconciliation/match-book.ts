// A day's match book, folded from its stream (what people decided about pairs: manual matches, rule-made pairs
// undone, proposals rejected). Read by reconciliation runs (kept-apart pairs) and by manual matching.
import { streamId } from '../../domain/event-store.ts';
import type { MatchBookEvent } from '../../domain/reconciliation/match-events.ts';
import {
  evolveMatchBook,
  initialMatchBookState,
  type MatchBookState,
  matchBookKey,
} from '../../domain/reconciliation/manual-match.ts';
import type { ReconciliationPorts } from './ports.ts';

export async function loadMatchBook(
  ports: Pick<ReconciliationPorts, 'store'>,
  hospitalId: string,
  channel: string,
  businessDate: string,
): Promise<MatchBookState> {
  const r = await ports.store.readStream(
    streamId(hospitalId, 'match-book', matchBookKey(channel, businessDate)),
  );
  let s = initialMatchBookState();
  for (const e of r.events) s = evolveMatchBook(s, e as unknown as MatchBookEvent);
  return s;
}
