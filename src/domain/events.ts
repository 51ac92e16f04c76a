// The versioned event catalog: every domain event type, its current schema version, and the upcasters that
// bring older stored versions to the current shape on read (stored events are never rewritten).
import type { EventMetadata, JsonObject, Upcaster } from './event-store.ts';
import { Money } from './money.ts';
import type { DepositEvent } from './deposit/types.ts';
import type { OrderEvent } from './order/types.ts';
import type { SettlementEvent } from './settlement/types.ts';
import { isReconciliationEventType, RECONCILIATION_SCHEMA_VERSION } from './reconciliation/events.ts';

export type DomainEvent = OrderEvent | DepositEvent | SettlementEvent;
export type DomainEventType = DomainEvent['type'];
export type EventOfType<T extends DomainEventType> = Extract<DomainEvent, { type: T }>;

/** The schema version decide() writes for each type. Bump it together with an upcaster from the old version. */
export const CURRENT_SCHEMA_VERSION: Readonly<Record<DomainEventType, number>> = {
  OrderCreated: 1,
  PaymentRequested: 1,
  PaymentSucceeded: 1,
  PaymentStatusUnknown: 1,
  PaymentConfirmed: 1,
  PaymentFailed: 1,
  DuplicatePaymentReceived: 1,
  OrderCancelled: 1,
  RefundRequested: 1,
  RefundIdentityVerified: 1,
  RefundSucceeded: 1,
  RefundFailed: 1,
  HisWritebackSucceeded: 1,
  HisWritebackFailed: 2,
  HisRefundWritebackSucceeded: 1,
  HisRefundWritebackFailed: 1,
  DepositToppedUp: 1,
  DepositApplied: 1,
  DepositRemainderRefunded: 1,
  DepositRefundSettled: 1,
  DepositRefundFailed: 1,
  ChannelFeeRecorded: 2,
  ChannelSettlementReceived: 1,
};

/** Stream category each event type lives in. */
export const EVENT_CATEGORY: Readonly<Record<DomainEventType, 'order' | 'deposit' | 'settlement'>> = {
  OrderCreated: 'order',
  PaymentRequested: 'order',
  PaymentSucceeded: 'order',
  PaymentStatusUnknown: 'order',
  PaymentConfirmed: 'order',
  PaymentFailed: 'order',
  DuplicatePaymentReceived: 'order',
  OrderCancelled: 'order',
  RefundRequested: 'order',
  RefundIdentityVerified: 'order',
  RefundSucceeded: 'order',
  RefundFailed: 'order',
  HisWritebackSucceeded: 'order',
  HisWritebackFailed: 'order',
  HisRefundWritebackSucceeded: 'order',
  HisRefundWritebackFailed: 'order',
  DepositToppedUp: 'deposit',
  DepositApplied: 'deposit',
  DepositRemainderRefunded: 'deposit',
  DepositRefundSettled: 'deposit',
  DepositRefundFailed: 'deposit',
  ChannelFeeRecorded: 'settlement',
  ChannelSettlementReceived: 'settlement',
};

export const DOMAIN_EVENT_TYPES = Object.keys(CURRENT_SCHEMA_VERSION) as DomainEventType[];

export function isDomainEventType(type: string): type is DomainEventType {
  return Object.hasOwn(CURRENT_SCHEMA_VERSION, type);
}

/**
 * Current schema version of any cataloged type: the ledger aggregates above and the reconciliation catalog
 * (statements, discrepancies, days: reconciliation/events.ts). Undefined for types of neither.
 */
export function schemaVersionOf(type: string): number | undefined {
  if (isDomainEventType(type)) return CURRENT_SCHEMA_VERSION[type];
  if (isReconciliationEventType(type)) return RECONCILIATION_SCHEMA_VERSION[type];
  return undefined;
}

/**
 * ChannelFeeRecorded v1 → v2. v1 (the first statement importer) stored the fee as `feeFen`, an integer number
 * of cents, and had no transaction reference. v2 stores money as a "12.50" string like every other event.
 */
export const channelFeeRecordedV1: Upcaster = {
  type: 'ChannelFeeRecorded',
  fromVersion: 1,
  upcast(data: JsonObject, _metadata: EventMetadata): JsonObject {
    const { feeFen, ...rest } = data;
    if (typeof feeFen !== 'number') throw new Error('ChannelFeeRecorded v1 without a numeric feeFen');
    return { ...rest, amount: Money.fromCents(feeFen).toString(), channelTxnId: data.channelTxnId ?? null };
  },
};

/**
 * HisWritebackFailed v1 → v2. v1 had no `retryable`: the writeback code recorded the HIS client's error code
 * first in `error`, and only HIS_REJECTED (a business refusal) was final.
 */
export const hisWritebackFailedV1: Upcaster = {
  type: 'HisWritebackFailed',
  fromVersion: 1,
  upcast(data: JsonObject, _metadata: EventMetadata): JsonObject {
    const error = typeof data.error === 'string' ? data.error : '';
    return { ...data, retryable: !error.startsWith('HIS_REJECTED') };
  },
};

/**
 * StatementLinesImported v1 → v2. v2 added the columnar encoding (`columns/1`); a v1 batch is one of the legacy
 * encodings, which v2 readers still take as they are (each batch names its encoding): nothing to convert.
 */
export const statementLinesImportedV1: Upcaster = {
  type: 'StatementLinesImported',
  fromVersion: 1,
  upcast: (data: JsonObject): JsonObject => data,
};

export const UPCASTERS: readonly Upcaster[] = [
  channelFeeRecordedV1,
  hisWritebackFailedV1,
  statementLinesImportedV1,
];

/** Most upcasting steps one event may go through (guards against a cycle in the upcaster table). */
const MAX_UPCAST_STEPS = 32;

/** Brings stored data of any known version to the current schema version of its type. */
export function upcast(
  type: string,
  schemaVersion: number,
  data: JsonObject,
  metadata: EventMetadata = {},
  upcasters: readonly Upcaster[] = UPCASTERS,
): { schemaVersion: number; data: JsonObject } {
  const target = schemaVersionOf(type) ?? schemaVersion;
  let version = schemaVersion;
  let current = data;
  for (let step = 0; version < target; step++) {
    const u = upcasters.find((x) => x.type === type && x.fromVersion === version);
    if (!u || step >= MAX_UPCAST_STEPS) throw new Error(`no upcaster for ${type} v${version}`);
    current = u.upcast(current, metadata);
    version++;
  }
  return { schemaVersion: version, data: current };
}
