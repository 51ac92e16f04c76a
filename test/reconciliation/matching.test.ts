import fc from 'fast-check';
import { FC_SEED } from '../support/property.ts';
import { describe, expect, it } from 'vitest';
import {
  DEFAULT_MATCHING_CONFIG,
  Matcher,
  type PlatformItem,
} from '../../src/domain/reconciliation/matching.ts';
import type { StatementLine } from '../../src/domain/reconciliation/statement-line.ts';
import { local } from './support.ts';

const D = '2024-05-01';
const scope = { hospitalId: 'H1', channel: 'bank', businessDate: D };

const mv = (
  o: Partial<PlatformItem> & { merchantOrderNo: string; amount: string; occurredAt: string },
): PlatformItem => ({
  hospitalId: 'H1',
  channel: 'bank',
  kind: 'payment',
  businessDate: D,
  businessType: 'outpatient',
  ref: `pay:${o.channelTxnId ?? o.merchantOrderNo}`,
  ...o,
});

let lineNo = 1;
const line = (o: Partial<StatementLine> & { amount: string; occurredAt: string }): StatementLine => ({
  party: 'bank',
  source: 'bank',
  format: 'bank:test',
  kind: 'payment',
  lineNo: lineNo++,
  raw: '',
  localTime: '',
  businessDate: D,
  ...o,
});

const summary = (m: Matcher) => m.finish().findings.map((f) => `${f.type} ${f.subject} ${f.amount}`);

describe('matching passes', () => {
  it('key-less lines match by amount within the time window, closest first', () => {
    const m = new Matcher(scope);
    m.addPlatform(
      mv({ merchantOrderNo: 'C1', channelTxnId: 'X1', amount: '10.00', occurredAt: local(D, '10:00:00') }),
      'core',
    );
    m.addPlatform(
      mv({ merchantOrderNo: 'C2', channelTxnId: 'X2', amount: '10.00', occurredAt: local(D, '10:03:00') }),
      'core',
    );
    m.addPlatform(
      mv({ merchantOrderNo: 'C3', channelTxnId: 'X3', amount: '10.00', occurredAt: local(D, '18:00:00') }),
      'core',
    );
    m.addChannelLines(
      [
        line({ amount: '10.00', occurredAt: local(D, '10:02:30') }),
        line({ amount: '10.00', occurredAt: local(D, '10:00:10') }),
      ],
      'S1',
      'core',
    );
    const r = m.finish();
    expect(r.matched.count).toBe(2);
    expect(r.findings.map((f) => `${f.type} ${f.subject}`)).toEqual(['PLATFORM_ONLY C3']);
  });

  it('a key-less line outside the window is channel-only', () => {
    const m = new Matcher(scope, { ...DEFAULT_MATCHING_CONFIG, keylessWindowSeconds: 60 });
    m.addPlatform(
      mv({ merchantOrderNo: 'C1', channelTxnId: 'X1', amount: '10.00', occurredAt: local(D, '10:00:00') }),
      'core',
    );
    m.addChannelLines([line({ amount: '10.00', occurredAt: local(D, '10:05:00') })], 'S1', 'core');
    expect(summary(m).map((s) => s.split(' ')[0])).toEqual(['CHANNEL_ONLY', 'PLATFORM_ONLY']);
  });

  it('many lines of one order adding up to one movement match (split payment)', () => {
    const m = new Matcher(scope);
    m.addPlatform(mv({ merchantOrderNo: 'S1', amount: '100.00', occurredAt: local(D, '10:00:00') }), 'core');
    m.addChannelLines(
      [
        line({
          amount: '60.00',
          merchantOrderNo: 'S1',
          channelTxnId: 'P1',
          occurredAt: local(D, '10:00:00'),
        }),
        line({
          amount: '40.00',
          merchantOrderNo: 'S1',
          channelTxnId: 'P2',
          occurredAt: local(D, '10:00:01'),
        }),
      ],
      'S1',
      'core',
    );
    const r = m.finish();
    expect(r.findings).toEqual([]);
    expect(r.matched).toEqual({ count: 1, amount: '100.00' });
  });

  it('a settlement short of the day net (payments − refunds − fees) is a shortfall', () => {
    const m = new Matcher({ ...scope, channel: 'wechat' });
    m.addPlatform(
      mv({
        channel: 'wechat',
        merchantOrderNo: 'O1',
        channelTxnId: 'T1',
        amount: '100.00',
        occurredAt: local(D, '10:00:00'),
      }),
      'core',
    );
    m.addChannelLines(
      [
        line({
          amount: '100.00',
          merchantOrderNo: 'O1',
          channelTxnId: 'T1',
          fee: '0.60',
          occurredAt: local(D, '10:00:00'),
        }),
      ],
      'S1',
      'core',
    );
    m.addChannelLines(
      [line({ kind: 'settlement', amount: '99.00', occurredAt: local(D, '23:00:00') })],
      'S2',
      'core',
    );
    expect(summary(m)).toEqual(['SETTLEMENT_SHORTFALL settlement:2024-05-01 0.40']);
  });

  it('a settlement that covers the day net is matched (many movements to one transfer)', () => {
    const m = new Matcher({ ...scope, channel: 'wechat' });
    m.addPlatform(
      mv({
        channel: 'wechat',
        merchantOrderNo: 'O1',
        channelTxnId: 'T1',
        amount: '100.00',
        occurredAt: local(D, '10:00:00'),
      }),
      'core',
    );
    m.addChannelLines(
      [
        line({
          amount: '100.00',
          merchantOrderNo: 'O1',
          channelTxnId: 'T1',
          fee: '0.60',
          occurredAt: local(D, '10:00:00'),
        }),
      ],
      'S1',
      'core',
    );
    m.addSettlement({ ref: 'settlement:wechat:1', amount: '99.40', party: 'platform' });
    expect(summary(m)).toEqual([]);
  });

  it('an edge line only clears a core movement: the neighbouring day’s own lines are ignored', () => {
    const m = new Matcher(scope);
    m.addPlatform(
      mv({ merchantOrderNo: 'O1', channelTxnId: 'T1', amount: '5.00', occurredAt: local(D, '23:59:59') }),
      'core',
    );
    m.addChannelLines(
      [
        line({
          amount: '5.00',
          merchantOrderNo: 'O1',
          channelTxnId: 'T1',
          businessDate: '2024-05-02',
          occurredAt: local('2024-05-02', '00:00:02'),
        }),
      ],
      'S2',
      'edge',
    );
    m.addChannelLines(
      [
        line({
          amount: '7.00',
          merchantOrderNo: 'O9',
          channelTxnId: 'T9',
          businessDate: '2024-05-02',
          occurredAt: local('2024-05-02', '00:01:00'),
        }),
      ],
      'S2',
      'edge',
    );
    const r = m.finish();
    expect(r.findings).toEqual([]);
    expect(r.timing).toEqual({ count: 1, amount: '5.00' });
    expect(r.timingSubjects).toEqual(['O1']);
  });
});

// ---- property: findings do not depend on the order lines arrive in ----

interface Case {
  platform: PlatformItem[];
  lines: StatementLine[];
  his: StatementLine[];
}

const arbCase: fc.Arbitrary<Case> = fc
  .array(
    fc.record({
      cents: fc.integer({ min: 1, max: 50_000 }),
      minute: fc.integer({ min: 0, max: 24 * 60 - 1 }),
      onPlatform: fc.boolean(),
      onChannel: fc.integer({ min: 0, max: 2 }),
      channelDelta: fc.constantFrom(0, 0, 0, 1, -1),
      keyless: fc.boolean(),
      inHis: fc.boolean(),
      refund: fc.boolean(),
    }),
    { maxLength: 40 },
  )
  .map((specs) => {
    const platform: PlatformItem[] = [];
    const lines: StatementLine[] = [];
    const his: StatementLine[] = [];
    specs.forEach((s, i) => {
      const amount = (s.cents / 100).toFixed(2);
      const at = new Date(Date.parse(`${D}T00:00:00+08:00`) + s.minute * 60_000).toISOString();
      const kind = s.refund ? 'refund' : 'payment';
      const order = `O${i}`;
      const ids = s.refund
        ? { refundNo: `R${i}`, merchantOrderNo: order }
        : { channelTxnId: `T${i}`, merchantOrderNo: order };
      if (s.onPlatform) platform.push(mv({ kind, ...ids, amount, occurredAt: at, ref: `m${i}` }));
      for (let k = 0; k < s.onChannel; k++) {
        const chAmount = ((s.cents + s.channelDelta) / 100).toFixed(2);
        lines.push({
          party: 'bank',
          source: 'bank',
          format: 'bank:test',
          kind,
          lineNo: i * 10 + k + 1,
          raw: '',
          localTime: '',
          businessDate: D,
          amount: Number(chAmount) > 0 ? chAmount : amount,
          occurredAt: at,
          ...(s.keyless && !s.refund ? {} : ids),
        });
      }
      if (s.inHis)
        his.push({
          party: 'his',
          source: 'his',
          format: 'his',
          kind,
          lineNo: i + 1,
          raw: '',
          localTime: '',
          businessDate: D,
          amount,
          occurredAt: at,
          hisNo: `H${i}`,
          payChannel: 'bank',
          ...ids,
        });
    });
    return { platform, lines, his };
  });

function run(
  c: Case,
  order: (xs: StatementLine[]) => StatementLine[],
  porder: (xs: PlatformItem[]) => PlatformItem[],
) {
  const m = new Matcher(scope, { ...DEFAULT_MATCHING_CONFIG, feeRates: {} });
  for (const p of porder(c.platform)) m.addPlatform(p, 'core');
  // Lines arrive in batches, as they stream from the store.
  const ls = order(c.lines);
  for (let i = 0; i < ls.length; i += 7) m.addChannelLines(ls.slice(i, i + 7), 'S1', 'core');
  m.addHisLines(order(c.his), 'S2', 'core');
  const r = m.finish();
  return { findings: r.findings, matched: r.matched, byType: r.byType };
}

describe('matching is deterministic', () => {
  it('findings are invariant under shuffling the input lines and movements', () => {
    fc.assert(
      fc.property(arbCase, fc.infiniteStream(fc.integer()), (c, rand) => {
        const shuffle = <T>(xs: T[]): T[] => {
          const a = [...xs];
          for (let i = a.length - 1; i > 0; i--) {
            const j = Math.abs(rand.next().value as number) % (i + 1);
            [a[i], a[j]] = [a[j]!, a[i]!];
          }
          return a;
        };
        const a = run(
          c,
          (x) => x,
          (x) => x,
        );
        const b = run(c, shuffle, shuffle);
        expect(b).toEqual(a);
      }),
      { seed: FC_SEED, numRuns: 300 },
    );
  });
});
