// payment_attempts: every payment attempt the platform follows at a channel — those it took through the
// platform (QR code, payment code, in-app) and those a device lost track of (status unknown) — with how each
// ended and how its result became known (the channel's answer, its callback, or our query). The intraday
// checks (多时点对账) take up the attempts still open; the day's view counts what was settled before the bills.
import { column, keyedProjection, type Row, readModel, tenantTable } from '../projection.ts';

export const PAYMENT_ATTEMPTS = readModel('payment_attempts', 1);

export const paymentAttemptsTable = tenantTable({
  table: 'payment_attempts',
  comment:
    'Payment attempts followed at a channel: open ones are checked intraday; how each ended and was learnt.',
  key: ['order_id', 'attempt_id'],
  indexes: ['hospital_id, status', 'hospital_id, settled_at'],
  columns: {
    order_id: column.text('Platform order number (the merchant order number).'),
    attempt_id: column.text('Attempt id.'),
    method: column.text('qr | code | in_app (through the platform) | device (status unknown).'),
    channel: column.text('Payment channel.'),
    amount: column.optionalMoney('Amount asked (null for a device attempt).'),
    status: column.text(
      'started | awaiting-password | unknown (open) · succeeded | failed | reversed | closed (final).',
    ),
    started_at: column.time('Business time the attempt started (or was lost).'),
    expires_at: column.optionalTime('When an unpaid attempt is closed or reversed.'),
    channel_txn_id: column.optionalText('Channel transaction once paid.'),
    settled_via: column.optionalText('answer | callback | query: how the result became known.'),
    settled_at: column.optionalTime('Business time of the final status.'),
  },
});

export const paymentAttemptsProjection = keyedProjection({
  name: PAYMENT_ATTEMPTS.name,
  version: PAYMENT_ATTEMPTS.version,
  description: 'Payment attempts followed at the channels, open and final, and how each result became known.',
  handles: [
    'PaymentAttemptStarted',
    'PaymentAttemptAwaitingPassword',
    'PaymentAttemptSucceeded',
    'PaymentAttemptFailed',
    'PaymentAttemptReversed',
    'PaymentAttemptClosed',
    'PaymentStatusUnknown',
    'PaymentConfirmed',
    'PaymentFailed',
  ],
  table: paymentAttemptsTable,
  changes(event) {
    const d = event.data as Record<string, unknown>;
    const key = [event.hospitalId, String(d.orderId), String(d.attemptId)];
    const at = event.occurredAt.toISOString();
    const touch = (f: (r: Row) => Row) => [{ key, update: (r: Row | undefined) => (r ? f(r) : undefined) }];
    const final = (status: string, extra: Row = {}) =>
      touch((r) =>
        r.status === 'succeeded' || (r.settled_at !== null && status !== 'succeeded')
          ? r
          : { ...r, status, settled_at: at, ...extra },
      );
    // An attempt's row opens once, by whichever of its opening events comes first.
    const open = (method: string, amount: string | null, status: string, expiresAt: string | null) => [
      {
        key,
        update: (r: Row | undefined): Row =>
          r ?? {
            hospital_id: event.hospitalId,
            order_id: String(d.orderId),
            attempt_id: String(d.attemptId),
            method,
            channel: String(d.channel),
            amount,
            status,
            started_at: at,
            expires_at: expiresAt,
            channel_txn_id: null,
            settled_via: null,
            settled_at: null,
          },
      },
    ];
    switch (event.type) {
      case 'PaymentAttemptStarted':
        return open(String(d.method), String(d.amount), 'started', String(d.expiresAt));
      case 'PaymentStatusUnknown':
        return open('device', null, 'unknown', null);
      case 'PaymentAttemptAwaitingPassword':
        return touch((r) => (r.status === 'started' ? { ...r, status: 'awaiting-password' } : r));
      case 'PaymentAttemptSucceeded':
        return final('succeeded', { channel_txn_id: String(d.channelTxnId), settled_via: String(d.via) });
      case 'PaymentConfirmed':
        // Only device attempts: a platform attempt is settled by its own event.
        return touch((r) =>
          r.method === 'device' && r.status === 'unknown'
            ? {
                ...r,
                status: 'succeeded',
                amount: String(d.amount),
                channel_txn_id: String(d.channelTxnId),
                // A query answer carries no notification id: it is recorded under `<channel>:<txn>`.
                settled_via:
                  event.metadata.correlationId === `${String(d.channel)}:${String(d.channelTxnId)}`
                    ? 'query'
                    : 'callback',
                settled_at: at,
              }
            : r,
        );
      case 'PaymentFailed':
        return touch((r) =>
          r.method === 'device' && r.status === 'unknown'
            ? { ...r, status: 'failed', settled_via: 'query', settled_at: at }
            : r,
        );
      case 'PaymentAttemptFailed':
        return final('failed');
      case 'PaymentAttemptReversed':
        return final('reversed', { settled_via: 'query' });
      case 'PaymentAttemptClosed':
        return final('closed', { settled_via: 'query' });
      default:
        return [];
    }
  },
});
