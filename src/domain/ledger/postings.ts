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

export function postingsFor(event: PostingEvent): JournalEntry | null {
  switch (event.type) {
    case 'AdjustingEntryPosted': {
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
    case 'RefundLegBounced': {
      // The refund stands; only its payout came back: the patient is owed it until it is paid out again.
      const d = event.data;
      return transfer(
        accounts.channelClearing(d.channel),
        accounts.refundsPayable(),
        Money.parse(d.amount),
        `${event.type} ${d.refundId} ${d.bankRef}`,
      );
    }
    case 'RefundLegReissued': {
      const d = event.data;
      return transfer(
        accounts.refundsPayable(),
        accounts.channelClearing(d.channel),
        Money.parse(d.amount),
        `${event.type} ${d.refundId} #${d.reissue}`,
      );
    }
    case 'PaymentSucceeded':
    case 'PaymentConfirmed': {
      const d = event.data;
      return transfer(
        accounts.channelClearing(d.channel),
        orderIncome(d.orderKind, d.admissionId),
        Money.parse(d.amount),
        `${event.type} ${d.orderId} ${d.channelTxnId}`,
      );
    }
    case 'DuplicatePaymentReceived': {
      const d = event.data;
      return transfer(
        accounts.channelClearing(d.channel),
        accounts.refundsPayable(),
        Money.parse(d.amount),
        `${event.type} ${d.orderId} ${d.channelTxnId}`,
      );
    }
    case 'RefundSucceeded': {
      const d = event.data;
      if (d.of === 'payment' && d.orderKind === 'deposit')
        throw new InvariantViolation(`refund ${d.refundId} of a deposit order payment`);
      const from = d.of === 'duplicate' ? accounts.refundsPayable() : orderIncome(d.orderKind, null);
      return transfer(
        from,
        accounts.channelClearing(d.channel),
        Money.parse(d.amount),
        `${event.type} ${d.orderId} ${d.refundId}`,
      );
    }
    case 'DepositApplied': {
      const d = event.data;
      const amount = Money.parse(d.amount);
      if (amount.isZero()) return null;
      return transfer(
        accounts.patientDeposit(d.admissionId),
        accounts.revenue('inpatient'),
        amount,
        `${event.type} ${d.admissionId} ${d.settlementId}`,
      );
    }
    case 'DepositRemainderRefunded': {
      const d = event.data;
      // A fallback payout names the channel it leaves through (cash, bank-transfer), not the top-up's.
      return transfer(
        accounts.patientDeposit(d.admissionId),
        accounts.channelClearing(d.channel),
        Money.parse(d.amount),
        `${event.type} ${d.admissionId} ${d.refundId}`,
      );
    }
    case 'DepositRefundFailed': {
      const d = event.data;
      return transfer(
        accounts.channelClearing(d.channel),
        accounts.patientDeposit(d.admissionId),
        Money.parse(d.amount),
        `${event.type} ${d.admissionId} ${d.refundId}`,
      );
    }
    case 'ChannelFeeRecorded': {
      const d = event.data;
      return transfer(
        accounts.fees(d.channel),
        accounts.channelClearing(d.channel),
        Money.parse(d.amount),
        `${event.type} ${d.channel} ${d.businessDate} ${d.feeId}`,
      );
    }
    case 'ChannelSettlementReceived': {
      const d = event.data;
      return transfer(
        accounts.bank(d.bankAccount),
        accounts.channelClearing(d.channel),
        Money.parse(d.amount),
        `${event.type} ${d.channel} ${d.businessDate} ${d.settlementId}`,
      );
    }
    default:
      return null;
  }
}
