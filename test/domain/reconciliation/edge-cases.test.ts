// The matcher on real-world edge cases: pending items (未达账项) around the cut-off, in-flight and failed
// lines, keys that keep every finding, groups of lines and movements. Pure: no database.
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { dayStartOf } from '../../../src/domain/business-date.ts';
import { lineStateOf, statusesOf } from '../../../src/domain/reconciliation/line-status.ts';
import {
  DEFAULT_MATCHING_CONFIG,
  type MatchResult,
  Matcher,
  type PlatformItem,
  type RunContext,
} from '../../../src/domain/reconciliation/matching.ts';
import type { StatementLine } from '../../../src/domain/reconciliation/statement-line.ts';
import { FC_SEED } from '../../support/property.ts';

const D = '2024-05-01';
const PREV = '2024-04-30';
const NEXT = '2024-05-02';
const scope = { hospitalId: 'H1', channel: 'wechat', businessDate: D };
const local = (date: string, time: string) => new Date(`${date}T${time}+08:00`).toISOString();
const START = dayStartOf(D);
const END = dayStartOf(NEXT);
const HOUR = 3_600_000;

const mv = (
  o: Partial<PlatformItem> & { merchantOrderNo: string; amount: string; occurredAt: string },
): PlatformItem => ({
  hospitalId: 'H1',
  channel: 'wechat',
  kind: 'payment',
  businessDate: D,
  businessType: 'outpatient',
  ref: `pay:${o.channelTxnId ?? o.merchantOrderNo}`,
  channelTxnId: `T-${o.merchantOrderNo}`,
  ...o,
});

let lineNo = 1;
const ln = (o: Partial<StatementLine> & { amount: string; occurredAt: string }): StatementLine => ({
  party: 'channel',
  source: 'wechat',
  format: 'wechat',
  kind: 'payment',
  lineNo: lineNo++,
  raw: '',
  localTime: '',
  businessDate: D,
  ...o,
});

/** The morning after (T+1 10:30), neither neighbouring statement imported unless said. */
const ctx = (o: Partial<RunContext> = {}): RunContext => ({
  start: START,
  end: END,
  asOf: END + 10.5 * HOUR,
  neighbours: { previous: true, next: false },
  ...o,
});

const brief = (r: MatchResult) => r.findings.map((f) => `${f.type} ${f.subject} ${f.amount}`);
const held = (r: MatchResult) => r.pending.map((p) => `${p.awaiting} ${p.finding.type} ${p.finding.subject}`);

/** A matcher with the day's ordinary payment O1 matched, plus whatever `arrange` adds. */
function run(arrange: (m: Matcher) => void, c: RunContext | null = ctx(), paid = new Set<string>()) {
  const m = new Matcher(scope);
  m.addPlatform(mv({ merchantOrderNo: 'O1', amount: '10.00', occurredAt: local(D, '09:00:00') }), 'core');
  m.addChannelLines(
    [ln({ amount: '10.00', occurredAt: local(D, '09:00:05'), channelTxnId: 'T-O1', merchantOrderNo: 'O1' })],
    'S1',
    'core',
  );
  arrange(m);
  return m.finish(paid, c ?? undefined);
}

const lateOrder = (m: Matcher) =>
  m.addPlatform(mv({ merchantOrderNo: 'X1', amount: '25.00', occurredAt: local(D, '23:59:58') }), 'core');

describe('pending items (未达账项) around the cut-off', () => {
  it('a payment at 23:59:58 missing from its day’s bill waits for the next day’s statement', () => {
    const r = run(lateOrder);
    expect(brief(r)).toEqual([]);
    expect(held(r)).toEqual(['next-statement PLATFORM_ONLY X1']);
    expect(r.pending[0]!.deadline).toBe(new Date(END + 48 * HOUR).toISOString());
    expect(r.matched.count).toBe(1);
  });

  it('with the next day’s statement imported it is a timing difference, not pending', () => {
    const r = run(
      (m) => {
        lateOrder(m);
        m.addChannelLines(
          [
            ln({
              amount: '25.00',
              occurredAt: local(NEXT, '00:00:03'),
              businessDate: NEXT,
              channelTxnId: 'T-X1',
              merchantOrderNo: 'X1',
            }),
          ],
          'S2',
          'edge',
        );
      },
      ctx({ neighbours: { previous: true, next: true } }),
    );
    expect([brief(r), held(r)]).toEqual([[], []]);
    expect(r.timing.count).toBe(1);
    expect(r.timingSubjects).toEqual(['X1']);
  });

  it('with the next day’s statement imported and still absent, it is raised as platform-only', () => {
    const r = run(lateOrder, ctx({ neighbours: { previous: true, next: true } }));
    expect(brief(r)).toEqual(['PLATFORM_ONLY X1 25.00']);
    expect(r.pending).toEqual([]);
  });

  it('past the configured deadline it is raised with its real type', () => {
    expect(brief(run(lateOrder, ctx({ asOf: END + 48 * HOUR })))).toEqual(['PLATFORM_ONLY X1 25.00']);
    const m = new Matcher(scope, { ...DEFAULT_MATCHING_CONFIG, pendingDeadlineHours: 2 });
    lateOrder(m);
    expect(brief(m.finish(new Set(), ctx()))).toEqual(['PLATFORM_ONLY X1 25.00']);
  });

  it('a payment at 00:00:02 waits for the previous day’s statement when that is missing', () => {
    const r = run(
      (m) =>
        m.addPlatform(
          mv({ merchantOrderNo: 'E1', amount: '8.00', occurredAt: local(D, '00:00:02') }),
          'core',
        ),
      ctx({ neighbours: { previous: false, next: true } }),
    );
    expect(held(r)).toEqual(['previous-statement PLATFORM_ONLY E1']);
  });

  it('a payment in the middle of the day is never held', () => {
    const r = run((m) =>
      m.addPlatform(mv({ merchantOrderNo: 'M1', amount: '8.00', occurredAt: local(D, '13:00:00') }), 'core'),
    );
    expect(brief(r)).toEqual(['PLATFORM_ONLY M1 8.00']);
    expect(r.pending).toEqual([]);
  });

  it('a channel line at 23:59:59 waits while the platform’s own next-day window is open', () => {
    const late = (m: Matcher) =>
      m.addChannelLines(
        [
          ln({
            amount: '9.00',
            occurredAt: local(D, '23:59:59'),
            channelTxnId: 'T-Y1',
            merchantOrderNo: 'Y1',
          }),
        ],
        'S1',
        'core',
      );
    expect(held(run(late, ctx({ asOf: END + 10 * 60_000 })))).toEqual(['platform-next-day CHANNEL_ONLY Y1']);
    expect(brief(run(late))).toEqual(['CHANNEL_ONLY Y1 9.00']);
  });

  it('without a run context (a plain finish) nothing is held', () => {
    expect(brief(run(lateOrder, null))).toEqual(['PLATFORM_ONLY X1 25.00']);
  });
});

describe('the previous day’s pending items, carried in', () => {
  const itemOf = (r: MatchResult) => r.pending[0]!;
  const previousRun = () => {
    const m = new Matcher({ ...scope, businessDate: PREV });
    m.addPlatform(
      mv({ merchantOrderNo: 'X0', amount: '25.00', occurredAt: local(PREV, '23:59:58') }),
      'core',
    );
    return m.finish(new Set(), {
      start: dayStartOf(PREV),
      end: START,
      asOf: START + 10.5 * HOUR,
      neighbours: { previous: true, next: false },
    });
  };
  const edgeX0 = (m: Matcher) =>
    m.addPlatform(
      mv({ merchantOrderNo: 'X0', amount: '25.00', occurredAt: local(PREV, '23:59:58'), businessDate: PREV }),
      'edge',
    );

  it('are cleared when this day’s bill holds them (a timing difference)', () => {
    const item = itemOf(previousRun());
    const r = run(
      (m) => {
        edgeX0(m);
        m.addChannelLines(
          [
            ln({
              amount: '25.00',
              occurredAt: local(D, '00:00:04'),
              channelTxnId: 'T-X0',
              merchantOrderNo: 'X0',
            }),
          ],
          'S1',
          'core',
        );
      },
      ctx({ neighbours: { previous: true, next: true }, carried: { from: PREV, items: [item] } }),
    );
    expect(r.carriedIn).toEqual({ from: PREV, count: 1, cleared: 1, raised: 0, pending: 0 });
    expect([brief(r), held(r)]).toEqual([[], []]);
  });

  it('are listed again while waiting, and raised on their own date once the deadline passed', () => {
    const item = itemOf(previousRun());
    const waiting = run(edgeX0, ctx({ carried: { from: PREV, items: [item] } }));
    expect(waiting.carriedIn).toMatchObject({ count: 1, pending: 1 });
    expect(held(waiting)).toContain('next-statement PLATFORM_ONLY X0');
    const late = run(edgeX0, ctx({ asOf: START + 49 * HOUR, carried: { from: PREV, items: [item] } }));
    expect(late.carriedIn).toMatchObject({ count: 1, raised: 1 });
    expect(late.findings.map((f) => `${f.type} ${f.businessDate} ${f.subject}`)).toEqual([
      `PLATFORM_ONLY ${PREV} X0`,
    ]);
  });
});

describe('line status: in flight and failed, in every format', () => {
  it('reads the statuses of WeChat, Alipay, UnionPay and HIS copies', () => {
    for (const s of ['SUCCESS', '退款成功', 'REFUND_SUCCESS', '成功', undefined])
      expect(lineStateOf(s)).toBe('done');
    for (const s of ['PROCESSING', '退款处理中', 'REFUND_PROCESSING', '处理中', ' processing '])
      expect(lineStateOf(s)).toBe('in-flight');
    for (const s of ['FAIL', 'CHANGE', '退款失败', 'REFUND_FAIL', '失败', 'TRADE_CLOSED', '已冲正'])
      expect(lineStateOf(s)).toBe('failed');
    expect(statusesOf('in-flight')).toContain('PROCESSING');
  });

  const refundLine = (status: string) =>
    ln({
      kind: 'refund',
      amount: '4.00',
      occurredAt: local(D, '11:00:00'),
      channelTxnId: 'T-O1',
      channelRefundId: 'CR1',
      merchantOrderNo: 'O1',
      refundNo: 'R1',
      status,
    });
  const platformRefund = (m: Matcher) =>
    m.addPlatform(
      mv({
        kind: 'refund',
        merchantOrderNo: 'O1',
        refundNo: 'R1',
        amount: '4.00',
        occurredAt: local(D, '10:59:00'),
        ref: 'refund:R1',
      }),
      'core',
    );

  it('an in-flight refund the platform completed is matched', () => {
    const r = run((m) => {
      platformRefund(m);
      m.addChannelLines([refundLine('PROCESSING')], 'S1', 'core');
    });
    expect([brief(r), held(r), r.matched.count]).toEqual([[], [], 2]);
  });

  it('an in-flight refund the platform has not completed is followed, then raised past its deadline', () => {
    const arrange = (m: Matcher) => m.addChannelLines([refundLine('退款处理中')], 'S1', 'core');
    const r = run(arrange, ctx(), new Set(['O1']));
    expect(brief(r)).toEqual([]);
    expect(held(r)).toEqual(['in-flight STATUS_MISMATCH R1']);
    expect(r.pending[0]!.deadline).toBe(new Date(END + 168 * HOUR).toISOString());
    const late = run(arrange, ctx({ asOf: END + 169 * HOUR }), new Set(['O1']));
    expect(brief(late)).toEqual(['STATUS_MISMATCH R1 4.00']);
    expect(late.findings[0]!.reason).toContain('still in flight');
  });

  it('a failed refund moved no money: nothing is owed when the platform has none, a status mismatch when it has', () => {
    const none = run((m) => m.addChannelLines([refundLine('FAIL')], 'S1', 'core'), ctx(), new Set(['O1']));
    expect([brief(none), none.failed]).toEqual([[], { count: 1, amount: '4.00' }]);
    expect(none.clearing.refunds).toBe('0.00');
    const both = run((m) => {
      platformRefund(m);
      m.addChannelLines([refundLine('退款失败')], 'S1', 'core');
    });
    expect(brief(both)).toEqual(['STATUS_MISMATCH R1 4.00']);
    expect(both.failed.count).toBe(0);
  });

  it('a carried in-flight refund completed on the platform today is cleared, not platform-only', () => {
    const prev = run(
      (m) => m.addChannelLines([refundLine('PROCESSING')], 'S1', 'core'),
      ctx(),
      new Set(['O1']),
    );
    const m = new Matcher({ ...scope, businessDate: NEXT });
    m.addPlatform(
      mv({
        kind: 'refund',
        merchantOrderNo: 'O1',
        refundNo: 'R1',
        amount: '4.00',
        occurredAt: local(NEXT, '15:00:00'),
        businessDate: NEXT,
        ref: 'refund:R1',
      }),
      'core',
    );
    const r = m.finish(new Set(), {
      start: END,
      end: END + 24 * HOUR,
      asOf: END + 34.5 * HOUR,
      neighbours: { previous: true, next: false },
      carried: { from: D, items: prev.pending },
    });
    expect([brief(r), r.carriedIn?.cleared, r.timing.count]).toEqual([[], 1, 1]);
  });
});

describe('keys: no finding replaces another', () => {
  const his = (o: Partial<StatementLine> & { amount: string }): StatementLine =>
    ln({
      party: 'his',
      source: 'his',
      format: 'his',
      occurredAt: local(D, '12:00:00'),
      payChannel: 'wechat',
      ...o,
    });

  it('a HIS charge and its refund sharing one HIS number are two findings', () => {
    const m = new Matcher(scope);
    m.addHisLines(
      [
        his({ amount: '30.00', hisNo: 'HIS9', merchantOrderNo: 'Z9' }),
        his({ kind: 'refund', amount: '30.00', hisNo: 'HIS9', merchantOrderNo: 'Z9', refundNo: 'RZ9' }),
      ],
      'H',
      'core',
    );
    expect(brief(m.finish())).toEqual([
      'HIS_ONLY his:payment:HIS9 30.00',
      'HIS_ONLY his:refund:HIS9:RZ9 30.00',
    ]);
  });

  it('three copies of one line are two duplicates', () => {
    const m = new Matcher(scope);
    m.addPlatform(mv({ merchantOrderNo: 'O1', amount: '10.00', occurredAt: local(D, '09:00:00') }), 'core');
    const copy = () =>
      ln({ amount: '10.00', occurredAt: local(D, '09:00:05'), channelTxnId: 'T-O1', merchantOrderNo: 'O1' });
    m.addChannelLines([copy(), copy(), copy()], 'S1', 'core');
    expect(m.finish().findings.map((f) => f.type)).toEqual(['DUPLICATE', 'DUPLICATE']);
  });

  /** One anomaly per id: a channel-only payment, a channel-only refund, a platform-only payment, a HIS-only
   *  charge and refund — ids drawn from one small alphabet so they collide across kinds and parties. */
  const anomaly = fc.record({
    kind: fc.constantFrom('channel-pay', 'channel-refund', 'platform-pay', 'his-charge', 'his-refund'),
    id: fc.constantFrom('A', 'B', 'C'),
    cents: fc.integer({ min: 1, max: 99_999 }),
  });

  it('property: distinct anomalies give distinct findings, none dropped', () => {
    fc.assert(
      fc.property(
        fc.uniqueArray(anomaly, { selector: (a) => `${a.kind}|${a.id}`, maxLength: 15 }),
        (list) => {
          const m = new Matcher(scope);
          const at = local(D, '12:00:00');
          for (const a of list) {
            const amount = (a.cents / 100).toFixed(2);
            if (a.kind === 'platform-pay')
              m.addPlatform(
                mv({ merchantOrderNo: a.id, amount, occurredAt: at, hisStatus: 'synced' }),
                'core',
              );
            if (a.kind === 'channel-pay')
              m.addChannelLines(
                [ln({ amount, occurredAt: at, channelTxnId: `CT${a.id}`, merchantOrderNo: a.id })],
                'S',
                'core',
              );
            if (a.kind === 'channel-refund')
              m.addChannelLines(
                [
                  ln({
                    kind: 'refund',
                    amount,
                    occurredAt: at,
                    channelTxnId: `CT${a.id}`,
                    merchantOrderNo: `P${a.id}`,
                    refundNo: a.id,
                  }),
                ],
                'S',
                'core',
              );
            if (a.kind === 'his-charge')
              m.addHisLines([his({ amount, hisNo: a.id, merchantOrderNo: `H${a.id}` })], 'H', 'core');
            if (a.kind === 'his-refund')
              m.addHisLines(
                [
                  his({
                    kind: 'refund',
                    amount,
                    hisNo: a.id,
                    merchantOrderNo: `H${a.id}`,
                    refundNo: `HR${a.id}`,
                  }),
                ],
                'H',
                'core',
              );
          }
          const r = m.finish();
          const keys = r.findings.map((f) => `${f.type}|${f.subject}`);
          expect(new Set(keys).size).toBe(keys.length);
          // A channel-only payment and a platform-only payment on one order no are the same order seen by two
          // parties with another txn: both stay, each its own finding.
          expect(r.findings.length).toBe(list.length);
        },
      ),
      { seed: FC_SEED, numRuns: 300 },
    );
  });
});

describe('groups: amounts conserved', () => {
  it('one line for several movements of its order (a combined line) pairs them all', () => {
    const m = new Matcher(scope);
    m.addPlatform(
      mv({ merchantOrderNo: 'G1', channelTxnId: 'TA', amount: '60.00', occurredAt: local(D, '10:00:00') }),
      'core',
    );
    m.addPlatform(
      mv({ merchantOrderNo: 'G1', channelTxnId: 'TB', amount: '40.00', occurredAt: local(D, '10:01:00') }),
      'core',
    );
    m.addPlatform(
      mv({ merchantOrderNo: 'G1', channelTxnId: 'TC', amount: '7.00', occurredAt: local(D, '10:02:00') }),
      'core',
    );
    m.addChannelLines(
      [ln({ amount: '100.00', occurredAt: local(D, '10:05:00'), channelTxnId: 'TG', merchantOrderNo: 'G1' })],
      'S',
      'core',
    );
    m.addChannelLines(
      [ln({ amount: '7.00', occurredAt: local(D, '10:02:01'), channelTxnId: 'TC', merchantOrderNo: 'G1' })],
      'S',
      'core',
    );
    const r = m.finish();
    expect([brief(r), r.matched]).toEqual([[], { count: 3, amount: '107.00' }]);
  });

  it('a combined line whose movements do not add up stays a finding', () => {
    const m = new Matcher(scope);
    m.addPlatform(
      mv({ merchantOrderNo: 'G1', channelTxnId: 'TA', amount: '60.00', occurredAt: local(D, '10:00:00') }),
      'core',
    );
    m.addPlatform(
      mv({ merchantOrderNo: 'G1', channelTxnId: 'TB', amount: '40.00', occurredAt: local(D, '10:01:00') }),
      'core',
    );
    m.addChannelLines(
      [ln({ amount: '100.01', occurredAt: local(D, '10:05:00'), channelTxnId: 'TG', merchantOrderNo: 'G1' })],
      'S',
      'core',
    );
    expect(brief(m.finish())).toEqual([
      'CHANNEL_ONLY G1 100.01',
      'PLATFORM_ONLY G1 60.00',
      'PLATFORM_ONLY G1#pay:TB 40.00',
    ]);
  });

  it('a split payment: the insurance settles its fund’s share, the self-pay part is another channel’s', () => {
    const m = new Matcher({ ...scope, channel: 'insurance' });
    m.addPlatform(
      mv({
        channel: 'insurance',
        merchantOrderNo: 'I1',
        channelTxnId: 'SETL1',
        amount: '70.00',
        occurredAt: local(D, '10:00:00'),
      }),
      'core',
    );
    m.addChannelLines(
      [
        ln({
          party: 'insurance',
          source: 'insurance',
          format: 'insurance',
          amount: '100.00',
          occurredAt: local(D, '10:00:03'),
          channelTxnId: 'SETL1',
          amounts: { fundPay: '60.00', accountPay: '10.00', cashPay: '30.00' },
        }),
      ],
      'S',
      'core',
    );
    const r = m.finish();
    expect([brief(r), r.matched]).toEqual([[], { count: 1, amount: '70.00' }]);
  });

  it('property: lines grouped to movements conserve the amount, whichever way the group goes', () => {
    fc.assert(
      fc.property(
        fc.array(fc.integer({ min: 1, max: 50_000 }), { minLength: 2, maxLength: 6 }),
        fc.boolean(),
        (parts, combined) => {
          const m = new Matcher(scope);
          const total = parts.reduce((a, b) => a + b, 0);
          const at = local(D, '10:00:00');
          const money = (c: number) => (c / 100).toFixed(2);
          if (combined) {
            for (const [i, c] of parts.entries())
              m.addPlatform(
                mv({ merchantOrderNo: 'G', channelTxnId: `T${i}`, amount: money(c), occurredAt: at }),
                'core',
              );
            m.addChannelLines(
              [ln({ amount: money(total), occurredAt: at, channelTxnId: 'TG', merchantOrderNo: 'G' })],
              'S',
              'core',
            );
          } else {
            m.addPlatform(
              mv({ merchantOrderNo: 'G', channelTxnId: 'TG', amount: money(total), occurredAt: at }),
              'core',
            );
            m.addChannelLines(
              parts.map((c, i) =>
                ln({ amount: money(c), occurredAt: at, channelTxnId: `P${i}`, merchantOrderNo: 'G' }),
              ),
              'S',
              'core',
            );
          }
          const r = m.finish();
          expect(r.findings).toEqual([]);
          expect(r.matched.amount).toBe(money(total));
        },
      ),
      { seed: FC_SEED, numRuns: 200 },
    );
  });
});
