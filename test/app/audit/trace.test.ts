import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { SqlEventStore } from '../../../src/adapters/event-store/sql-event-store.ts';
import { traceId } from '../../../src/app/audit/trace.ts';
import { handle } from '../../../src/domain/command-handler.ts';
import { UPCASTERS } from '../../../src/domain/events.ts';
import { orderDecider } from '../../../src/domain/order/index.ts';
import { cmd } from '../../generators/index.ts';
import { runCli } from '../../support/audit.ts';
import { createPostgresDatabase, type TestDatabase } from '../../support/databases.ts';

let t: TestDatabase;
let store: SqlEventStore;
const STATEMENT = 'abcdefabcdef0123';
beforeAll(async () => {
  t = await createPostgresDatabase('audit_trace');
  store = new SqlEventStore(t.database, { upcasters: UPCASTERS });
  for (const orderId of ['O-T1', 'O-T2']) {
    const n = orderId.slice(-1);
    await handle(store, orderDecider, cmd.createRegistration({ orderId }), {
      metadata: { correlationId: `corr-${n}`, device: 'kiosk-01' },
    });
    await handle(store, orderDecider, cmd.requestPayment({ orderId }));
    await handle(
      store,
      orderDecider,
      cmd.recordPayment({ orderId, channelTxnId: `TX-T${n}`, amount: '25.00' }),
      {
        metadata: { correlationId: `corr-${n}`, causationId: `callback-${n}`, channel: 'wechat' },
      },
    );
  }
  await handle(
    store,
    orderDecider,
    cmd.requestRefund({ orderId: 'O-T1', refundId: 'R-T1', amount: '10.00' }),
  );
  await handle(store, orderDecider, cmd.verifyRefundIdentity({ orderId: 'O-T1', refundId: 'R-T1' }));
  await handle(store, orderDecider, cmd.recordRefundSuccess({ orderId: 'O-T1', refundId: 'R-T1' }));
  const at = new Date('2024-05-02T02:00:00Z');
  await store.appendToStream(
    `H1/statement/${STATEMENT}`,
    [
      {
        type: 'StatementLinesImported',
        occurredAt: at,
        data: {
          statementId: STATEMENT,
          batch: 1,
          lines: [
            { lineNo: 7, kind: 'refund', amount: '10.00', merchantOrderNo: 'O-T1', refundNo: 'R-T1' },
            { lineNo: 8, kind: 'payment', amount: '25.00', merchantOrderNo: 'O-T2', channelTxnId: 'TX-T2' },
          ],
        },
      },
    ],
    { expectedVersion: 'no_stream' },
  );
  await store.appendToStream(
    'H1/discrepancy/D-T1',
    [
      {
        type: 'DiscrepancyRaised',
        occurredAt: at,
        metadata: { actor: 'system:reconciliation' },
        data: {
          discrepancyId: 'D-T1',
          type: 'STATUS_MISMATCH',
          subject: 'R-T1',
          amount: '10.00',
          finding: { subject: 'R-T1', sources: [{ party: 'channel', ref: 'abcdefabcdef:7' }] },
        },
      },
    ],
    { expectedVersion: 'no_stream' },
  );
});
afterAll(async () => {
  await store.close();
  await t.dispose();
});

describe('ledger audit trace', () => {
  it('an order, its payment, its refund, its statement line and its discrepancy all trace to the same story', async () => {
    const byOrder = await traceId(t.database, store, 'O-T1');
    expect(byOrder.events.filter((e) => e.streamId === 'H1/order/O-T1').map((e) => e.streamVersion)).toEqual(
      (await store.readStream('H1/order/O-T1')).events.map((e) => e.streamVersion),
    );
    expect(byOrder.events.some((e) => e.streamId.includes('O-T2'))).toBe(false);
    expect(byOrder.discrepancies.map((d) => [d.discrepancyId, d.subject])).toEqual([['D-T1', 'R-T1']]);
    expect(byOrder.statementLines.map((l) => l.line.lineNo)).toEqual([7]);

    const paid = byOrder.events.find((e) => e.type === 'PaymentSucceeded')!;
    expect(paid).toMatchObject({ correlationId: 'corr-1', causationId: 'callback-1', channel: 'wechat' });
    expect(paid.journal?.lines).toEqual([
      { account: 'channel:wechat:clearing', side: 'debit', amount: '25.00' },
      { account: 'revenue:registration', side: 'credit', amount: '25.00' },
    ]);
    expect(byOrder.events.find((e) => e.type === 'RefundSucceeded')?.journal?.lines).toEqual([
      { account: 'revenue:registration', side: 'debit', amount: '10.00' },
      { account: 'channel:wechat:clearing', side: 'credit', amount: '10.00' },
    ]);
    expect(byOrder.events.find((e) => e.type === 'OrderCreated')).toMatchObject({
      device: 'kiosk-01',
      journal: null,
    });

    const positions = (x: Awaited<ReturnType<typeof traceId>>) => x.events.map((e) => e.position);
    for (const id of ['TX-T1', 'R-T1', 'abcdefabcdef:7', 'D-T1']) {
      const other = await traceId(t.database, store, id);
      expect(positions(other), id).toEqual(positions(byOrder));
      expect(
        other.discrepancies.map((d) => d.discrepancyId),
        id,
      ).toEqual(['D-T1']);
    }
  });

  it('the CLI prints a table with the journal lines, or JSON; an unknown id exits 1, a missing one 64', async () => {
    const env = { DATABASE_URL: t.url };
    const r = await runCli(['audit', 'trace', 'TX-T2'], env);
    expect(r.code).toBe(0);
    expect(r.out).toMatch(/trace of TX-T2: \d+ events, 0 discrepancies, 1 statement lines/);
    expect(r.out).toMatch(/PaymentSucceeded .*wechat/);
    expect(r.out).toMatch(/Dr channel:wechat:clearing 25\.00/);
    expect(r.out).toMatch(/Cr revenue:registration 25\.00/);
    const json = JSON.parse((await runCli(['audit', 'trace', 'O-T2', '--json'], env)).out);
    expect(json.events.map((e: { type: string }) => e.type)).toContain('PaymentSucceeded');
    expect((await runCli(['audit', 'trace', 'NOPE'], env)).code).toBe(1);
    expect((await runCli(['audit', 'trace'], env)).code).toBe(64);
  });
});
