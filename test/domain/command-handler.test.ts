import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { SqlEventStore } from '../../src/adapters/event-store/sql-event-store.ts';
import { handle } from '../../src/domain/command-handler.ts';
import type { EventStoreError } from '../../src/domain/event-store.ts';
import { UPCASTERS } from '../../src/domain/events.ts';
import { Money } from '../../src/domain/money.ts';
import { orderDecider } from '../../src/domain/order/index.ts';
import { Rejection } from '../../src/domain/rejection.ts';
import { cmd } from '../generators/index.ts';
import { createPostgresDatabase, type TestDatabase } from '../support/databases.ts';

describe('the command handler on PostgreSQL', () => {
  let t: TestDatabase;
  let store: SqlEventStore;
  let n = 0;
  const order = () => `ORD-${++n}-${Date.now().toString(36)}`;

  beforeAll(async () => {
    t = await createPostgresDatabase('handle', 20);
    store = new SqlEventStore(t.database, { upcasters: UPCASTERS });
  });
  afterAll(async () => {
    await store?.close();
    await t?.dispose();
  });

  async function paidOrder(amount = '100.00') {
    const orderId = order();
    await handle(store, orderDecider, cmd.createOutpatient({ orderId, items: [['RX-1', amount]] }));
    await handle(
      store,
      orderDecider,
      cmd.recordPayment({ orderId, amount, channelTxnId: `wx-${orderId}`, attemptId: null }),
    );
    return orderId;
  }

  it('decides, appends with the version read, and returns the new facts and state', async () => {
    const orderId = order();
    const created = await handle(store, orderDecider, cmd.createRegistration({ orderId, amount: '25.00' }), {
      metadata: { correlationId: 'corr-1', channel: 'kiosk' },
    });
    expect(created.events.map((e) => e.type)).toEqual(['OrderCreated']);
    expect(created.version).toBe(1);
    expect(created.state.status).toBe('awaiting-payment');
    const stored = (await store.readStream(created.streamId)).events[0]!;
    expect(stored.metadata).toMatchObject({
      correlationId: 'corr-1',
      channel: 'kiosk',
      actor: 'bus-client:kiosk-01',
    });
    expect(stored.occurredAt.toISOString()).toBe('2024-05-01T02:00:00.000Z');
  });

  it('a duplicate channel callback appends nothing', async () => {
    const orderId = await paidOrder();
    const again = await handle(
      store,
      orderDecider,
      cmd.recordPayment({ orderId, amount: '100.00', channelTxnId: `wx-${orderId}`, attemptId: null }),
    );
    expect(again.events).toEqual([]);
    expect(again.position).toBeNull();
    expect((await store.readStream(again.streamId)).version).toBe(2);
  });

  it('rejections come back typed, with a stable code and messages in Chinese and English', async () => {
    const orderId = await paidOrder();
    const error = await handle(
      store,
      orderDecider,
      cmd.requestRefund({ orderId, refundId: 'R-too-much', amount: '100.01' }),
    ).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(Rejection);
    const r = error as Rejection;
    expect(r.code).toBe('REFUND_EXCEEDS_PAYMENT');
    expect(r.messageIn('zh')).toMatch(/[\u4e00-\u9fff]/);
    expect(r.messageIn('en')).toMatch(/refund/i);
  });

  it('concurrent partial refunds through the handler never exceed the payment', async () => {
    const orderId = await paidOrder('100.00');
    // Ten refunds of 30.00 race: at most three fit; every other is refused once it re-decides on the new state.
    const results = await Promise.allSettled(
      Array.from({ length: 10 }, (_, i) =>
        handle(store, orderDecider, cmd.requestRefund({ orderId, refundId: `R-${i}`, amount: '30.00' })),
      ),
    );
    const accepted = results.filter((r) => r.status === 'fulfilled');
    expect(accepted).toHaveLength(3);
    for (const r of results.filter((x) => x.status === 'rejected'))
      expect(((r as PromiseRejectedResult).reason as Rejection).code).toBe('REFUND_EXCEEDS_PAYMENT');
    const stream = await store.readStream(`H1/order/${orderId}`);
    const requested = stream.events
      .filter((e) => e.type === 'RefundRequested')
      .reduce((s, e) => s.add(Money.parse(String(e.data.amount))), Money.ZERO);
    expect(requested.toString()).toBe('90.00');
  });

  it('an idempotency key makes a repeat return the original outcome and append nothing, even concurrently', async () => {
    const orderId = await paidOrder('50.00');
    const command = cmd.requestRefund({ orderId, refundId: 'R-idem', amount: '20.00' });
    const results = await Promise.all(
      Array.from({ length: 6 }, () =>
        handle(store, orderDecider, command, { idempotencyKey: `k-${orderId}`, requestHash: 'h' }),
      ),
    );
    expect(results.filter((r) => !r.duplicate)).toHaveLength(1);
    for (const r of results) {
      expect(r.events.map((e) => e.type)).toEqual(['RefundRequested']);
      expect(r.version).toBe(3);
    }
    // Later, after the order moved on, the repeat still answers what the first submission produced.
    await handle(store, orderDecider, cmd.verifyRefundIdentity({ orderId, refundId: 'R-idem' }));
    const late = await handle(store, orderDecider, command, {
      idempotencyKey: `k-${orderId}`,
      requestHash: 'h',
    });
    expect(late.duplicate).toBe(true);
    expect(late.version).toBe(3);
    expect((await store.readStream(late.streamId)).version).toBe(4);
    const other = await handle(store, orderDecider, command, {
      idempotencyKey: `k-${orderId}`,
      requestHash: 'other',
    }).catch((e: unknown) => e);
    expect((other as EventStoreError).code).toBe('IDEMPOTENCY_KEY_REUSED');
  });
});
