// Channel fees and settlements of one channel and business date: stream `<hospitalId>/settlement/<channel>:<date>`.
//
// Model: the channel deducts its fees and transfers the net to the hospital's bank. Fees (from the statement,
// per transaction or per day) are ChannelFeeRecorded: Dr fees:<channel> / Cr clearing. The transfer is
// ChannelSettlementReceived with the NET amount credited to the bank: Dr bank / Cr clearing. Together they
// empty the clearing account of the gross movements of the day; what remains is for reconciliation.
import type { BusinessDate } from '../business-date.ts';
import type { CommandBase } from '../decider.ts';
import type { Channel, ChannelTxnId, RefId } from '../ids.ts';
import type { Money, MoneyString } from '../money.ts';

/** Most fee lines one channel day may carry (a WeChat bill has one per transaction). */
export const MAX_FEE_LINES_PER_DAY = 500_000;
/** Most settlement transfers one channel day may carry. */
export const MAX_SETTLEMENTS_PER_DAY = 1_000;

interface SettlementCommandBase extends CommandBase {
  channel: Channel;
  businessDate: BusinessDate;
}

export interface RecordChannelFee extends SettlementCommandBase {
  type: 'RecordChannelFee';
  /** Statement line reference: the same line imported twice is a no-op. */
  feeId: RefId;
  amount: Money;
  /** The transaction the fee was charged on, when the statement says. */
  channelTxnId: ChannelTxnId | null;
}

export interface RecordChannelSettlement extends SettlementCommandBase {
  type: 'RecordChannelSettlement';
  /** Bank reference of the transfer. */
  settlementId: RefId;
  bankAccount: RefId;
  /** Net amount credited to the bank (fees already deducted by the channel). */
  amount: Money;
}

export type SettlementCommand = RecordChannelFee | RecordChannelSettlement;

/** Schema v2 (v1 carried `feeFen`, an integer of cents; see the upcaster in events.ts). */
export type ChannelFeeRecorded = {
  type: 'ChannelFeeRecorded';
  data: {
    channel: string;
    businessDate: string;
    feeId: string;
    amount: MoneyString;
    channelTxnId: string | null;
  };
};

export type ChannelSettlementReceived = {
  type: 'ChannelSettlementReceived';
  data: {
    channel: string;
    businessDate: string;
    settlementId: string;
    bankAccount: string;
    amount: MoneyString;
  };
};

export type SettlementEvent = ChannelFeeRecorded | ChannelSettlementReceived;
export type SettlementEventType = SettlementEvent['type'];

export interface SettlementState {
  fees: ReadonlyMap<string, Money>;
  settlements: ReadonlyMap<string, { bankAccount: string; amount: Money }>;
  totalFees: Money;
  totalSettled: Money;
}
