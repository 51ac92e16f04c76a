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

  /** The store, counting the stream reads and the appends the handler makes. */
  function counting() {
    const calls = { reads: 0, appends: 0 };
    const counted = Object.create(store) as SqlEventStore;
    counted.readStream = (...args) => {
      calls.reads++;
      return store.readStream(...args);
    };
    counted.appendToStream = (...args) => {
      calls.appends++;
      return store.appendToStream(...args);
    };
    return { counted, calls };
  }

  it('creates a new stream in one append, without reading it first', async () => {
    const { counted, calls } = counting();
    const orderId = order();
    const created = await handle(
      counted,
      orderDecider,
      cmd.createRegistration({ orderId, amount: '25.00' }),
      {
        idempotencyKey: `create-${orderId}`,
        requestHash: 'h',
      },
    );
    expect(calls).toEqual({ reads: 0, appends: 1 });
    expect(created).toMatchObject({ version: 1, duplicate: false, state: { status: 'awaiting-payment' } });
    expect(created.position).toBe((await store.readStream(created.streamId)).events[0]!.position);
  });

  it('a creation of a stream that exists is decided on what is stored: refused, or the first answer for its key', async () => {
    const orderId = order();
    const create = cmd.createRegistration({ orderId, amount: '25.00' });
    const first = await handle(store, orderDecider, create, {
      idempotencyKey: `c-${orderId}`,
      requestHash: 'h',
    });
    const repeat = await handle(store, orderDecider, create, {
      idempotencyKey: `c-${orderId}`,
      requestHash: 'h',
    });
    expect(repeat).toMatchObject({ duplicate: true, version: 1, position: first.position });
    expect(repeat.events.map((e) => e.type)).toEqual(['OrderCreated']);
    const clash = await handle(store, orderDecider, create).catch((e: unknown) => e);
    expect((clash as Rejection).code).toBe('ORDER_ALREADY_EXISTS');
    expect((await store.readStream(first.streamId)).version).toBe(1);
  });

  it('concurrent creations of one stream: exactly one creates it, the others are refused on the stored state', async () => {
    const orderId = order();
    const results = await Promise.allSettled(
      Array.from({ length: 5 }, () =>
        handle(store, orderDecider, cmd.createRegistration({ orderId, amount: '25.00' })),
      ),
    );
    expect(results.filter((r) => r.status === 'fulfilled')).toHaveLength(1);
    for (const r of results.filter((x) => x.status === 'rejected'))
      expect(((r as PromiseRejectedResult).reason as Rejection).code).toBe('ORDER_ALREADY_EXISTS');
  });

  it('prepare completes the command from the state read for the decision: one read per attempt', async () => {
    const orderId = await paidOrder('100.00');
    const { counted, calls } = counting();
    const seen: string[] = [];
    const refund = await handle(
      counted,
      orderDecider,
      cmd.requestRefund({ orderId, refundId: 'R-p', amount: '10.00' }),
      {
        prepare: (c, state) => {
          seen.push(state.status);
          return c.type === 'RequestRefund' ? { ...c, amount: Money.parse('12.00') } : c;
        },
      },
    );
    expect(calls).toEqual({ reads: 1, appends: 1 });
    expect(seen).toEqual(['paid']);
    // The prepared command is the one decided.
    expect(refund.events[0]!.data).toMatchObject({ amount: '12.00' });
  });

  it('prepare runs again on the new state when a concurrent writer moved the stream', async () => {
    const orderId = await paidOrder('100.00');
    const statuses: number[] = [];
    let raced = false;
    await handle(store, orderDecider, cmd.requestRefund({ orderId, refundId: 'R-a', amount: '10.00' }), {
      prepare: async (c) => {
        const version = (await store.readStream(`H1/order/${orderId}`)).version;
        statuses.push(version);
        if (!raced) {
          raced = true;
          await handle(store, orderDecider, cmd.requestRefund({ orderId, refundId: 'R-b', amount: '10.00' }));
        }
        return c;
      },
    });
    expect(statuses).toEqual([2, 3]);
    expect((await store.readStream(`H1/order/${orderId}`)).version).toBe(4);
  });
});
