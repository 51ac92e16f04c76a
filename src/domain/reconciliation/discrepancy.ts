// A discrepancy as an event-sourced entity: stream `<hospitalId>/discrepancy/<discrepancyId>`, the id derived
// from the finding key, so re-running reconciliation raises each difference once.
//
//   raised ─┬─ auto-resolved (a rule: timing cleared next day, HIS synced on retry, no longer found)
//           └─ assigned ─ resolution proposed ─┬─ resolved                 (accept, repush-his: no money moves)
//                                               └─ approved by ANOTHER user ─ resolved  (refund, adjusting entry, write-off)
//
// An approved adjusting entry parks the difference in suspense:unmatched; an approved write-off (核销) takes it
// to the books for good (writeoff:gain / writeoff:loss). Both post one balanced entry (AdjustingEntryPosted).
// node:crypto only for SHA-256, a pure function (no I/O, no randomness): the one import outside the domain
// besides decimal.js, so that an id is derived the same way wherever a finding is raised.
import { createHash } from 'node:crypto';
import { type CommandBase, type Decider, decider } from '../decider.ts';
import type { JsonObject } from '../event-store.ts';
import { accounts } from '../ledger/accounts.ts';
import { Money } from '../money.ts';
import { invariant } from '../rejection.ts';
import {
  type AutoResolutionRule,
  type DiscrepancyEvent,
  type EvidenceFile,
  MONEY_MOVING_ACTIONS,
  type ResolutionAction,
} from './events.ts';
import { MAX_EVIDENCE_PER_ITEM } from './evidence.ts';
import { refuse } from './refusals.ts';
import { type DiscrepancyType, type Finding, findingKey } from './types.ts';

/** Longest reason kept on a resolution (finance staff write a sentence, not a report). */
export const MAX_RESOLUTION_REASON_LENGTH = 500;
/** Longest comment kept on a discrepancy. */
export const MAX_COMMENT_LENGTH = 2_000;
/** The role that checks money-moving resolutions (maker-checker). */
export const CHECKER_ROLE = 'finance-supervisor';
/**
 * One-sided items whose counterpart may simply sit on the neighbouring day's statement: the only ones that
 * can be accepted as timing differences.
 */
export const TIMING_TYPES: ReadonlySet<DiscrepancyType> = new Set(['CHANNEL_ONLY', 'PLATFORM_ONLY']);
/** Hex digits of the finding key's SHA-256 used as the discrepancy id (128 bits: collisions are not a concern). */
const DISCREPANCY_ID_HEX = 32;

/** The stable discrepancy id of a finding: the same difference found again gets the same id. */
export function discrepancyIdOf(f: Pick<Finding, 'type' | 'channel' | 'businessDate' | 'subject'>): string {
  return createHash('sha256').update(findingKey(f)).digest('hex').slice(0, DISCREPANCY_ID_HEX);
}

export type DiscrepancyStatus =
  | 'none'
  | 'open'
  | 'assigned'
  | 'proposed'
  | 'resolved'
  | 'auto-resolved'
  /** Settled by a person's match (manual-match.ts): undone by an unmatch, which opens it again. */
  | 'matched'
  /** A difference a match named, withdrawn with its match: counted nowhere. */
  | 'withdrawn';

export interface DiscrepancyState {
  status: DiscrepancyStatus;
  discrepancyId: string;
  type: DiscrepancyType | null;
  channel: string;
  businessDate: string;
  subject: string;
  amount: string;
  finding: Finding | null;
  assignee: string | null;
  proposal: { action: ResolutionAction; reason: string; by: string; amount: string } | null;
  approvedBy: string | null;
  resolvedBy: string | null;
  autoRule: AutoResolutionRule | null;
  /** The match that settles it (status matched) or that raised it (a named difference). */
  matchId: string | null;
  /** Evidence files attached (by SHA-256). */
  evidence: string[];
}

interface DiscrepancyCommandBase extends CommandBase {
  discrepancyId: string;
}

export interface RaiseDiscrepancy extends DiscrepancyCommandBase {
  type: 'RaiseDiscrepancy';
  finding: Finding;
  runId: string;
}

export interface AutoResolveDiscrepancy extends DiscrepancyCommandBase {
  type: 'AutoResolveDiscrepancy';
  rule: AutoResolutionRule;
  reason: string;
  runId: string;
}

export interface AssignDiscrepancy extends DiscrepancyCommandBase {
  type: 'AssignDiscrepancy';
  assignee: string;
}

/** Resolves at once when the action moves no money; otherwise waits for another user's approval. */
export interface ProposeResolution extends DiscrepancyCommandBase {
  type: 'ProposeResolution';
  action: ResolutionAction;
  reason: string;
}

export interface ApproveResolution extends DiscrepancyCommandBase {
  type: 'ApproveResolution';
  /** The checker's staff role, when a person approves: only CHECKER_ROLE may (absent: a trusted caller). */
  role?: string;
}

/** The checker sends a money-moving proposal back with a reason. */
export interface RejectResolution extends DiscrepancyCommandBase {
  type: 'RejectResolution';
  reason: string;
  role?: string;
}

export interface CommentOnDiscrepancy extends DiscrepancyCommandBase {
  type: 'CommentOnDiscrepancy';
  text: string;
}

/** Accepts a one-sided item as a timing difference (no money moves: resolved at once). */
export interface AcceptTimingDifference extends DiscrepancyCommandBase {
  type: 'AcceptTimingDifference';
  reason: string;
}

/** A recorded match settles the item (manual-match.ts decided the match; this records it on the item). */
export interface MatchDiscrepancy extends DiscrepancyCommandBase {
  type: 'MatchDiscrepancy';
  matchId: string;
  reason: string;
  approvedBy: string | null;
}

/** The match is undone: the item is open again. */
export interface UnmatchDiscrepancy extends DiscrepancyCommandBase {
  type: 'UnmatchDiscrepancy';
  matchId: string;
  reason: string;
}

/** The difference a match raised goes with its match. */
export interface WithdrawDiscrepancy extends DiscrepancyCommandBase {
  type: 'WithdrawDiscrepancy';
  matchId: string;
  reason: string;
}

/** Attaches an evidence file (checked and stored by the use case; the event names it by hash). */
export interface AttachEvidence extends DiscrepancyCommandBase, EvidenceFile {
  type: 'AttachEvidence';
}

export type DiscrepancyCommand =
  | AttachEvidence
  | MatchDiscrepancy
  | UnmatchDiscrepancy
  | WithdrawDiscrepancy
  | RaiseDiscrepancy
  | AutoResolveDiscrepancy
  | AssignDiscrepancy
  | ProposeResolution
  | ApproveResolution
  | RejectResolution
  | CommentOnDiscrepancy
  | AcceptTimingDifference;

export function initialDiscrepancyState(): DiscrepancyState {
  return {
    status: 'none',
    discrepancyId: '',
    type: null,
    channel: '',
    businessDate: '',
    subject: '',
    amount: '0.00',
    finding: null,
    assignee: null,
    proposal: null,
    approvedBy: null,
    resolvedBy: null,
    autoRule: null,
    matchId: null,
    evidence: [],
  };
}

/** Statuses a discrepancy ends in (re-opened only by a later run that finds the difference again). */
export const FINAL_DISCREPANCY_STATUSES = [
  'resolved',
  'auto-resolved',
  'matched',
  'withdrawn',
] as const satisfies readonly DiscrepancyStatus[];
const FINAL: ReadonlySet<string> = new Set(FINAL_DISCREPANCY_STATUSES);

/** Whether a status (as in the event-folded state or the read model) is final. */
export const isFinalStatus = (status: string): boolean => FINAL.has(status);

/** Open = raised and not final (open, assigned, or proposed and awaiting approval): it keeps its day open. */
export const isOpenStatus = (status: string): boolean => status !== 'none' && !FINAL.has(status);

const isFinal = (s: DiscrepancyState) => isFinalStatus(s.status);

/** The resolutions that post a journal entry when approved. */
export type PostingAction = 'adjusting-entry' | 'write-off';

/**
 * The entry a resolution posts for a discrepancy. Money the channel holds beyond the records: an adjusting entry
 * parks it in suspense:unmatched (Dr clearing / Cr suspense), a write-off books it as other income (Dr clearing /
 * Cr writeoff:gain). Records the channel's money does not back are taken out of clearing: into suspense (Dr
 * suspense / Cr clearing) or written off as a loss (Dr writeoff:loss / Cr clearing). HIS-side differences move
 * no channel money: neither applies.
 */
export function resolutionAccounts(
  action: PostingAction,
  type: DiscrepancyType,
  channel: string,
  amounts: Finding['amounts'],
): { debit: string; credit: string } | null {
  const clearing = accounts.channelClearing(channel).code;
  const writeOff = action === 'write-off';
  const moneyOver = {
    debit: clearing,
    credit: writeOff ? accounts.writeOffGain().code : accounts.suspenseUnmatched().code,
  };
  const recordsOver = {
    debit: writeOff ? accounts.writeOffLoss().code : accounts.suspenseUnmatched().code,
    credit: clearing,
  };
  switch (type) {
    case 'CHANNEL_ONLY':
    case 'DUPLICATE':
      return moneyOver;
    case 'PLATFORM_ONLY':
    case 'STATUS_MISMATCH':
    case 'FEE_MISMATCH':
    case 'SETTLEMENT_SHORTFALL':
      return recordsOver;
    case 'AMOUNT_MISMATCH': {
      if (amounts.channel === undefined || amounts.platform === undefined) return null;
      return Money.parse(amounts.channel).gt(Money.parse(amounts.platform)) ? moneyOver : recordsOver;
    }
    case 'HIS_MISSING':
    case 'HIS_ONLY':
      return null;
  }
}

/**
 * May the patient be refunded for this difference? Only where a patient's money reached the channel beyond
 * what the records explain or beyond a service the HIS recorded: a channel-only or duplicate payment, a payment
 * the channel took more of, a paid order the HIS lacks, a status the two sides disagree on. A platform-only
 * record, a fee, a settlement or a HIS-only charge holds no patient money.
 */
export function refundApplies(type: DiscrepancyType, amounts: Finding['amounts']): boolean {
  switch (type) {
    case 'CHANNEL_ONLY':
    case 'DUPLICATE':
    case 'HIS_MISSING':
    case 'STATUS_MISMATCH':
      return true;
    case 'AMOUNT_MISMATCH':
      return (
        amounts.channel !== undefined &&
        amounts.platform !== undefined &&
        Money.parse(amounts.channel).gt(Money.parse(amounts.platform))
      );
    case 'PLATFORM_ONLY':
    case 'FEE_MISMATCH':
    case 'SETTLEMENT_SHORTFALL':
    case 'HIS_ONLY':
      return false;
  }
}

const posts = (action: ResolutionAction): action is PostingAction =>
  action === 'adjusting-entry' || action === 'write-off';

function by(command: CommandBase): string {
  return command.actor.id;
}

/** A resolution's reason, trimmed; RESOLUTION_REASON_REQUIRED when empty or too long. */
function resolutionReason(text: string): string {
  const reason = text.trim();
  if (reason.length === 0 || reason.length > MAX_RESOLUTION_REASON_LENGTH)
    throw refuse('RESOLUTION_REASON_REQUIRED', { maxLength: MAX_RESOLUTION_REASON_LENGTH });
  return reason;
}

/** The proposal a checker may act on (approve or reject): refusals in the order a user reads them. */
function proposalToCheck(
  command: ApproveResolution | RejectResolution,
  state: DiscrepancyState,
): NonNullable<DiscrepancyState['proposal']> {
  const id = command.discrepancyId;
  if (state.status === 'none') throw refuse('DISCREPANCY_NOT_FOUND', { discrepancyId: id });
  if (isFinal(state)) throw refuse('DISCREPANCY_NOT_OPEN', { discrepancyId: id, status: state.status });
  const p = state.proposal;
  if (state.status !== 'proposed' || !p) throw refuse('RESOLUTION_NOT_PROPOSED', { discrepancyId: id });
  if (!MONEY_MOVING_ACTIONS.has(p.action)) throw refuse('APPROVAL_NOT_NEEDED', { action: p.action });
  // Maker-checker: the person who proposed a money-moving action cannot also approve (or reject) it.
  if (by(command) === p.by) throw refuse('APPROVAL_BY_MAKER', { by: p.by });
  if (command.role !== undefined && command.role !== CHECKER_ROLE)
    throw refuse('APPROVER_NOT_SUPERVISOR', { role: command.role, needs: CHECKER_ROLE });
  return p;
}

export function decideDiscrepancy(command: DiscrepancyCommand, state: DiscrepancyState): DiscrepancyEvent[] {
  const id = command.discrepancyId;
  switch (command.type) {
    case 'MatchDiscrepancy': {
      if (state.status === 'none') throw refuse('DISCREPANCY_NOT_FOUND', { discrepancyId: id });
      // Re-applying a recorded match changes nothing (the use case may repeat after an interruption).
      if (state.status === 'matched' && state.matchId === command.matchId) return [];
      if (state.status !== 'open' && state.status !== 'assigned')
        throw refuse('MATCH_ITEM_NOT_OPEN', { discrepancyId: id, status: state.status });
      return [
        {
          type: 'DiscrepancyMatched',
          data: {
            discrepancyId: id,
            matchId: command.matchId,
            reason: command.reason,
            by: by(command),
            approvedBy: command.approvedBy,
          },
        },
      ];
    }
    case 'AttachEvidence': {
      if (state.status === 'none') throw refuse('DISCREPANCY_NOT_FOUND', { discrepancyId: id });
      // The same file attached again to the same item is the same fact.
      if (state.evidence.includes(command.sha256)) return [];
      if (state.evidence.length >= MAX_EVIDENCE_PER_ITEM)
        throw refuse('EVIDENCE_TOO_LARGE', { files: state.evidence.length, max: MAX_EVIDENCE_PER_ITEM });
      return [
        {
          type: 'EvidenceAttached',
          data: {
            discrepancyId: id,
            matchId: command.matchId,
            sha256: command.sha256,
            file: command.file,
            contentType: command.contentType,
            bytes: command.bytes,
            note: command.note.trim().slice(0, MAX_COMMENT_LENGTH),
            by: by(command),
          },
        },
      ];
    }
    case 'UnmatchDiscrepancy': {
      if (state.status === 'none') throw refuse('DISCREPANCY_NOT_FOUND', { discrepancyId: id });
      if (state.status !== 'matched' || state.matchId !== command.matchId) return [];
      return [
        {
          type: 'DiscrepancyUnmatched',
          data: { discrepancyId: id, matchId: command.matchId, reason: command.reason, by: by(command) },
        },
      ];
    }
    case 'WithdrawDiscrepancy': {
      if (state.status === 'none' || state.status === 'withdrawn') return [];
      if (state.status !== 'open' && state.status !== 'assigned')
        throw refuse('MATCH_DIFFERENCE_SETTLED', { discrepancyId: id, status: state.status });
      return [
        {
          type: 'DiscrepancyWithdrawn',
          data: { discrepancyId: id, matchId: command.matchId, reason: command.reason, by: by(command) },
        },
      ];
    }
    case 'RaiseDiscrepancy': {
      // Raising is idempotent by id: a re-run finds the same difference again and changes nothing — unless a
      // rule had closed it (e.g. no longer found, timing cleared): found again, it opens again. What people
      // resolved stays resolved (an accepted difference is expected to persist).
      if (state.status === 'auto-resolved')
        return [
          {
            type: 'DiscrepancyReopened',
            data: {
              discrepancyId: id,
              runId: command.runId,
              amount: command.finding.amount,
              reason: `found again after auto-resolution (${state.autoRule ?? 'rule'})`,
              finding: command.finding as Finding & JsonObject,
            },
          },
        ];
      if (state.status !== 'none') return [];
      const f = command.finding;
      invariant(discrepancyIdOf(f) === id, `discrepancy id ${id} does not derive from its finding`);
      return [
        {
          type: 'DiscrepancyRaised',
          data: {
            discrepancyId: id,
            findingKey: findingKey(f),
            type: f.type,
            channel: f.channel,
            businessDate: f.businessDate,
            subject: f.subject,
            amount: f.amount,
            finding: f as Finding & JsonObject,
            runId: command.runId,
          },
        },
      ];
    }
    case 'AutoResolveDiscrepancy': {
      if (state.status === 'none') throw refuse('DISCREPANCY_NOT_FOUND', { discrepancyId: id });
      // A rule never overrides people: once a resolution is proposed, finance staff finish it.
      if (isFinal(state) || state.status === 'proposed') return [];
      return [
        {
          type: 'DiscrepancyAutoResolved',
          data: { discrepancyId: id, rule: command.rule, reason: command.reason, runId: command.runId },
        },
      ];
    }
    case 'AssignDiscrepancy': {
      if (state.status === 'none') throw refuse('DISCREPANCY_NOT_FOUND', { discrepancyId: id });
      if (isFinal(state)) throw refuse('DISCREPANCY_NOT_OPEN', { discrepancyId: id, status: state.status });
      if (state.assignee === command.assignee) return [];
      return [
        {
          type: 'DiscrepancyAssigned',
          data: { discrepancyId: id, assignee: command.assignee, by: by(command) },
        },
      ];
    }
    case 'ProposeResolution': {
      if (state.status === 'none') throw refuse('DISCREPANCY_NOT_FOUND', { discrepancyId: id });
      if (isFinal(state)) throw refuse('DISCREPANCY_NOT_OPEN', { discrepancyId: id, status: state.status });
      const reason = resolutionReason(command.reason);
      if (
        posts(command.action) &&
        !resolutionAccounts(command.action, state.type!, state.channel, state.finding!.amounts)
      )
        throw refuse('ADJUSTMENT_NOT_APPLICABLE', { type: state.type, action: command.action });
      if (command.action === 'refund-patient' && !refundApplies(state.type!, state.finding!.amounts))
        throw refuse('REFUND_NOT_APPLICABLE', { type: state.type });
      const proposed: DiscrepancyEvent = {
        type: 'DiscrepancyResolutionProposed',
        data: { discrepancyId: id, action: command.action, reason, by: by(command), amount: state.amount },
      };
      if (MONEY_MOVING_ACTIONS.has(command.action)) return [proposed];
      return [
        proposed,
        {
          type: 'DiscrepancyResolved',
          data: { discrepancyId: id, action: command.action, reason, by: by(command), approvedBy: null },
        },
      ];
    }
    case 'ApproveResolution': {
      const p = proposalToCheck(command, state);
      const events: DiscrepancyEvent[] = [
        {
          type: 'DiscrepancyResolutionApproved',
          data: { discrepancyId: id, action: p.action, by: by(command) },
        },
      ];
      if (posts(p.action)) {
        const acc = resolutionAccounts(p.action, state.type!, state.channel, state.finding!.amounts);
        invariant(acc !== null, `${p.action} proposed for a discrepancy that admits none`);
        invariant(Money.parse(p.amount).isPositive(), `${p.action} of a zero amount`);
        events.push({
          type: 'AdjustingEntryPosted',
          data: {
            discrepancyId: id,
            action: p.action,
            channel: state.channel,
            businessDate: state.businessDate,
            debitAccount: acc.debit,
            creditAccount: acc.credit,
            amount: p.amount,
            memo: `${state.type} ${state.subject}: ${p.reason}`.slice(0, MAX_RESOLUTION_REASON_LENGTH),
          },
        });
      }
      events.push({
        type: 'DiscrepancyResolved',
        data: { discrepancyId: id, action: p.action, reason: p.reason, by: p.by, approvedBy: by(command) },
      });
      return events;
    }
    case 'RejectResolution': {
      const p = proposalToCheck(command, state);
      const reason = command.reason.trim();
      if (reason.length === 0 || reason.length > MAX_RESOLUTION_REASON_LENGTH)
        throw refuse('REJECTION_REASON_REQUIRED', { maxLength: MAX_RESOLUTION_REASON_LENGTH });
      return [
        {
          type: 'DiscrepancyResolutionRejected',
          data: { discrepancyId: id, action: p.action, reason, by: by(command), proposedBy: p.by },
        },
      ];
    }
    case 'CommentOnDiscrepancy': {
      if (state.status === 'none') throw refuse('DISCREPANCY_NOT_FOUND', { discrepancyId: id });
      const text = command.text.trim();
      if (text.length === 0 || text.length > MAX_COMMENT_LENGTH)
        throw refuse('COMMENT_REQUIRED', { maxLength: MAX_COMMENT_LENGTH });
      return [{ type: 'DiscrepancyCommented', data: { discrepancyId: id, text, by: by(command) } }];
    }
    case 'AcceptTimingDifference': {
      if (state.status === 'none') throw refuse('DISCREPANCY_NOT_FOUND', { discrepancyId: id });
      if (isFinal(state)) throw refuse('DISCREPANCY_NOT_OPEN', { discrepancyId: id, status: state.status });
      if (!TIMING_TYPES.has(state.type!))
        throw refuse('NOT_A_TIMING_ITEM', { discrepancyId: id, type: state.type });
      // A proposal awaiting its checker is the checker's to finish.
      if (state.status === 'proposed')
        throw refuse('DISCREPANCY_NOT_OPEN', { discrepancyId: id, status: state.status });
      const reason = `timing difference: ${resolutionReason(command.reason)}`.slice(
        0,
        MAX_RESOLUTION_REASON_LENGTH,
      );
      return [
        {
          type: 'DiscrepancyResolutionProposed',
          data: { discrepancyId: id, action: 'accept', reason, by: by(command), amount: state.amount },
        },
        {
          type: 'DiscrepancyResolved',
          data: { discrepancyId: id, action: 'accept', reason, by: by(command), approvedBy: null },
        },
      ];
    }
  }
}

export function evolveDiscrepancy(state: DiscrepancyState, event: DiscrepancyEvent): DiscrepancyState {
  switch (event.type) {
    case 'DiscrepancyRaised': {
      const d = event.data;
      return {
        ...state,
        status: 'open',
        discrepancyId: d.discrepancyId,
        type: d.type,
        channel: d.channel,
        businessDate: d.businessDate,
        subject: d.subject,
        amount: d.amount,
        finding: d.finding as Finding,
      };
    }
    case 'DiscrepancyAutoResolved':
      return { ...state, status: 'auto-resolved', autoRule: event.data.rule };
    case 'DiscrepancyReopened': {
      // Found again: what a resolution proposes and posts is the difference as it stands now.
      const d = event.data;
      return {
        ...state,
        status: 'open',
        autoRule: null,
        amount: d.amount,
        ...(d.finding ? { finding: d.finding as Finding } : {}),
      };
    }
    case 'DiscrepancyAssigned':
      return {
        ...state,
        status: state.status === 'open' ? 'assigned' : state.status,
        assignee: event.data.assignee,
      };
    case 'DiscrepancyResolutionProposed': {
      const d = event.data;
      return {
        ...state,
        status: 'proposed',
        proposal: { action: d.action, reason: d.reason, by: d.by, amount: d.amount },
      };
    }
    case 'DiscrepancyResolutionApproved':
      return { ...state, approvedBy: event.data.by };
    case 'DiscrepancyResolutionRejected':
      return { ...state, status: state.assignee ? 'assigned' : 'open', proposal: null };
    case 'DiscrepancyCommented':
      return state;
    case 'DiscrepancyResolved':
      return { ...state, status: 'resolved', resolvedBy: event.data.by, approvedBy: event.data.approvedBy };
    case 'AdjustingEntryPosted':
      return state;
    case 'DiscrepancyMatched':
      return { ...state, status: 'matched', matchId: event.data.matchId, approvedBy: event.data.approvedBy };
    case 'DiscrepancyUnmatched':
      // Open again as before the match (its assignee kept).
      return { ...state, status: state.assignee ? 'assigned' : 'open', matchId: null, approvedBy: null };
    case 'DiscrepancyWithdrawn':
      return { ...state, status: 'withdrawn', matchId: event.data.matchId };
    case 'EvidenceAttached':
      return { ...state, evidence: [...state.evidence, event.data.sha256] };
    default:
      return state;
  }
}

export const discrepancyDecider: Decider<DiscrepancyCommand, DiscrepancyEvent, DiscrepancyState> = decider(
  'discrepancy',
  (command) => command.discrepancyId,
  { initialState: initialDiscrepancyState, decide: decideDiscrepancy, evolve: evolveDiscrepancy },
);
