// Proposed matches beside an open item: drawn from the open one-sided items of nearby dates, scored by the domain
// (proposals.ts), minus those a person rejected. Accepting one is a manual match by the person who accepts;
// rejecting one is remembered in the book of its earliest item, so it does not come back.
import { HospitalId } from '../../domain/ids.ts';
import { handle } from '../../domain/command-handler.ts';
import { addDays } from '../../domain/business-date.ts';
import {
  DEFAULT_MATCH_POLICY,
  type MatchPolicy,
  matchBookDecider,
} from '../../domain/reconciliation/manual-match.ts';
import {
  DEFAULT_PROPOSAL_CONFIG,
  type Proposal,
  type ProposalConfig,
  proposalsFor,
  proposeMatches,
} from '../../domain/reconciliation/proposals.ts';
import { refuse } from '../../domain/reconciliation/refusals.ts';
import { openItemsBetween } from '../../projections/reconciliation/match-queries.ts';
import { reconciliationProjection } from '../../projections/reconciliation/read-models.ts';
import { catchUp, reconciliationReadModels } from './catch-up.ts';
import { discrepancyState } from './discrepancies.ts';
import { loadMatchBook } from './match-book.ts';
import { type MatchView, matchItems } from './manual-matching.ts';
import { type ReconciliationPorts, staff } from './ports.ts';

/** The proposals that include an open item, best first (at most MAX_PROPOSALS_PER_ITEM). */
export async function listProposals(
  ports: ReconciliationPorts,
  o: { hospitalId: string; discrepancyId: string; config?: Partial<ProposalConfig> },
): Promise<Proposal[]> {
  const config = { ...DEFAULT_PROPOSAL_CONFIG, ...o.config };
  const s = await discrepancyState(ports, o.hospitalId, o.discrepancyId);
  if (s.status === 'none') throw refuse('DISCREPANCY_NOT_FOUND', { discrepancyId: o.discrepancyId });
  if (s.status !== 'open' && s.status !== 'assigned') return [];
  await catchUp(ports, [...reconciliationReadModels(ports.dateOptions), reconciliationProjection]);
  const pool = await openItemsBetween(ports.db, {
    hospitalId: o.hospitalId,
    from: addDays(s.businessDate, -config.maxDaysApart),
    to: addDays(s.businessDate, config.maxDaysApart),
    centre: s.businessDate,
  });
  // Rejections live in the book of a proposal's earliest item: every book the pool spans is read once.
  const rejected = new Set<string>();
  const books = new Set(pool.map((p) => `${p.channel}\u0000${p.businessDate}`));
  for (const b of books) {
    const [channel, date] = b.split('\u0000') as [string, string];
    const book = await loadMatchBook(ports, o.hospitalId, channel, date);
    for (const id of Object.keys(book.rejectedProposals)) rejected.add(id);
  }
  return proposalsFor(o.discrepancyId, proposeMatches(pool, rejected, config));
}

async function find(
  ports: ReconciliationPorts,
  o: { hospitalId: string; discrepancyId: string; proposalId: string },
): Promise<Proposal> {
  const p = (await listProposals(ports, o)).find((x) => x.proposalId === o.proposalId);
  if (!p) throw refuse('PROPOSAL_NOT_FOUND', { proposalId: o.proposalId });
  return p;
}

/** The book a proposal belongs to: its earliest item's (date, then channel). */
const homeOf = (p: Proposal) =>
  [...p.items].sort((a, b) =>
    a.businessDate === b.businessDate
      ? a.channel < b.channel
        ? -1
        : 1
      : a.businessDate < b.businessDate
        ? -1
        : 1,
  )[0]!;

/** Confirms a proposal: a manual match of its items by the person who accepts (approval rules apply). */
export async function acceptProposal(
  ports: ReconciliationPorts,
  o: {
    hospitalId: string;
    discrepancyId: string;
    proposalId: string;
    by: string;
    reason?: string;
    at?: Date;
    policy?: MatchPolicy;
  },
): Promise<MatchView> {
  const p = await find(ports, o);
  return matchItems(ports, {
    hospitalId: o.hospitalId,
    by: o.by,
    ...(o.at ? { at: o.at } : {}),
    discrepancyIds: p.items.map((i) => i.discrepancyId),
    reason:
      o.reason?.trim() ||
      `proposal ${p.proposalId} confirmed: ${p.reasons.map((r) => r.text).join('; ')}`.slice(0, 500),
    ...(p.difference ? { differenceAs: p.difference.as } : {}),
    policy: o.policy ?? DEFAULT_MATCH_POLICY,
    proposalId: p.proposalId,
  });
}

/** Rejects a proposal with a reason: the same set of items is not proposed again. */
export async function rejectProposal(
  ports: ReconciliationPorts,
  o: { hospitalId: string; discrepancyId: string; proposalId: string; by: string; reason: string; at?: Date },
): Promise<{ proposalId: string; rejected: true }> {
  const p = await find(ports, o);
  const home = homeOf(p);
  await handle(ports.store, matchBookDecider, {
    type: 'RejectProposal',
    hospitalId: HospitalId(o.hospitalId),
    at: o.at ?? new Date(),
    actor: staff(o.by),
    channel: home.channel,
    businessDate: home.businessDate,
    proposalId: p.proposalId,
    items: p.items.map((i) => i.discrepancyId),
    reason: o.reason,
  });
  return { proposalId: p.proposalId, rejected: true };
}
