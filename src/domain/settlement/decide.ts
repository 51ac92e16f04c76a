import { parseBusinessDate } from '../business-date.ts';
import { Money, positiveAmount } from '../money.ts';
import { reject, withinLimit } from '../rejection.ts';
import {
  MAX_FEE_LINES_PER_DAY,
  MAX_SETTLEMENTS_PER_DAY,
  type SettlementCommand,
  type SettlementEvent,
  type SettlementState,
} from './types.ts';

export function initialSettlementState(): SettlementState {
  return { fees: new Map(), settlements: new Map(), totalFees: Money.ZERO, totalSettled: Money.ZERO };
}

/** Re-importing the same statement line is a no-op; the same line id with another amount is a conflict. */
export function decideSettlement(command: SettlementCommand, state: SettlementState): SettlementEvent[] {
  const businessDate = parseBusinessDate(command.businessDate);
  const amount = positiveAmount(command.amount);
  switch (command.type) {
    case 'RecordChannelFee': {
      const known = state.fees.get(command.feeId);
      if (known) {
        if (known.equals(amount)) return [];
        throw reject('FEE_ALREADY_RECORDED', { feeId: command.feeId, recorded: known.toString() });
      }
      withinLimit(state.fees.size, MAX_FEE_LINES_PER_DAY, 'MAX_FEE_LINES_PER_DAY', { businessDate });
      return [
        {
          type: 'ChannelFeeRecorded',
          data: {
            channel: command.channel,
            businessDate,
            feeId: command.feeId,
            amount: amount.toString(),
            channelTxnId: command.channelTxnId,
          },
        },
      ];
    }
    case 'RecordChannelSettlement': {
      const known = state.settlements.get(command.settlementId);
      if (known) {
        if (known.amount.equals(amount) && known.bankAccount === command.bankAccount) return [];
        throw reject('SETTLEMENT_ALREADY_RECORDED', { settlementId: command.settlementId });
      }
      withinLimit(state.settlements.size, MAX_SETTLEMENTS_PER_DAY, 'MAX_SETTLEMENTS_PER_DAY', {
        businessDate,
      });
      return [
        {
          type: 'ChannelSettlementReceived',
          data: {
            channel: command.channel,
            businessDate,
            settlementId: command.settlementId,
            bankAccount: command.bankAccount,
            amount: amount.toString(),
          },
        },
      ];
    }
  }
}

export function evolveSettlement(state: SettlementState, event: SettlementEvent): SettlementState {
  switch (event.type) {
    case 'ChannelFeeRecorded': {
      const amount = Money.parse(event.data.amount);
      const fees = new Map(state.fees);
      fees.set(event.data.feeId, amount);
      return { ...state, fees, totalFees: state.totalFees.add(amount) };
    }
    case 'ChannelSettlementReceived': {
      const amount = Money.parse(event.data.amount);
      const settlements = new Map(state.settlements);
      settlements.set(event.data.settlementId, { bankAccount: event.data.bankAccount, amount });
      return { ...state, settlements, totalSettled: state.totalSettled.add(amount) };
    }
    default:
      return state;
  }
}
