// recon_movements: the platform side of reconciliation, one row per money movement a channel statement should
// show (payments, surplus payments, refunds, deposit remainder refunds) and per settlement transfer.
import { sql } from 'kysely';
import { type BusinessDateOptions, businessDate } from '../../domain/business-date.ts';
import type { RecordedEvent } from '../../domain/event-store.ts';
import { type DayWindow, windowHigh, windowLow } from '../../domain/reconciliation/window.ts';
import {
  type AnyDb,
  column,
  keyedProjection,
  type Projection,
  type Row,
  tenantTable,
} from '../projection.ts';
import { hisSyncProjection } from '../read-models/his-sync.ts';
import { CHANNEL_MOVEMENT_EVENT_TYPES } from '../read-models/ledger.ts';
import { liveSchema } from '../runner.ts';

export const reconMovementsTable = tenantTable({
  table: 'recon_movements',
  comment:
    'Platform money movements as reconciliation matches them against channel statements: payments, surplus payments, refunds, deposit remainder refunds, settlement transfers.',
  key: ['movement_id'],
  indexes: ['hospital_id, channel, business_date, occurred_at', 'hospital_id, merchant_order_no'],
  columns: {
    movement_id: column.text('pay:<channel txn id> | refund:<refund no> | settlement:<settlement id>.'),
    kind: column.text<'payment' | 'refund' | 'settlement'>('payment | refund | settlement.'),
    channel: column.text('Channel the money moved through.'),
    merchant_order_no: column.text(
      '商户订单号 (the platform order; deposit top-up order for remainder refunds).',
    ),
    refund_no: column.optionalText('商户退款单号 on refunds.'),
    channel_txn_id: column.optionalText(
      'Channel transaction id (of the payment; of the original payment on refunds).',
    ),
    channel_refund_id: column.optionalText('Channel refund id on refunds.'),
    amount: column.money('Amount moved, positive.'),
    occurred_at: column.time('Business time of the movement.'),
    business_date: column.text('Business date yyyy-MM-dd of the movement (settlements: the date settled).'),
    business_type: column.text(
      'registration | outpatient | deposit | surplus (a duplicate payment owed back) | settlement.',
    ),
    surplus: column.boolean('A surplus (duplicate) payment or its refund.'),
    position: column.position('Position of the event.'),
  },
});

function row(event: RecordedEvent, r: Omit<Row, 'hospital_id' | 'position'>): Row {
  return { hospital_id: event.hospitalId, ...r, position: event.position.toString() };
}

/** recon_movements, with business dates computed in the hospital's zone and cut-off. */
export function reconMovementsProjection(dateOptions: BusinessDateOptions = {}): Projection {
  return keyedProjection({
    name: 'recon_movements',
    version: 1,
    description: 'Platform payments, refunds and settlements as reconciliation matches them.',
    handles: [...CHANNEL_MOVEMENT_EVENT_TYPES, 'ChannelSettlementReceived'],
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
        case 'DepositRemainderRefunded': {
          // A deposit's remainder goes back against its top-up order; a duplicate payment's refund is surplus.
          const remainder = event.type === 'DepositRemainderRefunded';
          const duplicate = !remainder && d.of === 'duplicate';
          r = row(event, {
            movement_id: `refund:${d.refundId}`,
            kind: 'refund',
            channel: String(d.channel),
            merchant_order_no: String(remainder ? d.topUpOrderId : d.orderId),
            refund_no: String(d.refundId),
            channel_txn_id: d.channelTxnId ?? null,
            channel_refund_id: remainder ? null : (d.channelRefundId ?? null),
            amount: String(d.amount),
            occurred_at: at,
            business_date: date(),
            business_type: remainder ? 'deposit' : duplicate ? 'surplus' : String(d.orderKind),
            surplus: duplicate,
          });
          break;
        }
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

export const reconStatementsTable = tenantTable({
  table: 'recon_statements',
  comment: 'Imported statement files: which party and channel, which business date, and whether complete.',
  key: ['statement_id'],
  indexes: ['hospital_id, business_date'],
  columns: {
    statement_id: column.text('SHA-256 prefix: stream <hospital>/statement/<id>.'),
    sha256: column.text('SHA-256 of the file bytes.'),
    file: column.text('File name as imported.'),
    format: column.text('wechat | alipay | bank:<mapping> | his | insurance.'),
    party: column.text('channel | bank | his | insurance.'),
    source: column.text('Issuer: wechat, alipay, unionpay, allinpay, his, insurance.'),
    channel: column.optionalText('Platform channel the statement reports (null for the HIS extract).'),
    merchant_id: column.optionalText('Merchant / account of the statement.'),
    business_date: column.optionalText('Business date yyyy-MM-dd the file declares.'),
    lines: column.integer('Detail lines.'),
    imported: column.boolean('True once the completion marker (StatementImported) exists.'),
    origin: column.optionalText('Where the file came from.'),
    imported_at: column.time('Business time of the import.'),
  },
});

export const reconStatementsProjection = keyedProjection({
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

/** Platform movements per page of movementColumns (a page of a million-payment day is ~12 MB of JSON). */
export const PLATFORM_PAGE = 100_000;

/**
 * One page of the platform movements a run indexes, as columns (one value per movement, in movement id order):
 * what one row each would carry, without a row object per movement.
 */
export interface MovementColumns {
  count: number;
  /** The last movement id of the page (where the next page starts). */
  last: string | null;
  /** The movement id where it is not the one the key gives (`pay:<txn id>`, `refund:<refund no>`); null = all. */
  movementId: (string | null)[] | null;
  kind: ('payment' | 'refund' | 'settlement')[];
  merchantOrderNo: string[];
  refundNo: (string | null)[] | null;
  channelTxnId: (string | null)[] | null;
  channelRefundId: (string | null)[] | null;
  amount: string[];
  /** occurred_at in epoch milliseconds. */
  atMs: number[];
  /** On the date reconciled (else a neighbouring date's movement inside the cut-off window). */
  core: boolean[];
  surplus: boolean[];
  hisStatus: (string | null)[] | null;
}

/** A column that is null on every movement of the page crosses the wire as one null. */
const sparse = (col: string) => sql.raw(`CASE WHEN count(${col}) = 0 THEN NULL ELSE json_agg(${col}) END`);

/**
 * The platform movements a run indexes: the date's, and the neighbouring dates' payments and refunds inside
 * the cut-off window, with their HIS writeback state; a keyset page of them after movement id `after`, each
 * field one JSON array (a million payments are parsed as a few arrays, not a million rows).
 */
export async function movementColumns(
  db: AnyDb,
  q: { hospitalId: string; channel: string; window: DayWindow; after: string },
  schemas: { movements?: string; hisSync?: string } = {},
): Promise<MovementColumns> {
  const w = q.window;
  const movements = sql.table(`${schemas.movements ?? RECON_MOVEMENTS_SCHEMA}.recon_movements`);
  const his = sql.table(`${schemas.hisSync ?? liveSchema(hisSyncProjection)}.his_sync_status`);
  // The aggregates read the page in the subquery's order (by movement id), all of them the same rows alike.
  const r = await sql<MovementColumns>`
    SELECT count(*)::int AS "count", max(p.mid) AS "last",
      ${sparse('p.movement_id')} AS "movementId", json_agg(p.kind) AS "kind",
      json_agg(p.merchant_order_no) AS "merchantOrderNo", ${sparse('p.refund_no')} AS "refundNo",
      ${sparse('p.channel_txn_id')} AS "channelTxnId", ${sparse('p.channel_refund_id')} AS "channelRefundId",
      json_agg(p.amount) AS "amount", json_agg(p.at_ms) AS "atMs", json_agg(p.core) AS "core",
      json_agg(p.surplus) AS "surplus", ${sparse('p.his_status')} AS "hisStatus"
    FROM (
      SELECT m.movement_id AS mid,
        CASE WHEN m.movement_id = CASE m.kind WHEN 'payment' THEN 'pay:' || m.channel_txn_id
                                              WHEN 'refund' THEN 'refund:' || m.refund_no END
             THEN NULL ELSE m.movement_id END AS movement_id,
        m.kind, m.merchant_order_no, m.refund_no, m.channel_txn_id, m.channel_refund_id,
        m.amount::text AS amount, (extract(epoch FROM m.occurred_at) * 1000)::float8 AS at_ms,
        m.business_date = ${w.businessDate} AS core, m.surplus, h.status AS his_status
      FROM ${movements} AS m
      LEFT JOIN ${his} AS h ON m.kind = 'payment' AND m.surplus = false
        AND h.hospital_id = m.hospital_id AND h.order_id = m.merchant_order_no
      WHERE m.hospital_id = ${q.hospitalId} AND m.channel = ${q.channel}
        AND (m.business_date = ${w.businessDate}
          OR (m.kind <> 'settlement' AND m.business_date = ${w.previous} AND m.occurred_at >= ${new Date(windowLow(w))})
          OR (m.kind <> 'settlement' AND m.business_date = ${w.next} AND m.occurred_at < ${new Date(windowHigh(w))}))
        AND m.movement_id > ${q.after}
      ORDER BY m.movement_id
      LIMIT ${PLATFORM_PAGE}
    ) AS p`.execute(db);
  const page = r.rows[0]!;
  // An empty page aggregates to nulls.
  return page.count === 0
    ? { ...page, kind: [], merchantOrderNo: [], amount: [], atMs: [], core: [], surplus: [] }
    : page;
}
