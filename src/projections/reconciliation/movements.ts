// recon_movements: the platform side of reconciliation, one row per money movement a channel statement should
// show (payments, surplus payments, refunds, deposit remainder refunds) and per settlement transfer.
import { type BusinessDateOptions, businessDate } from '../../domain/business-date.ts';
import type { RecordedEvent } from '../../domain/event-store.ts';
import { keyedProjection, type Projection, type Row, type TableSpec } from '../projection.ts';
import { liveSchema } from '../runner.ts';

const text = (comment: string) => ({ type: 'text', comment });

export const reconMovementsTable: TableSpec = {
  table: 'recon_movements',
  comment:
    'Platform money movements as reconciliation matches them against channel statements: payments, surplus payments, refunds, deposit remainder refunds, settlement transfers.',
  key: ['hospital_id', 'movement_id'],
  indexes: ['hospital_id, channel, business_date, occurred_at', 'hospital_id, merchant_order_no'],
  columns: {
    hospital_id: { type: 'text NOT NULL', comment: 'Tenant.' },
    movement_id: {
      type: 'text NOT NULL',
      comment: 'pay:<channel txn id> | refund:<refund no> | settlement:<settlement id>.',
    },
    kind: { type: 'text NOT NULL', comment: 'payment | refund | settlement.' },
    channel: { type: 'text NOT NULL', comment: 'Channel the money moved through.' },
    merchant_order_no: {
      type: 'text NOT NULL',
      comment: '商户订单号 (the platform order; deposit top-up order for remainder refunds).',
    },
    refund_no: text('商户退款单号 on refunds.'),
    channel_txn_id: text('Channel transaction id (of the payment; of the original payment on refunds).'),
    channel_refund_id: text('Channel refund id on refunds.'),
    amount: { type: 'numeric(18,2) NOT NULL', comment: 'Amount moved, positive.' },
    occurred_at: { type: 'timestamptz NOT NULL', comment: 'Business time of the movement.' },
    business_date: {
      type: 'text NOT NULL',
      comment: 'Business date yyyy-MM-dd of the movement (settlements: the date settled).',
    },
    business_type: {
      type: 'text NOT NULL',
      comment: 'registration | outpatient | deposit | surplus (a duplicate payment owed back) | settlement.',
    },
    surplus: { type: 'boolean NOT NULL', comment: 'A surplus (duplicate) payment or its refund.' },
    position: { type: 'bigint NOT NULL', comment: 'Position of the event.' },
  },
};

function row(event: RecordedEvent, r: Omit<Row, 'hospital_id' | 'position'>): Row {
  return { hospital_id: event.hospitalId, ...r, position: event.position.toString() };
}

/** recon_movements, with business dates computed in the hospital's zone and cut-off. */
export function reconMovementsProjection(dateOptions: BusinessDateOptions = {}): Projection {
  return keyedProjection({
    name: 'recon_movements',
    version: 1,
    description: 'Platform payments, refunds and settlements as reconciliation matches them.',
    handles: [
      'PaymentSucceeded',
      'PaymentConfirmed',
      'DuplicatePaymentReceived',
      'RefundSucceeded',
      'DepositRemainderRefunded',
      'ChannelSettlementReceived',
    ],
    table: reconMovementsTable,
    changes(event) {
      const d = event.data as Record<string, string | null | undefined>;
      const at = event.occurredAt.toISOString();
      const date = () => businessDate(event.occurredAt, dateOptions);
      let r: Row | undefined;
      switch (event.type) {
        case 'PaymentSucceeded':
        case 'PaymentConfirmed':
        case 'DuplicatePaymentReceived': {
          const surplus = event.type === 'DuplicatePaymentReceived';
          r = row(event, {
            movement_id: `pay:${d.channelTxnId}`,
            kind: 'payment',
            channel: String(d.channel),
            merchant_order_no: String(d.orderId),
            refund_no: null,
            channel_txn_id: String(d.channelTxnId),
            channel_refund_id: null,
            amount: String(d.amount),
            occurred_at: at,
            business_date: date(),
            business_type: surplus ? 'surplus' : String(d.orderKind),
            surplus,
          });
          break;
        }
        case 'RefundSucceeded':
          r = row(event, {
            movement_id: `refund:${d.refundId}`,
            kind: 'refund',
            channel: String(d.channel),
            merchant_order_no: String(d.orderId),
            refund_no: String(d.refundId),
            channel_txn_id: d.channelTxnId ?? null,
            channel_refund_id: d.channelRefundId ?? null,
            amount: String(d.amount),
            occurred_at: at,
            business_date: date(),
            business_type: d.of === 'duplicate' ? 'surplus' : String(d.orderKind),
            surplus: d.of === 'duplicate',
          });
          break;
        case 'DepositRemainderRefunded':
          r = row(event, {
            movement_id: `refund:${d.refundId}`,
            kind: 'refund',
            channel: String(d.channel),
            merchant_order_no: String(d.topUpOrderId),
            refund_no: String(d.refundId),
            channel_txn_id: d.channelTxnId ?? null,
            channel_refund_id: null,
            amount: String(d.amount),
            occurred_at: at,
            business_date: date(),
            business_type: 'deposit',
            surplus: false,
          });
          break;
        case 'ChannelSettlementReceived':
          r = row(event, {
            movement_id: `settlement:${d.channel}:${d.settlementId}`,
            kind: 'settlement',
            channel: String(d.channel),
            merchant_order_no: '',
            refund_no: null,
            channel_txn_id: null,
            channel_refund_id: null,
            amount: String(d.amount),
            occurred_at: at,
            business_date: String(d.businessDate),
            business_type: 'settlement',
            surplus: false,
          });
          break;
        default:
          return [];
      }
      const fixed = r;
      return [{ key: [event.hospitalId, String(fixed.movement_id)], update: () => fixed }];
    },
  });
}

export const reconStatementsTable: TableSpec = {
  table: 'recon_statements',
  comment: 'Imported statement files: which party and channel, which business date, and whether complete.',
  key: ['hospital_id', 'statement_id'],
  indexes: ['hospital_id, business_date'],
  columns: {
    hospital_id: { type: 'text NOT NULL', comment: 'Tenant.' },
    statement_id: { type: 'text NOT NULL', comment: 'SHA-256 prefix: stream <hospital>/statement/<id>.' },
    sha256: { type: 'text NOT NULL', comment: 'SHA-256 of the file bytes.' },
    file: { type: 'text NOT NULL', comment: 'File name as imported.' },
    format: { type: 'text NOT NULL', comment: 'wechat | alipay | bank:<mapping> | his | insurance.' },
    party: { type: 'text NOT NULL', comment: 'channel | bank | his | insurance.' },
    source: { type: 'text NOT NULL', comment: 'Issuer: wechat, alipay, unionpay, allinpay, his, insurance.' },
    channel: text('Platform channel the statement reports (null for the HIS extract).'),
    merchant_id: text('Merchant / account of the statement.'),
    business_date: { type: 'text', comment: 'Business date yyyy-MM-dd the file declares.' },
    lines: { type: 'integer NOT NULL', comment: 'Detail lines.' },
    imported: {
      type: 'boolean NOT NULL',
      comment: 'True once the completion marker (StatementImported) exists.',
    },
    origin: text('Where the file came from.'),
    imported_at: { type: 'timestamptz NOT NULL', comment: 'Business time of the import.' },
  },
};

export const reconStatementsProjection: Projection = keyedProjection({
  name: 'recon_statements',
  version: 1,
  description: 'Imported statement files per hospital, party, channel and business date.',
  handles: ['StatementImportStarted', 'StatementImported'],
  table: reconStatementsTable,
  changes(event) {
    const d = event.data as Record<string, unknown>;
    const key = [event.hospitalId, String(d.statementId)];
    if (event.type === 'StatementImportStarted')
      return [
        {
          key,
          update: (r): Row => ({
            hospital_id: event.hospitalId,
            statement_id: String(d.statementId),
            sha256: String(d.sha256),
            file: String(d.file),
            format: String(d.format),
            party: String(d.party),
            source: String(d.source),
            channel: (d.channel as string | null) ?? null,
            merchant_id: (d.merchantId as string | null) ?? null,
            business_date: (d.businessDate as string | null) ?? null,
            lines: Number(d.lines),
            imported: r?.imported === true,
            origin: (d.origin as string | null) ?? null,
            imported_at: event.occurredAt.toISOString(),
          }),
        },
      ];
    if (event.type === 'StatementImported')
      return [
        {
          key,
          update: (r): Row => ({
            ...(r as Row),
            imported: true,
            imported_at: event.occurredAt.toISOString(),
          }),
        },
      ];
    return [];
  },
});

/** Live schemas of the two read models (their typed queries: queries.ts). */
export const RECON_MOVEMENTS_SCHEMA = liveSchema(reconMovementsProjection());
export const RECON_STATEMENTS_SCHEMA = liveSchema(reconStatementsProjection);
