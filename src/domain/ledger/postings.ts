// Posting rules: each money event → exactly one balanced journal entry (or null when it moves no money).
//
//   PaymentSucceeded / PaymentConfirmed   Dr channel:<c>:clearing      Cr revenue:<registration|outpatient>
//                                                                        or patient:<admission>:deposit (deposit top-up order)
//   DuplicatePaymentReceived              Dr channel:<c>:clearing      Cr payable:refunds
//   RefundSucceeded (of the payment)      Dr revenue:<kind>            Cr channel:<c>:clearing
//   RefundSucceeded (of a surplus payment) Dr payable:refunds          Cr channel:<c>:clearing
//   DepositToppedUp                       — (posted by the top-up order's payment; the deposit stream mirrors it)
//   DepositApplied                        Dr patient:<admission>:deposit Cr revenue:inpatient   (null when 0)
//   DepositRemainderRefunded              Dr patient:<admission>:deposit Cr channel:<c>:clearing
//                                         (a fallback payout: its channel is cash / bank-transfer)
//   DepositRefundFailed                   Dr channel:<c>:clearing      Cr patient:<admission>:deposit
//   ChannelFeeRecorded                    Dr fees:<c>                  Cr channel:<c>:clearing
//   ChannelSettlementReceived (net)       Dr bank:<account>            Cr channel:<c>:clearing
//   AdjustingEntryPosted (reconciliation)  Dr/Cr as decided: channel:<c>:clearing ↔ suspense:unmatched
//   RefundLegBounced (refund plan)        Dr channel:bank-transfer:clearing Cr payable:refunds (the payout came back)
//   RefundLegReissued (refund plan)       Dr payable:refunds          Cr channel:<cash|bank-transfer>:clearing
// Money moves when the channel says so: requests, identity checks and HIS writebacks post nothing.
import type { DomainEvent } from '../events.ts';
import type { AdjustingEntryPosted } from '../reconciliation/events.ts';
import type { RefundLegBounced, RefundLegReissued } from '../refund/types.ts';
import { Money } from '../money.ts';
import { InvariantViolation } from '../rejection.ts';
import type { OrderKind } from '../order/types.ts';
import { type Account, accountOf, accounts } from './accounts.ts';
import { credit, debit, JournalEntry } from './journal.ts';

function transfer(from: Account, to: Account, amount: Money, memo: string): JournalEntry {
  return JournalEntry.create([debit(from, amount), credit(to, amount)], memo);
}

function orderIncome(kind: OrderKind, admissionId: string | null): Account {
  if (kind === 'deposit') {
    if (!admissionId) throw new InvariantViolation('deposit payment without an admission');
    return accounts.patientDeposit(admissionId);
  }
  return accounts.revenue(kind);
}

/** Ledger events plus the reconciliation events that post (adjusting entries decided on a discrepancy). */
export type PostingEvent = DomainEvent | AdjustingEntryPosted | RefundLegBounced | RefundLegReissued;

/** The events that carry an amount: those a rule below may post. */
type MoneyEvent = Extract<PostingEvent, { data: { amount: string } }>;

/**
 * A posting rule: the account debited, the account credited, then the references the memo names after the
 * event type; null when the event moves no money.
 */
type Rule<E extends MoneyEvent> = (
  d: E['data'],
) => [debited: Account, credited: Account, ...refs: string[]] | null;

const clearing = (d: { channel: string }) => accounts.channelClearing(d.channel);
const deposit = (d: { admissionId: string }) => accounts.patientDeposit(d.admissionId);

const paid: Rule<Extract<MoneyEvent, { type: 'PaymentSucceeded' | 'PaymentConfirmed' }>> = (d) => [
  clearing(d),
  orderIncome(d.orderKind, d.admissionId),
  d.orderId,
  d.channelTxnId,
];

const RULES: { [T in MoneyEvent['type']]?: Rule<Extract<MoneyEvent, { type: T }>> } = {
  // The refund stands; only its payout came back: the patient is owed it until it is paid out again.
  RefundLegBounced: (d) => [clearing(d), accounts.refundsPayable(), d.refundId, d.bankRef],
  RefundLegReissued: (d) => [accounts.refundsPayable(), clearing(d), d.refundId, `#${d.reissue}`],
  PaymentSucceeded: paid,
  PaymentConfirmed: paid,
  DuplicatePaymentReceived: (d) => [clearing(d), accounts.refundsPayable(), d.orderId, d.channelTxnId],
  RefundSucceeded: (d) => {
    if (d.of === 'payment' && d.orderKind === 'deposit')
      throw new InvariantViolation(`refund ${d.refundId} of a deposit order payment`);
    const from = d.of === 'duplicate' ? accounts.refundsPayable() : orderIncome(d.orderKind, null);
    return [from, clearing(d), d.orderId, d.refundId];
  },
  DepositApplied: (d) =>
    Money.parse(d.amount).isZero()
      ? null
      : [deposit(d), accounts.revenue('inpatient'), d.admissionId, d.settlementId],
  // A fallback payout names the channel it leaves through (cash, bank-transfer), not the top-up's.
  DepositRemainderRefunded: (d) => [deposit(d), clearing(d), d.admissionId, d.refundId],
  DepositRefundFailed: (d) => [clearing(d), deposit(d), d.admissionId, d.refundId],
  ChannelFeeRecorded: (d) => [accounts.fees(d.channel), clearing(d), d.channel, d.businessDate, d.feeId],
  ChannelSettlementReceived: (d) => [
    accounts.bank(d.bankAccount),
    clearing(d),
    d.channel,
    d.businessDate,
    d.settlementId,
  ],
};

export function postingsFor(event: PostingEvent): JournalEntry | null {
  if (event.type === 'AdjustingEntryPosted') {
    const d = event.data;
    // accountOf refuses a code outside the chart: an adjusting entry cannot invent an account.
    return transfer(
      accountOf(d.debitAccount),
      accountOf(d.creditAccount),
      Money.parse(d.amount),
      `${d.action === 'write-off' ? 'WriteOffPosted' : event.type} ${d.discrepancyId} ${d.memo}`.slice(
        0,
        300,
      ),
    );
  }
  const rule = RULES[event.type as MoneyEvent['type']] as Rule<MoneyEvent> | undefined;
  const posting = rule?.((event as MoneyEvent).data);
  if (!posting) return null;
  const [from, to, ...refs] = posting;
  return transfer(
    from,
    to,
    Money.parse((event as MoneyEvent).data.amount),
    `${event.type} ${refs.join(' ')}`,
  );
}
